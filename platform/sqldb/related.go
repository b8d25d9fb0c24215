package sqldb

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
)

// maxInKeys is how many distinct keys one related query binds in its IN list. Parent pages
// are at most max_records rows, so one query per relation is the rule; past this many keys
// (far below the bind limits of SQLite, PostgreSQL and MySQL) the keys are split over several
// queries. Then a many_many relation's order holds within each query, not across them.
const maxInKeys = 30000

// relQuery is one requested relation with its per-relation options.
type relQuery struct {
	rel    *dbschema.Relation
	ref    *sqltable.Table
	fields []string         // nil: every column
	order  []sqltable.Order // default: the related table's primary key
	limit  int              // related rows per parent row; 0: no limit
	// perParent: the client asked for a limit, so has_many and many_many read at most limit
	// rows per parent in SQL (sqltable.PerParent); without one, at most max_records rows per
	// parent are kept from a plain read.
	perParent bool
	tieBreak  []string // the related table's primary key: orders ties within a parent
	// where is ANDed into the related table's query: the role's row filters for GET on
	// _table/{ref_table} belong here (reference §5.4), as an internal GET would apply them.
	where []*entsql.Predicate
}

// attachRelated loads the relations named by the request's `related` parameter ("*" or a
// comma list of DreamFactory names, reference §2.5), and those with always_fetch, onto rows of
// table t and returns the keys they added (nil when there are none), which the caller keeps
// when it projects the rows on `fields`. An unknown name is a 400 that lists the table's
// relations. (always_fetch, has_one and flatten: related_extras.go.)
//
// Each relation becomes a key of every row: belongs_to and has_one → the related object or
// null; has_many and many_many → an array, [] when there is none. Related rows are read in one
// SELECT per relation for all rows together — WHERE ref_field IN (the distinct keys) —
// never one per row, and grouped by key here; many_many reads the junction table once
// (junction_field IN the keys) and then the target table once (ref_field IN the linked
// keys). IN lists are padded to a power-of-two length so that the statement cache sees few
// query shapes.
//
// Per-relation options: `<rel>.fields`, `<rel>.order` and `<rel>.limit` (rows per parent row,
// at most max_records, which is also the default), or DreamFactory's underscore form
// `<rel>_fields` and so on. The key columns used for matching are read even when `fields`
// leaves them out; related rows are rendered with only the requested fields. With a limit,
// has_many and many_many read at most that many rows per parent in SQL, numbered per parent
// with ROW_NUMBER() in `order` (ties by the related table's primary key) after the row
// filters, and many_many joins the junction table in that same statement; without one, the
// plain read above runs and at most max_records rows per parent are kept.
//
// DreamFactory fetches related rows through an internal GET of _table/{ref_table}, so the
// related table's RBAC applies: the caller needs GET on component "_table/{ref_table}" of this
// service, else 403. (A many_many junction table is read as part of the relation and needs
// no access of its own.)
func (s *Service) attachRelated(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, t *dbschema.Table, rows []map[string]any) ([]string, error) {
	v, _ := req.Param("related")
	if strings.TrimSpace(v) == "" && !hasAlwaysFetch(t) {
		return nil, nil
	}
	rels, asked, err := requestedRelations(v, t)
	if err != nil {
		return nil, err
	}
	if rels, asked = withAlwaysFetch(t, rels, asked); len(rels) == 0 { // related_extras.go
		return nil, nil
	}
	queries := make([]*relQuery, len(rels))
	for i, rel := range rels {
		if queries[i], err = s.relationOptions(req, c, rel, asked[i]); err != nil {
			return nil, err
		}
	}
	for _, rel := range rels {
		component := "_table/" + rel.RefTable
		if req.Session == nil || !req.Session.Allows(s.name, component, http.MethodGet, req.Requestor) {
			return nil, platform.Forbidden("%s", access.ForbiddenMessage(http.MethodGet, s.name, component))
		}
	}
	readOneRowPerParent(queries) // related_extras.go: has_one
	for _, q := range queries {
		if err := s.loadRelation(ctx, req, c, db, t, q, rows); err != nil {
			return nil, err
		}
	}
	return shapeRelated(rels, queries, rows), nil // related_extras.go: has_one, flatten
}

