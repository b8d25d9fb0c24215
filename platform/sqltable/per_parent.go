package sqltable

import (
	"context"
	"slices"
	"strings"

	entsql "entgo.io/ent/dialect/sql"
)

// PerParent is a read of at most Limit rows of a table for each parent row, after skipping
// Offset, in one statement: the rows are numbered per parent key with ROW_NUMBER() OVER
// (PARTITION BY the key ORDER BY Order) and only numbers Offset+1 … Offset+Limit are returned. It serves related rows of a batch of
// parents (has_many with Key, many_many with Link). Window functions need SQLite 3.25,
// PostgreSQL 8.4, MySQL 8.0 or MariaDB 10.2.
type PerParent struct {
	Where []*entsql.Predicate // on the read table's columns (for Key: its IN list of parent keys too)
	Order []Order             // order within each parent; the key columns in TieBreak follow
	// TieBreak (SQL columns, usually the primary key) makes the numbering deterministic when
	// Order has ties; columns already in Order are skipped.
	TieBreak []string
	Limit    int    // rows per parent; 0: no limit (Offset alone)
	Offset   int    // rows of each parent skipped first
	Key      string // has_many: the read table's SQL column holding the parent key
	Link     *Link  // many_many: the parent key comes from a link (junction) table instead
	// CastKey groups (and, with a Link, returns) the parent key as a number, CAST(… AS
	// NUMERIC): for a text key column that a foreign key pairs with decimal parents, whose
	// '1.5' and '1.50' are one parent (the caller's IN list casts it too).
	CastKey bool
}

// Link joins the read table to its parents through a link table: a row of the read table
// belongs to parent P when a row of the link table has Parent = P and Child = the row's Ref.
// Duplicate link rows count once.
type Link struct {
	Table      string              // SQL name of the link table
	Parent     string              // its SQL column holding the parent key
	ParentKind string              // value kind of Parent (see Column.Kind)
	Child      string              // its SQL column referring to the read table
	Ref        string              // the read table's SQL column Child refers to
	Where      []*entsql.Predicate // on the link table's columns, with the IN list of parent keys
}

// AsNumber is expr read as a number, CAST(expr AS NUMERIC): SQLite's numeric affinity, with
// which text '1.50' compares equal to 1.5.
func AsNumber(expr string) string { return "CAST(" + expr + " AS NUMERIC)" }

// PerParentSQL builds the statement of q: the read table's columns in order, and with a Link
// one more column, the parent key. The row number is never among the returned columns.
func (t *Table) PerParentSQL(dialect string, q PerParent) (string, []any) {
	d := entsql.Dialect(dialect)
	// given are the names fresh has returned (lower-case); t.taken is shared and never changed.
	given := make([]string, 0, 5)
	// fresh returns a name no column of the read table (or the table itself) has, nor any
	// name it returned before.
	fresh := func(name string) string {
		for t.taken[strings.ToLower(name)] || slices.Contains(given, strings.ToLower(name)) {
			name += "_"
		}
		given = append(given, strings.ToLower(name))
		return name
	}
	rnName, outer := fresh("apiary_rn"), fresh("apiary_ranked")
	n := t.names(dialect)
	cols := n.columns // shared: appended to only through a copy

	rn := entsql.RowNumber()
	key := func(col string) string { // the parent key as the window groups it
		if q.CastKey {
			return AsNumber(col)
		}
		return col
	}
	var parentName string
	inner := d.Select(cols...).From(entsql.Table(n.table))
	if q.Link == nil {
		rn.PartitionBy(key(Quote(dialect, q.Key)))
	} else {
		l := q.Link
		linkAlias := fresh("apiary_link")
		var childName string
		parentName, childName = fresh("apiary_parent"), fresh("apiary_child")
		links := d.Select().Distinct().
			AppendSelectAs(key(Quote(dialect, l.Parent)), Quote(dialect, parentName)).
			AppendSelectAs(Quote(dialect, l.Child), Quote(dialect, childName)).
			From(entsql.Table(Quote(dialect, l.Table)))
		if len(l.Where) > 0 {
			links.Where(entsql.And(l.Where...))
		}
		links.As(Quote(dialect, linkAlias))
		qualified := func(alias, col string) string { return Quote(dialect, alias) + "." + Quote(dialect, col) }
		inner.Join(links).OnP(entsql.ExprP(qualified(t.Name, q.Link.Ref) + " = " + qualified(linkAlias, childName)))
		inner.AppendSelectAs(qualified(linkAlias, parentName), Quote(dialect, parentName))
		rn.PartitionBy(qualified(linkAlias, parentName))
	}
	inOrder := map[string]bool{}
	for _, o := range q.Order {
		inOrder[o.Column] = true
		rn.OrderExpr(entsql.Expr(orderTerm(dialect, o)))
	}
	for _, c := range q.TieBreak {
		if !inOrder[c] {
			rn.OrderExpr(entsql.Expr(Quote(dialect, c)))
		}
	}
	inner.AppendSelectExprAs(rn, Quote(dialect, rnName))
	if len(q.Where) > 0 {
		inner.Where(entsql.And(q.Where...))
	}
	inner.As(Quote(dialect, outer))

	outCols := cols
	if q.Link != nil {
		outCols = append(append([]string{}, cols...), Quote(dialect, parentName))
	}
	sel := d.Select(outCols...).From(inner).OrderBy(Quote(dialect, rnName))
	var window []*entsql.Predicate
	if q.Offset > 0 {
		window = append(window, entsql.GT(Quote(dialect, rnName), q.Offset))
	}
	if q.Limit > 0 {
		window = append(window, entsql.LTE(Quote(dialect, rnName), q.Offset+q.Limit))
	}
	if len(window) > 0 {
		sel.Where(entsql.And(window...))
	}
	return sel.Query()
}

// SelectPerParent runs q and returns the rows (JSON-ready, keyed by client name) and, with a
// Link, the linking parent key of each row (a row linked to several parents comes once per
// parent). Without a Link the parent key of a row is its Key column, and parents is nil.
func (t *Table) SelectPerParent(ctx context.Context, db DB, dialect string, q PerParent) (rows []map[string]any, parents []any, err error) {
	text, args := t.PerParentSQL(dialect, q)
	return t.scanLinked(ctx, db, text, args, 0, q.Link)
}

// orderTerm renders one ORDER BY term as SelectSQL does: the quoted column, DESC, NULLS
// FIRST or LAST.
func orderTerm(dialect string, o Order) string {
	s := Quote(dialect, o.Column)
	if o.Desc {
		s += " DESC"
	}
	switch o.Nulls {
	case "first":
		s += " NULLS FIRST"
	case "last":
		s += " NULLS LAST"
	}
	return s
}
