package system

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/filter"
)

// query is a parsed collection read (reference §3.2).
type query struct {
	fields  []string // requested fields; nil means every visible field
	where   []*sql.Predicate
	order   []orderTerm
	limit   int
	offset  int
	related []relatedReq
}

type orderTerm struct {
	column string
	desc   bool
	nulls  string // "", "first", "last"
}

type relatedReq struct {
	rel    *relation
	fields []string
	order  []orderTerm
	limit  int
}

// parseQuery reads fields, filter, limit, offset, order and related (with their aliases).
func (s *System) parseQuery(ctx context.Context, sp *spec, req *platform.Request) (*query, error) {
	q := &query{limit: s.p.Config.MaxRecords}
	var err error
	if v, ok := req.Param("fields", "select"); ok {
		if q.fields, err = parseFields(sp, v); err != nil {
			return nil, err
		}
	}
	if v, ok := req.Param("filter", "where"); ok && strings.TrimSpace(v) != "" {
		p, err := s.filterPredicate(ctx, sp, req, v)
		if err != nil {
			return nil, err
		}
		q.where = append(q.where, p)
	}
	if v, ok := req.Param("limit", "top"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, platform.BadRequest("Invalid limit '%s': send a whole number.", v)
		}
		if n > 0 && n < q.limit {
			q.limit = n
		}
	}
	if v, ok := req.Param("offset", "skip"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, platform.BadRequest("Invalid offset '%s': send a whole number of zero or more.", v)
		}
		q.offset = n
	}
	if v, ok := req.Param("order", "sort", "order_by"); ok && strings.TrimSpace(v) != "" {
		if q.order, err = parseOrder(sp, v); err != nil {
			return nil, err
		}
	}
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

func parseFields(sp *spec, v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "*" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = lower(f)
		if f == "" {
			continue
		}
		if !sp.isVisible(f) {
			return nil, platform.BadRequest("Invalid field requested: %s", f)
		}
		out = append(out, f)
	}
	return out, nil
}

