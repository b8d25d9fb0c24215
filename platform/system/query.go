package system

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/sqltable"
)

// query is a parsed collection read (reference §3.2).
type query struct {
	fields  []string // requested fields; nil means every visible field
	where   []*sql.Predicate
	order   []sqltable.Order
	limit   int
	offset  int
	related []relatedReq
}

type relatedReq struct {
	rel    *relation
	fields []string
	order  []sqltable.Order
	limit  int
}

// parseQuery reads fields, filter, limit, offset, order and related (with their aliases).
func (s *System) parseQuery(ctx context.Context, sp *spec, req *platform.Request) (*query, error) {
	r, err := sp.table.ParseRead(req, s.p.Config.MaxRecords, sp.orderable, s.p.ClientLookups(ctx, req.Session))
	if err != nil {
		return nil, err
	}
	q := &query{fields: r.Fields, where: r.Where, order: r.Order, limit: r.Limit, offset: r.Offset}
	if v, ok := req.Param("related"); ok && strings.TrimSpace(v) != "" {
		if q.related, err = s.parseRelated(sp, req, v); err != nil {
			return nil, err
		}
	}
	if p := sp.scope.predicate(); p != nil {
		q.where = append(q.where, p)
	}
	return q, nil
}

func (s *System) parseRelated(sp *spec, req *platform.Request, v string) ([]relatedReq, error) {
	names := strings.Split(v, ",")
	if strings.TrimSpace(v) == "*" {
		names = sp.relationNames()
	}
	var out []relatedReq
	for _, n := range names {
		n = lower(n)
		if n == "" {
			continue
		}
		rel, ok := sp.relations[n]
		if !ok {
			return nil, platform.BadRequest("Invalid relationship '%s' requested. Send one of: %s.", n, strings.Join(sortedNames(sp.relationNames()), ", "))
		}
		if err := s.allowRelated(req, rel, http.MethodGet); err != nil {
			return nil, err
		}
		rr := relatedReq{rel: rel}
		var err error
		if f, ok := req.Param(n+".fields", n+"_fields"); ok {
			if rr.fields, err = rel.target.table.ParseFields(f, nil); err != nil {
				return nil, err
			}
		}
		if o, ok := req.Param(n+".order", n+"_order"); ok && o != "" {
			if rr.order, err = rel.target.table.ParseOrder(o, rel.target.orderable); err != nil {
				return nil, err
			}
		}
		if l, ok := req.Param(n+".limit", n+"_limit"); ok && l != "" {
			if rr.limit, err = strconv.Atoi(l); err != nil || rr.limit < 0 {
				return nil, platform.BadRequest("Invalid %s.limit '%s': send a whole number.", n, l)
			}
		}
		out = append(out, rr)
	}
	return out, nil
}

// selectRows reads the rows of sp matching where, ordered (by id by default) and paged.
func (s *System) selectRows(ctx context.Context, sp *spec, where []*sql.Predicate, order []sqltable.Order, limit, offset int) ([]map[string]any, error) {
	return s.selectFrom(ctx, s.p.DB, sp, where, order, limit, offset)
}

// selectFrom is selectRows on db (a write's transaction reads through it).
func (s *System) selectFrom(ctx context.Context, db sqltable.DB, sp *spec, where []*sql.Predicate, order []sqltable.Order, limit, offset int) ([]map[string]any, error) {
	if len(order) == 0 {
		order = []sqltable.Order{{Column: sp.res.IDColumn}}
	}
	rows, err := sp.table.Select(ctx, db, s.p.Dialect, sqltable.Query{Where: where, Order: order, Limit: limit, Offset: offset})
	if err != nil {
		return nil, platform.Internal(err)
	}
	return rows, nil
}

