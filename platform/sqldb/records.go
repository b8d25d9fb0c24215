package sqldb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
)

// idColumns returns the identifying columns: id_field (comma list) when given, else the
// primary key. A table without either can not be addressed by id.
func idColumns(req *platform.Request, t *dbschema.Table) ([]*dbschema.Column, error) {
	names := t.PrimaryKey
	if v, ok := req.Param("id_field"); ok && strings.TrimSpace(v) != "" {
		names = strings.Split(v, ",")
	}
	if len(names) == 0 {
		return nil, &platform.Error{Status: 500, Code: 500, Message: "Identifying field(s) could not be determined."}
	}
	cols := make([]*dbschema.Column, len(names))
	for i, n := range names {
		c, ok := t.Column(strings.TrimSpace(n))
		if !ok {
			return nil, platform.BadRequest("Invalid id_field '%s': no such field in table '%s'.", n, t.Name)
		}
		cols[i] = c
	}
	return cols, nil
}

// idValue converts an identifier from the path or ids= to its column's type.
func idValue(c *dbschema.Column, v string) (any, error) {
	v = strings.TrimSpace(v)
	switch c.Kind {
	case dbschema.Kind("int"):
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, err
		}
		return n, nil
	case dbschema.Kind("float"), dbschema.Kind("decimal"):
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	return v, nil
}

// idPredicate matches one record by its identifier (a composite id is "(v1,v2)" or "v1,v2").
func idPredicate(d string, cols []*dbschema.Column, raw string) (*entsql.Predicate, error) {
	keys, vals, err := idValues(cols, raw)
	if err != nil {
		return nil, err
	}
	preds := make([]*entsql.Predicate, len(cols))
	for i, k := range keys {
		preds[i] = entsql.EQ(sqltable.Quote(d, k), vals[i])
	}
	return entsql.And(preds...), nil
}

// idValues reads an identifier as the key columns' names and typed values.
func idValues(cols []*dbschema.Column, raw string) ([]string, []any, error) {
	parts := []string{raw}
	if len(cols) > 1 {
		parts = strings.Split(strings.Trim(raw, "()"), ",")
		if len(parts) != len(cols) {
			return nil, nil, platform.BadRequest("Identifier '%s' must have %d values.", raw, len(cols))
		}
	}
	keys := make([]string, len(cols))
	vals := make([]any, len(cols))
	for i, c := range cols {
		v, err := idValue(c, parts[i])
		if err != nil {
			return nil, nil, err
		}
		keys[i], vals[i] = c.Name, v
	}
	return keys, vals, nil
}

// getRecords is GET /{db}/_table/{table}: fields, filter, limit, offset, order, ids,
// include_count, count_only, as_list (reference §2.2); or, with req.PerParent, a per-parent
// read (getPerParent).
func (s *Service) getRecords(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, name string) (*platform.Response, error) {
	t, tbl, err := c.table(name)
	if err != nil {
		return nil, err
	}
	r, err := tbl.ParseRead(req, s.conn.maxRecords, nil, s.p.ClientLookups(ctx, req.Session))
	if err != nil {
		return nil, err
	}
	if err := s.scopeRead(ctx, req, t, tbl, &r.Query); err != nil {
		return nil, err
	}
	if req.PerParent != nil {
		if len(r.Order) == 0 {
			r.Order = primaryKeyOrder(t)
		}
		return s.getPerParent(ctx, req, c, db, t, tbl, r)
	}
	if g, ok := req.Param("group", "group_by"); req.Aggregate || ok && strings.TrimSpace(g) != "" {
		return s.getGroups(ctx, req, db, tbl, r, g)
	}
	var ids []string
	if v, ok := req.Param("ids"); ok && strings.TrimSpace(v) != "" {
		cols, err := idColumns(req, t)
		if err != nil {
			return nil, err
		}
		var any []*entsql.Predicate
		seen := map[string]bool{}
		list, err := splitIDs(v, len(cols))
		if err != nil {
			return nil, err
		}
		for _, raw := range list {
			if seen[raw] { // the same id twice is one record
				continue
			}
			seen[raw] = true
			p, err := idPredicate(s.conn.dialect, cols, raw)
			if err != nil {
				return nil, platform.BadRequest("Invalid identifier '%s' in ids.", raw)
			}
			ids = append(ids, raw)
			any = append(any, p)
		}
		r.Where = append(r.Where, entsql.Or(any...))
	}
	if len(r.Order) == 0 {
		r.Order = primaryKeyOrder(t)
	}
	if req.BoolParam("count_only") {
		n, err := tbl.Count(ctx, db, s.conn.dialect, r.Query)
		if err != nil {
			return nil, s.dbError(err)
		}
		return platform.OK(n), nil
	}
	// Without a valid limit DreamFactory pages automatically: one row more than max_records is
	// read to learn whether more exist, and only then (or past an offset) are they counted.
	paging := !r.LimitGiven && ids == nil
	q := r.Query
	if paging {
		q.Limit++
	}
	rows, err := tbl.Select(ctx, db, s.conn.dialect, q)
	if err != nil {
		return nil, s.dbError(err)
	}
	count := -1
	if paging {
		more := len(rows) > r.Limit
		if more {
			rows = rows[:r.Limit]
		}
		if more || r.Offset > 0 {
			if count, err = tbl.Count(ctx, db, s.conn.dialect, r.Query); err != nil {
				return nil, s.dbError(err)
			}
		} else {
			count = len(rows)
		}
	}
	if ids != nil && len(rows) < len(ids) {
		return nil, &platform.Error{Status: 400, Code: 1000, Message: "Batch Error: Not all requested records could be retrieved.",
			Context: map[string]any{"error": missing(ids, len(rows)), "resource": rows}}
	}
	rel, err := s.attachRelated(ctx, req, c, t, rows)
	if err != nil {
		return nil, err
	}
	list := make([]any, len(rows))
	for i, row := range rows {
		if req.BoolParam("as_list") {
			list[i] = listID(t, row)
			continue
		}
		list[i] = sqltable.Project(row, r.Fields, rel...)
	}
	body := platform.Wrap(list)
	if req.BoolParam("include_count") || count > r.Limit {
		if count < 0 {
			if count, err = tbl.Count(ctx, db, s.conn.dialect, r.Query); err != nil {
				return nil, s.dbError(err)
			}
		}
		meta(body)["count"] = count
	}
	if paging && count-r.Offset > r.Limit {
		meta(body)["next"] = r.Offset + r.Limit
	}
	if req.BoolParam("include_schema") {
		meta(body)["schema"] = describe(t, c.schema)
	}
	return platform.OK(body), nil
}

