package sqldb

import (
	"context"
	"encoding/base64"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"slices"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
)

// getPerParent answers a per-parent read of table t (platform.PerParent): r holds the
// request's fields, filter and order and the role's row filters. Without Limit or Offset the
// rows are one plain SELECT … WHERE key IN (Keys); with them, sqltable.PerParent numbers them
// per parent, ties broken by t's primary key. With a Link and neither, the link table is read
// first (link.Parent IN Keys), then the rows (Ref IN the linked values). IN lists are padded
// to a power-of-two length so that the statement cache sees few query shapes.
//
// One statement binds at most platform.MaxBoundKeys keys in its IN list, padding included.
// Parent pages are at most max_records rows, but the rows they link to may be many more; past
// that many keys they are split over several statements. Then the order of a read without a
// per-parent limit holds within each statement, not across them.
//
// A Key or Link naming no column of the schema is the caller's bug: a 500.
func (s *Service) getPerParent(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, t *dbschema.Table, tbl *sqltable.Table, r *sqltable.Read) (*platform.Response, error) {
	pp := req.PerParent
	windowed := pp.Limit > 0 || pp.Offset > 0
	window := sqltable.PerParent{Where: r.Where, Order: r.Order, Limit: pp.Limit, Offset: pp.Offset}
	if windowed {
		window.TieBreak = t.PrimaryKey
	}
	var rows []map[string]any
	var parents []any // with a Link: the parent key of each row
	var err error
	if pp.Link == nil {
		key, ok := tbl.Column(pp.Key)
		if !ok {
			return nil, platform.Internal(fmt.Errorf("sqldb: per-parent key %q is not a column of %s", pp.Key, t.Name))
		}
		cast := s.castKeys(key.Kind, pp.ByNumber)
		if windowed {
			window.Key = key.Column
			rows, _, err = s.selectPerParent(ctx, db, tbl, window, key.Kind, cast, pp.Keys)
		} else {
			rows, err = s.selectIn(ctx, db, tbl, key.Column, key.Kind, cast, pp.Keys, r.Where, r.Order, pp.Most)
		}
		if err != nil {
			return nil, err
		}
		return platform.OK(platform.Wrap(project(rows, r.Fields, key.Name))), nil
	}
	if _, clash := tbl.Column(pp.Key); clash {
		return nil, platform.Internal(fmt.Errorf("sqldb: per-parent key %q is a column of %s", pp.Key, t.Name))
	}
	if rows, parents, err = s.selectLinked(ctx, req, c, db, tbl, pp, window, windowed); err != nil {
		return nil, err
	}
	list := project(rows, r.Fields)
	for i, row := range list {
		row.(map[string]any)[pp.Key] = parents[i]
	}
	return platform.OK(platform.Wrap(list)), nil
}