// rowByID reads one row of sp by id within its scope; the SQL text is built once per resource.
func (s *System) rowByID(ctx context.Context, sp *spec, id int) (map[string]any, error) {
	sp.byIDOnce.Do(func() {
		where := []*sql.Predicate{sql.EQ(sp.res.IDColumn, 0)}
		if p := sp.scope.predicate(); p != nil {
			where = append(where, p)
		}
		sp.byIDText, sp.byIDArgs = sp.table.SelectSQL(s.p.Dialect, sqltable.Query{Where: where, Limit: 1})
	})
	args := append([]any{id}, sp.byIDArgs[1:]...)
	rows, err := sp.table.Scan(ctx, s.p.DB, sp.byIDText, args)
	if err != nil {
		return nil, platform.Internal(err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

// count returns the number of rows matching where.
func (s *System) count(ctx context.Context, sp *spec, where []*sql.Predicate) (int, error) {
	n, err := sp.table.Count(ctx, s.p.DB, s.p.Dialect, sqltable.Query{Where: where})
	if err != nil {
		return 0, platform.Internal(err)
	}
	return n, nil
}

// attach loads the requested relations of rows: one query per relation, never one per row.
func (s *System) attach(ctx context.Context, sp *spec, rows []map[string]any, reqs []relatedReq) error {
	for _, rr := range reqs {
		rel, t := rr.rel, rr.rel.target
		if rel.belongs {
			keys := distinct(rows, fieldOfColumn(sp, rel.column))
			byID := map[int64]map[string]any{}
			if len(keys) > 0 {
				found, err := s.selectRows(ctx, t, scoped(t, sql.In(t.res.IDColumn, keys...)), nil, 0, 0)
				if err != nil {
					return err
				}
				for _, r := range found {
					byID[asInt(r["id"])] = s.output(t, r, rr.fields)
				}
			}
			for _, r := range rows {
				if v, ok := byID[asInt(r[fieldOfColumn(sp, rel.column)])]; ok && r[fieldOfColumn(sp, rel.column)] != nil {
					r[rel.name] = v
				} else {
					r[rel.name] = nil
				}
			}
			continue
		}
		keys := distinct(rows, "id")
		groups := map[int64][]any{}
		if len(keys) > 0 {
			found, err := s.selectRows(ctx, t, scoped(t, sql.In(rel.column, keys...)), rr.order, 0, 0)
			if err != nil {
				return err
			}
			fk := fieldOfColumn(t, rel.column)
			for _, r := range found {
				k := asInt(r[fk])
				if rr.limit > 0 && len(groups[k]) >= rr.limit {
					continue
				}
				groups[k] = append(groups[k], s.output(t, r, rr.fields))
			}
		}
		for _, r := range rows {
			list := groups[asInt(r["id"])]
			if list == nil {
				list = []any{}
			}
			r[rel.name] = list
		}
	}
	return nil
}

// scoped adds the resource's scope to a predicate.
func scoped(sp *spec, p *sql.Predicate) []*sql.Predicate {
	if sc := sp.scope.predicate(); sc != nil {
		return []*sql.Predicate{p, sc}
	}
	return []*sql.Predicate{p}
}

// allowRelated checks that the caller may use method on a relation's target: a target that is a
// system resource of its own (app, user, lookup, …) needs the caller's permission on it, as a
// direct request would; rows that belong to the parent (a role's access rows, user-app-role
// mappings) go with the parent's permission.
func (s *System) allowRelated(req *platform.Request, rel *relation, method string) error {
	t := rel.target
	if !t.public {
		return nil
	}
	if !req.Session.Allows("system", t.name, method, req.Requestor) {
		return platform.Forbidden("%s", access.ForbiddenMessage(method, "system", t.name))
	}
	return nil
}

// output renders one row for clients: the resource's render rule, then the requested fields
// (every visible field when fields is nil) plus any attached relations.
func (s *System) output(sp *spec, row map[string]any, fields []string) map[string]any {
	if sp.render != nil {
		sp.render(row)
	}
	return sqltable.Project(row, fields, sp.relationNames()...)
}

func fieldOfColumn(sp *spec, column string) string {
	for _, f := range sp.visible {
		if f.Column == column {
			return f.Name
		}
	}
	return column
}

func distinct(rows []map[string]any, field string) []any {
	seen := map[int64]bool{}
	var out []any
	for _, r := range rows {
		if r[field] == nil {
			continue
		}
		k := asInt(r[field])
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}