// requestedRelations resolves a related parameter against t's relations, case-insensitively
// and without duplicates; asked holds each name as the client wrote it.
func requestedRelations(v string, t *dbschema.Table) (rels []*dbschema.Relation, asked []string, err error) {
	seen := map[*dbschema.Relation]bool{}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if name == "*" {
			rels, asked, seen = nil, nil, map[*dbschema.Relation]bool{}
			for _, r := range t.Related {
				rels, asked, seen[r] = append(rels, r), append(asked, r.Name), true
			}
			continue
		}
		r, ok := t.Relation(name)
		if !ok {
			if len(t.Related) == 0 {
				return nil, nil, platform.BadRequest("Invalid relationship '%s' requested. Table '%s' has no relationships.", name, t.Name)
			}
			valid := make([]string, len(t.Related))
			for i, r := range t.Related {
				valid[i] = r.Name
			}
			return nil, nil, platform.BadRequest("Invalid relationship '%s' requested. Send one of: %s", name, strings.Join(valid, ", "))
		}
		if !seen[r] {
			seen[r] = true
			rels, asked = append(rels, r), append(asked, name)
		}
	}
	return rels, asked, nil
}

// relationOptions reads <rel>.fields, <rel>.order and <rel>.limit (or <rel>_fields, …).
func (s *Service) relationOptions(req *platform.Request, c *catalog, rel *dbschema.Relation, asked string) (*relQuery, error) {
	refSchema, ref, err := c.table(rel.RefTable)
	if err != nil {
		return nil, err
	}
	q := &relQuery{rel: rel, ref: ref, limit: s.maxRecords()}
	if rf := s.rowFiltersFor(req, refSchema.Name, http.MethodGet); rf != nil {
		p, err := rf.predicate(ref, s.p.Lookups(context.Background(), req.Session))
		if err != nil {
			return nil, err
		}
		q.where = append(q.where, p)
	}
	opt := func(name string) (string, bool) {
		keys := []string{rel.Name + "." + name, rel.Name + "_" + name}
		if asked != rel.Name {
			keys = append(keys, asked+"."+name, asked+"_"+name)
		}
		v, ok := req.Param(keys...)
		return v, ok && strings.TrimSpace(v) != ""
	}
	if v, ok := opt("fields"); ok {
		if q.fields, err = ref.ParseFields(v, nil); err != nil {
			return nil, err
		}
	}
	if v, ok := opt("order"); ok {
		if q.order, err = ref.ParseOrder(v, nil); err != nil {
			return nil, err
		}
	} else {
		for _, k := range refSchema.PrimaryKey {
			q.order = append(q.order, sqltable.Order{Column: k})
		}
	}
	if v, ok := opt("limit"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, platform.BadRequest("Invalid limit '%s' for relationship '%s': send a whole number.", v, rel.Name)
		}
		if n > 0 && (q.limit == 0 || n < q.limit) {
			q.limit = n
		}
		q.perParent = n > 0 && rel.Type != dbschema.BelongsTo
		if q.perParent {
			q.tieBreak = refSchema.PrimaryKey
		}
	}
	return q, nil
}

// maxRecords is the service's max_records (0 when unknown: no cap).
func (s *Service) maxRecords() int {
	if s.conn == nil {
		return 0
	}
	return s.conn.maxRecords
}

