// Package sqltable reads described SQL tables the DreamFactory way: column lists, the request
// parameters fields, filter, order, limit and offset, and SELECT/COUNT statements with every
// value bound, returning JSON-ready rows. The system service (over the platform's own tables)
// and database services (over users' tables) both read through it. Identifiers reach SQL only
// from a Table's columns, never from a request.
package sqltable

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform/bounded"
	"github.com/apiary/apiary/platform/filter"
)

// Column is one selectable column: Name as clients write it, Column as in SQL, Kind its value
// family (string, int, float, decimal, bool, time, date, json, bytes, other).
type Column struct {
	Name, Column, Kind string
}

// Table is a described table, built by New; Name and Columns are not changed after (the
// lookups below are built from them).
type Table struct {
	Name    string // SQL name
	Columns []Column
	byName  map[string]int                 // lower-case name → index
	taken   map[string]bool                // lower-case SQL names of the table and its columns (PerParentSQL)
	byKey   sync.Map                       // dialect and key columns → the SELECT of one row by them (SelectByKey)
	shaped  bounded.Map[string, statement] // query shape → its SELECT or COUNT (shapedSQL)
	quoted  sync.Map                       // dialect → *quotedNames
	// every column for the filter language, built once (filterColumns)
	filterOnce sync.Once
	filterCols func(name string) (filter.Column, bool)
}

// quotedNames are a table's name and columns quoted for one dialect.
type quotedNames struct {
	table   string
	columns []string // shared: never changed once built
}

// names returns t's name and columns quoted for dialect, built once per dialect.
func (t *Table) names(dialect string) *quotedNames {
	if v, ok := t.quoted.Load(dialect); ok {
		return v.(*quotedNames)
	}
	q := &quotedNames{table: Quote(dialect, t.Name), columns: make([]string, len(t.Columns))}
	for i, c := range t.Columns {
		q.columns[i] = Quote(dialect, c.Column)
	}
	t.quoted.Store(dialect, q)
	return q
}

// New describes table name with its columns, in the order rows are read.
func New(name string, cols []Column) *Table {
	t := &Table{Name: name, Columns: cols, byName: make(map[string]int, len(cols)), taken: make(map[string]bool, len(cols)+1)}
	t.shaped.Max = maxShapes
	t.taken[strings.ToLower(name)] = true
	for i, c := range cols {
		t.byName[strings.ToLower(c.Name)] = i
		t.taken[strings.ToLower(c.Column)] = true
	}
	return t
}

// Column returns a column by client name, case-insensitively.
func (t *Table) Column(name string) (Column, bool) {
	i, ok := t.byName[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Column{}, false
	}
	return t.Columns[i], true
}

// Order is one ORDER BY term.
type Order struct {
	Column string // SQL column
	Desc   bool
	Nulls  string // "", "first", "last"
}

// Query is one read: bound predicates, order, page. Limit 0 means no limit.
type Query struct {
	Where  []*entsql.Predicate
	Order  []Order
	Limit  int
	Offset int
	// filter is set by ParseRead when Where held only the predicate of a filter whose SQL
	// depends on nothing but its text (no {lookup}, no :param): see shapeKey.
	filter *shapedFilter
}

// shapedFilter is a filter's text and the predicate ParseRead compiled from it.
type shapedFilter struct {
	text string
	pred *entsql.Predicate
}

// statement is a statement's text and its bound arguments (shared: never changed once built).
type statement struct {
	text string
	args []any
}

// DB is what reads need of a database: a *sql.DB, a *sql.Tx, or an ent client (inside a
// transaction too).
type DB interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// SelectSQL builds the SELECT of every column for q.
func (t *Table) SelectSQL(dialect string, q Query) (string, []any) {
	n := t.names(dialect)
	sel := entsql.Dialect(dialect).Select(n.columns...).From(entsql.Table(n.table))
	if len(q.Where) > 0 {
		sel.Where(entsql.And(q.Where...))
	}
	for _, o := range q.Order {
		var opts []entsql.OrderTermOption
		if o.Desc {
			opts = append(opts, entsql.OrderDesc())
		}
		switch o.Nulls {
		case "first":
			opts = append(opts, entsql.OrderNullsFirst())
		case "last":
			opts = append(opts, entsql.OrderNullsLast())
		}
		entsql.OrderByField(Quote(dialect, o.Column), opts...).ToFunc()(sel)
	}
	if q.Limit > 0 {
		sel.Limit(q.Limit)
	}
	if q.Offset > 0 {
		if q.Limit <= 0 && dialect != "postgres" { // SQLite and MySQL need a LIMIT before OFFSET
			sel.Limit(1 << 62)
		}
		sel.Offset(q.Offset)
	}
	return sel.Query()
}