// selectLinked reads the rows of tbl linked to the parents in pp.Keys through pp.Link, each
// once per linking parent, with that parent's key: in window's order per parent when
// windowed (one statement), else in window's order (the link table, then the rows).
func (s *Service) selectLinked(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, tbl *sqltable.Table, pp *platform.PerParent, window sqltable.PerParent, windowed bool) ([]map[string]any, []any, error) {
	l := pp.Link
	jSchema, junction, err := c.table(l.Table)
	if err != nil {
		return nil, nil, platform.Internal(err)
	}
	parentCol, ok1 := junction.Column(l.Parent)
	childCol, ok2 := junction.Column(l.Child)
	refCol, ok3 := tbl.Column(l.Ref)
	if !ok1 || !ok2 || !ok3 {
		return nil, nil, platform.Internal(fmt.Errorf("sqldb: per-parent link %+v names unknown columns", *l))
	}
	// the link table is read as an internal GET of it would be: its permission and row filters
	component := "_table/" + jSchema.Name
	if err := s.allowCall(req, http.MethodGet, component, access.Component(component)); err != nil {
		return nil, nil, err
	}
	var scoped sqltable.Query // the link table's row filters, in its Where
	if err := s.scopeRead(ctx, req, jSchema, junction, &scoped); err != nil {
		return nil, nil, err
	}
	jWhere := scoped.Where
	if windowed {
		window.Link = &sqltable.Link{Table: junction.Name, Parent: parentCol.Column, ParentKind: parentCol.Kind,
			Child: childCol.Column, Ref: refCol.Column, Where: jWhere}
		return s.selectPerParent(ctx, db, tbl, window, parentCol.Kind, s.castKeys(parentCol.Kind, pp.ByNumber), pp.Keys)
	}
	links, err := s.selectIn(ctx, db, junction, parentCol.Column, parentCol.Kind, s.castKeys(parentCol.Kind, pp.ByNumber), pp.Keys, jWhere, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	// linked maps a target key to the parent keys that link to it (each once).
	parentKey, targetKey := matchKey(parentCol.Kind), matchKey(childCol.Kind, refCol.Kind)
	if pp.ByNumber { // '1.5' and '1.50' in a text column are one decimal parent
		parentKey = matchKey(parentCol.Kind, string(dbschema.KindDecimal))
	}
	linked := map[string][]any{}
	seen := map[[2]string]bool{}
	var targets []any
	for _, link := range links {
		pv, tv := link[parentCol.Name], link[childCol.Name]
		if pv == nil || tv == nil {
			continue
		}
		pk, tk := parentKey(pv), targetKey(tv)
		if seen[[2]string{pk, tk}] {
			continue
		}
		seen[[2]string{pk, tk}] = true
		if _, ok := linked[tk]; !ok {
			targets = append(targets, tv)
		}
		linked[tk] = append(linked[tk], pv)
	}
	if len(targets) == 0 {
		return nil, nil, nil
	}
	cast := s.castKeys(refCol.Kind, dbschema.Kind(childCol.Kind).Fractional())
	found, err := s.selectIn(ctx, db, tbl, refCol.Column, childCol.Kind, cast, targets, window.Where, window.Order, 0)
	if err != nil {
		return nil, nil, err
	}
	var rows []map[string]any
	var parents []any
	for _, row := range found {
		v := row[refCol.Name]
		if v == nil {
			continue
		}
		for i, pv := range linked[targetKey(v)] {
			if i > 0 {
				row = maps.Clone(row)
			}
			rows, parents = append(rows, row), append(parents, pv)
		}
	}
	return rows, parents, nil
}

// project renders rows with only the requested fields (all when fields is nil) plus extra.
func project(rows []map[string]any, fields []string, extra ...string) []any {
	list := make([]any, len(rows))
	for i, row := range rows {
		list[i] = sqltable.Project(row, fields, extra...)
	}
	return list
}

// selectIn reads the rows of tbl whose SQL column col is one of keys (JSON-ready values of a
// column of kind keyKind; compared as numbers with cast, see castKeys) and that match where, in
// order: one SELECT per platform.MaxBoundKeys keys, each of at most most+1 rows when most > 0
// (platform.PerParent.Most).
func (s *Service) selectIn(ctx context.Context, db sqltable.DB, tbl *sqltable.Table, col, keyKind string, cast bool, keys []any, where []*entsql.Predicate, order []sqltable.Order, most int) ([]map[string]any, error) {
	var out []map[string]any
	for chunk := range boundChunks(keys) {
		q := sqltable.Query{Where: append([]*entsql.Predicate{s.inKeys(col, keyKind, cast, chunk)}, where...), Order: order}
		if most > 0 {
			q.Limit = most + 1
		}
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

// selectPerParent runs q for the parents in keys (JSON-ready values of a column of kind
// keyKind; compared as numbers with cast, see castKeys), one statement per
// platform.MaxBoundKeys keys: q.Key, or q.Link's Parent, is matched against them. It returns
// the rows and, with a Link, the parent key of each (sqltable.SelectPerParent).
func (s *Service) selectPerParent(ctx context.Context, db sqltable.DB, tbl *sqltable.Table, q sqltable.PerParent, keyKind string, cast bool, keys []any) ([]map[string]any, []any, error) {
	var rows []map[string]any
	var parents []any
	q.CastKey = cast
	for chunk := range boundChunks(keys) {
		pp := q
		if q.Link == nil { // the parent keys are in the read table's column Key
			pp.Where = append([]*entsql.Predicate{s.inKeys(q.Key, keyKind, cast, chunk)}, q.Where...)
		} else { // … or in the link table's column Link.Parent
			l := *q.Link
			l.Where = append([]*entsql.Predicate{s.inKeys(l.Parent, keyKind, cast, chunk)}, q.Link.Where...)
			pp.Link = &l
		}
		r, p, err := tbl.SelectPerParent(ctx, db, s.conn.dialect, pp)
		if err != nil {
			return nil, nil, s.dbError(err)
		}
		rows, parents = append(rows, r...), append(parents, p...)
	}
	return rows, parents, nil
}

// boundChunks splits keys into runs of platform.MaxBoundKeys keys at most (the last one
// shorter), one per statement; none when keys is empty.
func boundChunks(keys []any) iter.Seq[[]any] {
	return slices.Chunk(keys, platform.MaxBoundKeys)
}

// inKeys is "col IN (keys…)" with every key bound, the list padded (see padded) up to
// platform.MaxBoundKeys values at most: past 16384 keys the next power of two (32768) is more
// than SQLite binds in one statement (32766). With cast, col is compared as a number
// (castKeys).
func (s *Service) inKeys(col, keyKind string, cast bool, keys []any) *entsql.Predicate {
	args := make([]any, max(len(keys), min(padded(len(keys)), platform.MaxBoundKeys)))
	for i := range args {
		args[i] = bindKey(keyKind, keys[min(i, len(keys)-1)])
	}
	expr := sqltable.Quote(s.conn.dialect, col)
	if cast {
		expr = sqltable.AsNumber(expr)
	}
	return entsql.In(expr, args...)
}

// castKeys reports whether a key column of kind colKind is compared as a number with keys
// from a decimal or float field (fractional): on SQLite, when the column is not a number
// column. SQLite gives a bound 1.5 a text column's affinity and compares '1.5' with the
// stored '1.50', which a foreign key pairs with 1.5 (it checks keys in the referenced
// column's affinity); CAST compares 1.50 with 1.5, as SQLite's own joins do. Only then: the
// cast keeps the column's index out of the lookup. The other databases refuse keys that pair
// text with numbers.
func (s *Service) castKeys(colKind string, fractional bool) bool {
	return fractional && s.conn.dialect == dialect.SQLite && !dbschema.Kind(colKind).Numeric()
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

// matchKey returns how values of columns of the given kinds are matched (platform.MatchKey):
// by number when a decimal or float column is on either side.
func matchKey(kinds ...string) func(any) string {
	fraction := false
	for _, k := range kinds {
		fraction = fraction || dbschema.Kind(k).Fractional()
	}
	return func(v any) string {
		k, _ := platform.MatchKey(v, fraction)
		return k
	}
}