// loadRelation reads one relation for every row and sets it on each.
func (s *Service) loadRelation(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, t *dbschema.Table, q *relQuery, rows []map[string]any) error {
	rel := q.rel
	// Parent rows by key; rows without a key get null or [].
	parents := map[string][]int{}
	var keys []any
	for i, row := range rows {
		if rel.Type == dbschema.BelongsTo {
			row[rel.Name] = nil
		} else {
			row[rel.Name] = []any{}
		}
		v := row[rel.Field]
		if v == nil {
			continue
		}
		k := keyOf(v)
		if _, ok := parents[k]; !ok {
			keys = append(keys, v)
		}
		parents[k] = append(parents[k], i)
	}
	if len(keys) == 0 {
		return nil
	}
	localKind := columnKind(t, rel.Field)

	// children maps a parent key to its related rows, in the relation's order.
	children := map[string][]map[string]any{}
	add := func(k string, r map[string]any) {
		if q.limit > 0 && len(children[k]) >= q.limit {
			return
		}
		children[k] = append(children[k], r)
	}
	// perParent reads the rows with the per-parent limit in SQL, by key column or link table.
	perParent := func(key string, link *sqltable.Link) error {
		related, parentKeys, err := s.selectPerParent(ctx, db, q, key, link, localKind, keys)
		if err != nil {
			return err
		}
		for i, r := range related {
			if parentKeys[i] != nil {
				add(keyOf(parentKeys[i]), r)
			}
		}
		return nil
	}
	switch rel.Type {
	case dbschema.HasMany:
		if q.perParent {
			if err := perParent(rel.RefField, nil); err != nil {
				return err
			}
			break
		}
		fallthrough
	case dbschema.BelongsTo:
		related, err := s.selectIn(ctx, db, q.ref, rel.RefField, localKind, keys, q.where, q.order)
		if err != nil {
			return err
		}
		for _, r := range related {
			if v := r[rel.RefField]; v != nil {
				add(keyOf(v), r)
			}
		}
	case dbschema.ManyMany:
		jSchema, junction, err := c.table(rel.JunctionTable)
		if err != nil {
			return err
		}
		// the junction's rows are read as an internal GET would: its permission and row filters
		if !req.Session.Allows(s.name, "_table/"+jSchema.Name, http.MethodGet, req.Requestor) {
			return platform.Forbidden("%s", access.ForbiddenMessage(http.MethodGet, s.name, "_table/"+jSchema.Name))
		}
		var jWhere []*entsql.Predicate
		if rf := s.rowFiltersFor(req, jSchema.Name, http.MethodGet); rf != nil {
			p, err := rf.predicate(junction, s.p.Lookups(ctx, req.Session))
			if err != nil {
				return err
			}
			jWhere = append(jWhere, p)
		}
		if q.perParent {
			link := &sqltable.Link{Table: junction.Name, Parent: sqlColumn(junction, rel.JunctionField),
				ParentKind: columnKind(jSchema, rel.JunctionField), Child: sqlColumn(junction, rel.JunctionRefField),
				Ref: sqlColumn(q.ref, rel.RefField), Where: jWhere}
			if err := perParent("", link); err != nil {
				return err
			}
			break
		}
		links, err := s.selectIn(ctx, db, junction, rel.JunctionField, localKind, keys, jWhere, nil)
		if err != nil {
			return err
		}
		// linked maps a target key to the parent keys that link to it (each once).
		linked := map[string][]string{}
		seen := map[[2]string]bool{}
		var targets []any
		for _, l := range links {
			pv, tv := l[rel.JunctionField], l[rel.JunctionRefField]
			if pv == nil || tv == nil {
				continue
			}
			pk, tk := keyOf(pv), keyOf(tv)
			if seen[[2]string{pk, tk}] {
				continue
			}
			seen[[2]string{pk, tk}] = true
			if _, ok := linked[tk]; !ok {
				targets = append(targets, tv)
			}
			linked[tk] = append(linked[tk], pk)
		}
		if len(targets) == 0 {
			break
		}
		related, err := s.selectIn(ctx, db, q.ref, rel.RefField, columnKind(jSchema, rel.JunctionRefField), targets, q.where, q.order)
		if err != nil {
			return err
		}
		for _, r := range related {
			if v := r[rel.RefField]; v != nil {
				for _, pk := range linked[keyOf(v)] {
					add(pk, r)
				}
			}
		}
	default:
		return fmt.Errorf("sqldb: relation %s has unknown type %q", rel.Name, rel.Type)
	}

	for k, idx := range parents {
		list := children[k]
		for _, i := range idx {
			if rel.Type == dbschema.BelongsTo {
				if len(list) > 0 {
					rows[i][rel.Name] = render(list[0], q.fields)
				}
				continue
			}
			out := make([]any, len(list))
			for j, r := range list {
				out[j] = render(r, q.fields)
			}
			rows[i][rel.Name] = out
		}
	}
	return nil
}