// SelectByKey reads the row whose key columns (SQL names) equal vals — the read by id, whose
// SQL text is built once per table, dialect and key.
func (t *Table) SelectByKey(ctx context.Context, db DB, dialect string, keys []string, vals []any) ([]map[string]any, error) {
	id := dialect + "\x00" + strings.Join(keys, "\x00")
	text, ok := t.byKey.Load(id)
	if !ok {
		preds := make([]*entsql.Predicate, len(keys))
		for i, k := range keys {
			preds[i] = entsql.EQ(Quote(dialect, k), 0)
		}
		text, _ = t.SelectSQL(dialect, Query{Where: []*entsql.Predicate{entsql.And(preds...)}, Limit: 1})
		t.byKey.Store(id, text)
	}
	return t.scan(ctx, db, text.(string), vals, 1)
}

// countSQL builds the COUNT of the rows matching q.Where.
func (t *Table) countSQL(dialect string, q Query) (string, []any) {
	sel := entsql.Dialect(dialect).Select(entsql.Count("*")).From(entsql.Table(Quote(dialect, t.Name)))
	if len(q.Where) > 0 {
		sel.Where(entsql.And(q.Where...))
	}
	return sel.Query()
}

// Select reads the rows matching q.
func (t *Table) Select(ctx context.Context, db DB, dialect string, q Query) ([]map[string]any, error) {
	text, args := t.selectSQL(dialect, q)
	return t.scan(ctx, db, text, args, min(max(q.Limit, 0), maxRowsHint))
}

// maxShapes bounds the statements kept per table.
const maxShapes = 256

// selectSQL is SelectSQL, built once per query shape when q has one (shapeKey).
func (t *Table) selectSQL(dialect string, q Query) (string, []any) {
	return t.shapedSQL("select", dialect, q, t.SelectSQL)
}

// shapedSQL returns build(dialect, q), kept per table under what and q's shape when q has one.
func (t *Table) shapedSQL(what, dialect string, q Query, build func(string, Query) (string, []any)) (string, []any) {
	key, ok := q.shapeKey(what, dialect)
	if !ok {
		return build(dialect, q)
	}
	if st, ok := t.shaped.Get(key); ok {
		return st.text, st.args
	}
	text, args := build(dialect, q)
	t.shaped.Put(key, statement{text: text, args: args})
	return text, args
}

// shapeKey names what q's statement (what: select, count) depends on — dialect, page, order and the
// filter's text — when that is all they depend on: Where is empty, or is exactly the one
// predicate ParseRead compiled from a caller-independent filter. Any other predicate (a row
// filter, ids, a key) makes q unshaped, so the SQL is built for this read alone.
func (q Query) shapeKey(what, dialect string) (string, bool) {
	var filter string
	switch {
	case len(q.Where) == 0:
	case len(q.Where) == 1 && q.filter != nil && q.Where[0] == q.filter.pred:
		filter = q.filter.text
	default:
		return "", false
	}
	b := make([]byte, 0, 32+len(filter)+16*len(q.Order))
	b = append(b, what...)
	b = append(b, 0)
	b = append(b, dialect...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(q.Limit), 10)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(q.Offset), 10)
	for _, o := range q.Order {
		b = append(b, 0)
		b = append(b, o.Column...)
		b = append(b, 0)
		b = strconv.AppendBool(b, o.Desc)
		b = append(b, o.Nulls...)
	}
	b = append(b, 0, 0)
	b = append(b, filter...)
	return string(b), true
}

// Scan runs a SELECT of every column (in order) and returns JSON-ready rows keyed by client name.
func (t *Table) Scan(ctx context.Context, db DB, text string, args []any) ([]map[string]any, error) {
	return t.scan(ctx, db, text, args, 0)
}

// maxRowsHint caps the row slice a read allocates up front from its LIMIT.
const maxRowsHint = 256

// scan is Scan with room for hint rows allocated up front.
func (t *Table) scan(ctx context.Context, db DB, text string, args []any, hint int) ([]map[string]any, error) {
	rows, _, err := t.scanLinked(ctx, db, text, args, hint, nil)
	return rows, err
}

// scanLinked is scan of a statement that, with link, returns one more column after t's: the
// parent key of each row (of kind link.ParentKind), returned in parents, one per row.
func (t *Table) scanLinked(ctx context.Context, db DB, text string, args []any, hint int, link *Link) (out []map[string]any, parents []any, err error) {
	rows, err := db.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	n := len(t.Columns)
	if link != nil {
		n++
	}
	out = make([]map[string]any, 0, hint)
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make(map[string]any, len(t.Columns))
		for i, c := range t.Columns {
			row[c.Name] = Normalize(c.Kind, vals[i])
		}
		out = append(out, row)
		if link != nil {
			parents = append(parents, Normalize(link.ParentKind, vals[n-1]))
		}
	}
	return out, parents, rows.Err()
}

// Count returns the number of rows matching q.Where (built once per query shape, as Select).
func (t *Table) Count(ctx context.Context, db DB, dialect string, q Query) (int, error) {
	q.Order, q.Limit, q.Offset = nil, 0, 0
	text, args := t.shapedSQL("count", dialect, q, t.countSQL)
	rows, err := db.QueryContext(ctx, text, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}