func parseOrder(sp *spec, v string) ([]orderTerm, error) {
	if strings.Contains(v, ";") {
		return nil, platform.BadRequest("Invalid order by clause: ';' is not allowed.")
	}
	var out []orderTerm
	for _, part := range strings.Split(v, ",") {
		words := strings.Fields(lower(part))
		if len(words) == 0 {
			continue
		}
		if !sp.isVisible(words[0]) || sp.secret[words[0]] {
			return nil, platform.BadRequest("Invalid field '%s' in order by clause.", words[0])
		}
		t := orderTerm{column: sp.fields[words[0]].Column}
		rest := words[1:]
		if len(rest) > 0 && (rest[0] == "asc" || rest[0] == "desc") {
			t.desc = rest[0] == "desc"
			rest = rest[1:]
		}
		if len(rest) == 2 && rest[0] == "nulls" && (rest[1] == "first" || rest[1] == "last") {
			t.nulls, rest = rest[1], nil
		}
		if len(rest) > 0 {
			return nil, platform.BadRequest("Invalid order by clause '%s': use 'field [asc|desc] [nulls first|last]'.", strings.TrimSpace(part))
		}
		out = append(out, t)
	}
	return out, nil
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
			if rr.fields, err = parseFields(rel.target, f); err != nil {
				return nil, err
			}
		}
		if o, ok := req.Param(n+".order", n+"_order"); ok && o != "" {
			if rr.order, err = parseOrder(rel.target, o); err != nil {
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

// filterPredicate compiles a DreamFactory filter against the resource's visible fields.
func (s *System) filterPredicate(ctx context.Context, sp *spec, req *platform.Request, text string) (*sql.Predicate, error) {
	e, err := filter.Parse(text)
	if err != nil {
		return nil, platform.BadRequest("%s", err.Error())
	}
	cols := make([]filter.Column, 0, len(sp.visible))
	for _, f := range sp.visible {
		if !sp.secret[f.Name] {
			cols = append(cols, filter.Column{Name: f.Name, Column: f.Column, Type: filterKind(f.Kind)})
		}
	}
	env := filter.Env{Columns: filter.ColumnSet(cols...), Lookup: s.p.Lookups(ctx, req.Session), Params: params(req)}
	p, err := filter.Predicate(e, env)
	if err != nil {
		return nil, platform.BadRequest("%s", err.Error())
	}
	return p, nil
}

// params returns the filter's :name values from the body's "params" object.
func params(req *platform.Request) map[string]any {
	if m, ok := req.Payload.(map[string]any); ok {
		if p, ok := m["params"].(map[string]any); ok {
			return p
		}
	}
	return nil
}

func filterKind(k string) filter.Kind {
	switch k {
	case "int":
		return filter.Int
	case "float":
		return filter.Float
	case "bool":
		return filter.Bool
	case "time":
		return filter.Time
	case "json":
		return filter.JSON
	case "string":
		return filter.String
	}
	return filter.Other
}

// selectRows reads the rows of sp matching where, ordered and paged, with every visible column.
func (s *System) selectRows(ctx context.Context, sp *spec, where []*sql.Predicate, order []orderTerm, limit, offset int) ([]map[string]any, error) {
	cols := make([]string, len(sp.visible))
	for i, f := range sp.visible {
		cols[i] = f.Column
	}
	sel := sql.Dialect(s.p.Dialect).Select(cols...).From(sql.Table(sp.res.Table))
	if len(where) > 0 {
		sel.Where(sql.And(where...))
	}
	if len(order) == 0 {
		order = []orderTerm{{column: sp.res.IDColumn}}
	}
	for _, o := range order {
		var opts []sql.OrderTermOption
		if o.desc {
			opts = append(opts, sql.OrderDesc())
		}
		switch o.nulls {
		case "first":
			opts = append(opts, sql.OrderNullsFirst())
		case "last":
			opts = append(opts, sql.OrderNullsLast())
		}
		sql.OrderByField(o.column, opts...).ToFunc()(sel)
	}
	if limit > 0 {
		sel.Limit(limit)
	}
	if offset > 0 {
		sel.Offset(offset)
	}
	text, args := sel.Query()
	return s.scan(ctx, sp, text, args)
}

// scan runs a SELECT of sp's visible columns and returns the rows as JSON-ready maps.
func (s *System) scan(ctx context.Context, sp *spec, text string, args []any) ([]map[string]any, error) {
	rows, err := s.p.DB.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	cols := sp.visible
	var out []map[string]any
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, platform.Internal(err)
		}
		row := make(map[string]any, len(cols))
		for i, f := range cols {
			row[f.Name] = normalize(f.Kind, vals[i])
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// rowByID reads one row of sp by id within its scope; the SQL text is built once per resource.
func (s *System) rowByID(ctx context.Context, sp *spec, id int) (map[string]any, error) {
	sp.byIDOnce.Do(func() {
		cols := make([]string, len(sp.visible))
		for i, f := range sp.visible {
			cols[i] = f.Column
		}
		where := []*sql.Predicate{sql.EQ(sp.res.IDColumn, 0)}
		if p := sp.scope.predicate(); p != nil {
			where = append(where, p)
		}
		sp.byIDText, sp.byIDArgs = sql.Dialect(s.p.Dialect).Select(cols...).From(sql.Table(sp.res.Table)).
			Where(sql.And(where...)).Limit(1).Query()
	})
	args := append([]any{id}, sp.byIDArgs[1:]...)
	rows, err := s.scan(ctx, sp, sp.byIDText, args)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// count returns the number of rows matching where.
func (s *System) count(ctx context.Context, sp *spec, where []*sql.Predicate) (int, error) {
	sel := sql.Dialect(s.p.Dialect).Select(sql.Count("*")).From(sql.Table(sp.res.Table))
	if len(where) > 0 {
		sel.Where(sql.And(where...))
	}
	text, args := sel.Query()
	var n int
	if err := s.p.DB.QueryRowContext(ctx, text, args...).Scan(&n); err != nil {
		return 0, platform.Internal(err)
	}
	return n, nil
}

// normalize converts a scanned value to its JSON form by the field's kind; drivers differ
// (SQLite booleans are integers, JSON may come as text or bytes).
func normalize(kind string, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch kind {
	case "bool":
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "1" || strings.EqualFold(x, "true")
		}
	case "time":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(platform.DateFormat)
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", platform.DateFormat} {
				if t, err := time.Parse(layout, x); err == nil {
					return t.UTC().Format(platform.DateFormat)
				}
			}
		}
	case "json":
		if x, ok := v.(string); ok {
			var out any
			if json.Unmarshal([]byte(x), &out) == nil {
				return out
			}
		}
	case "int":
		switch x := v.(type) {
		case int32:
			return int64(x)
		case float64:
			return int64(x)
		}
	}
	return v
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
	if fields == nil {
		return row
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		out[f] = row[f]
	}
	for name := range sp.relations {
		if v, ok := row[name]; ok {
			out[name] = v
		}
	}
	return out
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