// selectIn reads the rows of tbl whose column col is one of keys (JSON-ready values of a
// column of kind keyKind) and that match where, in order: one SELECT per maxInKeys keys.
func (s *Service) selectIn(ctx context.Context, db sqltable.DB, tbl *sqltable.Table, col, keyKind string, keys []any, where []*entsql.Predicate, order []sqltable.Order) ([]map[string]any, error) {
	sqlCol := col
	if cc, ok := tbl.Column(col); ok {
		sqlCol = cc.Column
	}
	var out []map[string]any
	for start := 0; start < len(keys); start += maxInKeys {
		chunk := keys[start:min(start+maxInKeys, len(keys))]
		args := make([]any, padded(len(chunk)))
		for i := range args {
			args[i] = bindKey(keyKind, chunk[min(i, len(chunk)-1)])
		}
		q := sqltable.Query{Where: append([]*entsql.Predicate{entsql.In(sqltable.Quote(s.conn.dialect, sqlCol), args...)}, where...), Order: order}
		rows, err := tbl.Select(ctx, db, s.conn.dialect, q)
		if err != nil {
			return nil, s.dbError(err)
		}
		if out == nil {
			out = rows
		} else {
			out = append(out, rows...)
		}
	}
	return out, nil
}

// selectPerParent reads at most q.limit related rows per parent key in keys (JSON-ready
// values of a column of kind keyKind), in q's order, one statement per maxInKeys keys
// (sqltable.PerParent). Without link, col is the related table's column holding the parent
// key; with link (many_many), the rows come through the link table, whose column link.Parent
// holds the parent key. It returns the rows with the parent key of each.
func (s *Service) selectPerParent(ctx context.Context, db sqltable.DB, q *relQuery, col string, link *sqltable.Link, keyKind string, keys []any) ([]map[string]any, []any, error) {
	var rows []map[string]any
	var parents []any
	for start := 0; start < len(keys); start += maxInKeys {
		chunk := keys[start:min(start+maxInKeys, len(keys))]
		args := make([]any, padded(len(chunk)))
		for i := range args {
			args[i] = bindKey(keyKind, chunk[min(i, len(chunk)-1)])
		}
		pp := sqltable.PerParent{Where: q.where, Order: q.order, TieBreak: q.tieBreak, Limit: q.limit}
		if link == nil { // the parent keys are in the related table's column col
			pp.Key = sqlColumn(q.ref, col)
			pp.Where = append([]*entsql.Predicate{entsql.In(sqltable.Quote(s.conn.dialect, pp.Key), args...)}, q.where...)
		} else { // … or in the link table's column link.Parent
			l := *link
			l.Where = append([]*entsql.Predicate{entsql.In(sqltable.Quote(s.conn.dialect, link.Parent), args...)}, link.Where...)
			pp.Link = &l
		}
		r, p, err := q.ref.SelectPerParent(ctx, db, s.conn.dialect, pp)
		if err != nil {
			return nil, nil, s.dbError(err)
		}
		rows, parents = append(rows, r...), append(parents, p...)
	}
	return rows, parents, nil
}

// sqlColumn is the SQL name of tbl's column name (name itself when unknown).
func sqlColumn(tbl *sqltable.Table, name string) string {
	if c, ok := tbl.Column(name); ok {
		return c.Column
	}
	return name
}

// padded rounds n up to a power of two, so that IN lists come in few lengths (the extra
// places repeat the last key).
func padded(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// bindKey turns a JSON-ready key back into a value to bind: binary keys are base64 in rows.
func bindKey(kind string, v any) any {
	if s, ok := v.(string); ok && kind == "bytes" {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b
		}
	}
	return v
}

// keyOf is the matching key of a JSON-ready value. Both sides of a foreign key normalize alike
// (integers to int64, text to strings); comparing printed values also matches an int64 with
// a driver's uint64 (MySQL unsigned columns).
func keyOf(v any) string {
	return fmt.Sprint(v)
}

// columnKind is the value kind of t's column name ("" when unknown).
func columnKind(t *dbschema.Table, name string) string {
	if c, ok := t.Column(name); ok {
		return string(c.Kind)
	}
	return ""
}

// render copies a related row with only the requested fields (all when fields is nil), so that
// rows shared by several parents are distinct maps.
func render(r map[string]any, fields []string) map[string]any {
	if fields == nil {
		return maps.Clone(r)
	}
	return sqltable.Project(r, fields)
}