// primaryKeyOrder is the default order of a read: t's primary key.
func primaryKeyOrder(t *dbschema.Table) []sqltable.Order {
	var out []sqltable.Order
	for _, k := range t.PrimaryKey {
		out = append(out, sqltable.Order{Column: k})
	}
	return out
}

// meta returns the body's meta object, creating it.
func meta(body map[string]any) map[string]any {
	m, ok := body["meta"].(map[string]any)
	if !ok {
		m = map[string]any{}
		body["meta"] = m
	}
	return m
}

// getRecord is GET /{db}/_table/{table}/{id}: the bare record, or 404.
func (s *Service) getRecord(ctx context.Context, req *platform.Request, c *catalog, db sqltable.DB, name, id string) (*platform.Response, error) {
	t, tbl, err := c.table(name)
	if err != nil {
		return nil, err
	}
	cols, err := idColumns(req, t)
	if err != nil {
		return nil, err
	}
	r, err := tbl.ParseRead(req, 1, nil, s.p.ClientLookups(ctx, req.Session))
	if err != nil {
		return nil, err
	}
	if err := s.scopeRead(ctx, req, t, tbl, &r.Query); err != nil {
		return nil, err
	}
	var rows []map[string]any
	if len(r.Where) == 0 { // no filter, no row filters: the prepared read by key
		keys, vals, kerr := idValues(cols, id)
		if kerr != nil {
			return nil, platform.NotFound("Record with identifier '%s' not found.", id)
		}
		rows, err = tbl.SelectByKey(ctx, db, s.conn.dialect, keys, vals)
	} else {
		p, perr := idPredicate(s.conn.dialect, cols, id)
		if perr != nil {
			return nil, platform.NotFound("Record with identifier '%s' not found.", id)
		}
		rows, err = tbl.Select(ctx, db, s.conn.dialect, sqltable.Query{Where: append(r.Where, p), Limit: 1})
	}
	if err != nil && outOfRange(err) { // an id too large for the key's type names no record
		return nil, platform.NotFound("Record with identifier '%s' not found.", id)
	}
	if err != nil {
		return nil, s.dbError(err)
	}
	if len(rows) == 0 {
		return nil, platform.NotFound("Record with identifier '%s' not found.", id)
	}
	rel, err := s.attachRelated(ctx, req, c, t, rows)
	if err != nil {
		return nil, err
	}
	return &platform.Response{Status: http.StatusOK, Content: sqltable.Project(rows[0], r.Fields, rel...)}, nil
}

// splitIDs splits an ids value; composite ids come as "(a,b),(c,d)". The list is bounded, as
// each key value is a bound parameter: platform.MaxListKeys ids, platform.MaxBoundKeys values.
func splitIDs(v string, keyColumns int) ([]string, error) {
	var out []string
	if keyColumns <= 1 {
		out = strings.Split(v, ",")
		for i := range out {
			out[i] = strings.TrimSpace(out[i])
		}
	} else {
		for _, part := range strings.Split(v, "),") {
			out = append(out, strings.Trim(strings.TrimSpace(part), "()"))
		}
	}
	if limit := min(platform.MaxListKeys, platform.MaxBoundKeys/max(keyColumns, 1)); len(out) > limit {
		return nil, platform.BadRequest("The ids parameter lists %d identifiers; at most %d are accepted per request.", len(out), limit)
	}
	return out, nil
}

func missing(ids []string, found int) []int {
	var out []int
	for i := found; i < len(ids); i++ {
		out = append(out, i)
	}
	return out
}

// listID is a row's identifier for as_list: the value, or "(v1,v2)" for a composite key.
func listID(t *dbschema.Table, row map[string]any) any {
	if len(t.PrimaryKey) == 1 {
		return row[t.PrimaryKey[0]]
	}
	parts := make([]string, len(t.PrimaryKey))
	for i, k := range t.PrimaryKey {
		parts[i] = fmt.Sprint(row[k])
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// getGroups is a grouped read: group=a,b with fields naming group fields and aggregates
// (SUM|COUNT|AVG|MIN|MAX(field), COUNT(*)). With req.Aggregate and no group, the aggregates
// are computed over all matching rows as one group (one row).
func (s *Service) getGroups(ctx context.Context, req *platform.Request, db sqltable.DB, tbl *sqltable.Table, r *sqltable.Read, group string) (*platform.Response, error) {
	f, _ := req.Param("fields", "select")
	groupBy, cols, aggs, err := tbl.ParseGroup(group, f, nil)
	if err != nil {
		return nil, err
	}
	rows, err := tbl.SelectGrouped(ctx, db, s.conn.dialect, r.Query, groupBy, cols, aggs)
	if err != nil {
		return nil, s.dbError(err)
	}
	list := make([]any, len(rows))
	for i, row := range rows {
		list[i] = row
	}
	return platform.OK(platform.Wrap(list)), nil
}
