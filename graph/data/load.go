package data

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/filter"
)

// row is one record with the related rows loaded for it, by response key (alias) of the
// relation field: *row (belongs_to, nil when none) or []*row.
type row struct {
	vals map[string]any
	rel  map[string]any
}

// call is the HTTP side of one GraphQL request: the caller's session (authenticated once per
// GraphQL request and reused by every platform request it makes), headers and address.
type call struct {
	p      *platform.Platform
	sess   *platform.Session
	header http.Header
	addr   string
	creds  platform.Credentials
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// do runs one platform request for the caller and returns its content.
func (x *run) do(method, resource string, q url.Values, payload any) (any, *platform.Error) {
	return x.handle(x.request(method, resource, q, payload))
}

// request is a platform request on the service for the caller. A read loads no relations
// (platform.Request.NoRelations): not even those with always_fetch, which a query never uses
// (it loads the relation fields it selects itself).
func (x *run) request(method, resource string, q url.Values, payload any) *platform.Request {
	c := x.call
	return &platform.Request{Method: method, Service: x.e.service, Resource: resource, Query: q, Payload: payload,
		Header: c.header, RemoteAddr: c.addr, Requestor: platform.RequestorAPI, Credentials: c.creds, Session: c.sess,
		NoRelations: method == http.MethodGet}
}

// handle runs req through the pipeline and returns its content.
func (x *run) handle(req *platform.Request) (any, *platform.Error) {
	resp := x.call.p.Handle(x.ctx, req)
	if resp.Err != nil {
		return nil, resp.Err
	}
	return resp.Content, nil
}

// records reads the rows of a {"resource": […]} answer (platform.ContentRecords).
func records(content any) []*row {
	list := platform.ContentRecords(content)
	out := make([]*row, len(list))
	for i, m := range list {
		out[i] = &row{vals: m}
	}
	return out
}

// withParams is the payload that carries a filter's :params (nil without any).
func withParams(params map[string]any) any {
	if len(params) == 0 {
		return nil
	}
	return map[string]any{"params": params}
}

// fields is the fields parameter for a selection on tb: the selected columns, the columns its
// relations join on, and extra.
func (x *run) fields(tb *table, sel ast.SelectionSet, extra ...*column) string {
	seen := map[*column]bool{}
	names := make([]string, 0, len(tb.t.Columns)+len(extra))
	add := func(c *column) {
		if c != nil && !seen[c] {
			seen[c] = true
			names = append(names, c.c.Name)
		}
	}
	for _, f := range x.collect(sel, tb.name) {
		if c := tb.byName[f.Name]; c != nil {
			add(c)
		} else if r := tb.relBy[f.Name]; r != nil {
			add(r.field)
		}
	}
	for _, c := range extra {
		add(c)
	}
	if len(names) == len(tb.t.Columns) {
		return "" // every column: no fields parameter, no projection
	}
	if len(names) == 0 {
		if len(tb.pk) > 0 {
			add(tb.pk[0])
		} else {
			add(tb.cols[0])
		}
	}
	return strings.Join(names, ",")
}

// setFields sets the fields parameter; "" (every column) leaves it out.
func setFields(q url.Values, fields string) {
	if fields != "" {
		q.Set("fields", fields)
	}
}

// paging reads limit and offset, enforcing the service's page size.
func (x *run) paging(args map[string]any) (limit, offset int, err error) {
	limit = x.e.lim.maxLimit
	if v, ok := args["limit"]; ok && v != nil {
		n, _ := platform.IntValue(v)
		if n < 0 {
			return 0, 0, badRequest("limit must be zero or more")
		}
		if n > int64(x.e.lim.maxLimit) {
			return 0, 0, limitError(int(n), x.e.lim.maxLimit, x.e.service)
		}
		limit = int(n)
	}
	if v, ok := args["offset"]; ok && v != nil {
		n, _ := platform.IntValue(v)
		if n < 0 {
			return 0, 0, badRequest("offset must be zero or more")
		}
		offset = int(n)
	}
	return limit, offset, nil
}

// list is {table}(where, order_by, limit, offset): GET _table/{table}.
func (x *run) list(tb *table, args map[string]any, sel ast.SelectionSet) ([]*row, error) {
	limit, offset, err := x.paging(args)
	if err != nil {
		return nil, err
	}
	w := x.newWhere()
	e, err := w.where(tb, args["where"])
	if err != nil {
		return nil, err
	}
	order, err := orderText(tb, args["order_by"])
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		return []*row{}, nil
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	setFields(q, x.fields(tb, sel))
	if e != nil {
		q.Set("filter", e.String())
	}
	if order != "" {
		q.Set("order", order)
	}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	content, perr := x.do(http.MethodGet, "_table/"+tb.t.Name, q, withParams(w.params))
	if perr != nil {
		return nil, gqlhttp.GQLError(perr)
	}
	return records(content), nil
}

// pathID renders a key value for a _table/{table}/{id} path, or "" when it cannot be one.
func pathID(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return ""
	}
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s, "/,()") || strings.Contains(s, "..") {
		return ""
	}
	return s
}

// keyFilter matches the row whose key columns have the values in args.
func (x *run) keyFilter(tb *table, args map[string]any) (filter.Expr, map[string]any, error) {
	w := &whereBuilder{}
	var terms []filter.Expr
	for _, c := range tb.pk {
		v, err := w.value(c, "_eq", args[c.name])
		if err != nil {
			return nil, nil, err
		}
		terms = append(terms, &filter.Compare{Field: c.c.Name, Op: filter.OpEQ, Values: []filter.Value{v}})
	}
	if len(terms) == 1 {
		return terms[0], w.params, nil
	}
	return &filter.And{Terms: terms}, w.params, nil
}

// byPK is {table}_by_pk: GET _table/{table}/{id} for a single key (the REST event names of a
// read by id), else a filter on every key column. No such row is null.
func (x *run) byPK(tb *table, args map[string]any, sel ast.SelectionSet) (*row, error) {
	q := url.Values{}
	setFields(q, x.fields(tb, sel))
	if len(tb.pk) == 1 {
		if id := pathID(args[tb.pk[0].name]); id != "" {
			content, perr := x.do(http.MethodGet, "_table/"+tb.t.Name+"/"+id, q, nil)
			if perr != nil {
				if perr.Status == http.StatusNotFound {
					return nil, nil
				}
				return nil, gqlhttp.GQLError(perr)
			}
			m, _ := content.(map[string]any)
			if m == nil {
				return nil, nil
			}
			return &row{vals: m}, nil
		}
	}
	e, params, err := x.keyFilter(tb, args)
	if err != nil {
		return nil, err
	}
	q.Set("filter", e.String())
	q.Set("limit", "1")
	content, perr := x.do(http.MethodGet, "_table/"+tb.t.Name, q, withParams(params))
	if perr != nil {
		return nil, gqlhttp.GQLError(perr)
	}
	if rows := records(content); len(rows) > 0 {
		return rows[0], nil
	}
	return nil, nil
}

// keyIn is the matching key of v, a key value of one side of a match (platform.MatchKey):
// with fraction (a decimal or float column on either side: relation.fraction, linkFraction)
// numbers and numeric text match by number, so that a decimal that reads as "1.50" matches a
// float 1.5 or a decimal "1.5" of another scale (a virtual relationship may pair such columns),
// and text "1.50" a decimal 1.5 (a SQLite foreign key may pair such columns).
func keyIn(fraction bool, v any) (string, bool) {
	return platform.MatchKey(v, fraction)
}

// inFilter is "col IN (…)" over the distinct non-null values of rows' column src (nil when
// there are none).
func inFilter(w *whereBuilder, target *column, rows []*row, src *column) (filter.Expr, error) {
	var vals []filter.Value
	for _, v := range parentKeys(rows, src) {
		fv, err := w.value(target, "_in", v)
		if err != nil {
			return nil, err
		}
		vals = append(vals, fv)
	}
	if len(vals) == 0 {
		return nil, nil
	}
	return &filter.Compare{Field: target.c.Name, Op: filter.OpIn, Values: vals}, nil
}

// fetchAll reads every row of tb matching e, in pages of the service's max_records (one
// request, and one statement, unless more rows match than a page holds).
func (x *run) fetchAll(tb *table, e filter.Expr, params map[string]any, order, fields string) ([]*row, error) {
	q := url.Values{"filter": {e.String()}}
	setFields(q, fields)
	if order != "" {
		q.Set("order", order)
	}
	bound := relatedRowsFactor * x.e.lim.maxRecords
	// A full last page at the bound fails: more rows may follow.
	return x.pages(tb, q, params, bound-1, func() error {
		return tooManyRows(fmt.Sprintf("The relation to %s holds more than %d rows for these records: give it a limit or a where, or ask for fewer records.", tb.name, bound))
	})
}

// pages reads GET _table/{tb} with q (and params) page by page — limit max_records, the
// offset moving on — until a page comes back short. Once more than most rows were read it
// stops with tooMany's error.
func (x *run) pages(tb *table, q url.Values, params map[string]any, most int, tooMany func() error) ([]*row, error) {
	var out []*row
	page := x.e.lim.maxRecords
	q.Set("limit", strconv.Itoa(page))
	for offset := 0; ; offset += page {
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		}
		content, perr := x.do(http.MethodGet, "_table/"+tb.t.Name, q, withParams(params))
		if perr != nil {
			return nil, gqlhttp.GQLError(perr)
		}
		rows := records(content)
		out = append(out, rows...)
		if len(out) > most {
			return nil, tooMany()
		}
		if len(rows) < page {
			return out, nil
		}
	}
}

// tooManyRows is the 400 TOO_MANY_ROWS error of a read over its bound.
func tooManyRows(msg string) error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "TOO_MANY_ROWS", "status": http.StatusBadRequest}}
}

// relatedRowsFactor × max_records bounds the rows one relation may load for one level of a
// query.
const relatedRowsFactor = 10

// loadRelations loads, for rows of tb, every relation field the selection asks for: one
// batched request per relation (two for many_many), then the relations of those rows in turn.
func (x *run) loadRelations(tb *table, sel ast.SelectionSet, rows []*row) error {
	if len(rows) == 0 {
		return nil
	}
	for _, f := range x.collect(sel, tb.name) {
		rel := tb.relBy[f.Name]
		if rel == nil {
			continue
		}
		children, err := x.related(rel, f, rows)
		if err != nil {
			return err
		}
		if err := x.loadRelations(rel.target, f.Selections, children); err != nil {
			return err
		}
	}
	return nil
}

// related loads one relation field for rows and returns the related rows: for belongs_to and
// has_one a *row or nil per parent (has_one: the first related row in the target's default
// order, its primary key, as REST's related=), else a list. has_many and many_many with a
// limit read at most limit rows per parent (after offset) in SQL, by one per-parent GET of
// the target (platform.PerParent; many_many joins the junction table in it); without one they
// read every related row by per-parent GETs without a limit (junction rows, then targets, for
// many_many) and the offset applies per parent here. With limit 0 they read nothing: each
// parent's list is empty.
func (x *run) related(rel *relation, f graphql.CollectedField, rows []*row) ([]*row, error) {
	for _, r := range rows {
		if r.rel == nil {
			r.rel = map[string]any{}
		}
	}
	args := f.ArgumentMap(x.op.Variables)
	target := rel.target
	w := x.newWhere()
	var where filter.Expr
	order := ""
	limit, offset := -1, 0
	if !rel.single() {
		var err error
		if where, err = w.where(target, args["where"]); err != nil {
			return nil, err
		}
		if order, err = orderText(target, args["order_by"]); err != nil {
			return nil, err
		}
		if _, given := args["limit"]; given && args["limit"] != nil {
			if limit, offset, err = x.paging(args); err != nil {
				return nil, err
			}
		} else if _, offset, err = x.paging(args); err != nil {
			return nil, err
		}
		// limit: 0 is an empty list for each parent, read from nothing (the arguments are
		// checked first, as for {table}(limit: 0)).
		if limit == 0 {
			for _, r := range rows {
				r.rel[f.Alias] = []*row{}
			}
			return nil, nil
		}
	}
	fields := x.fields(target, f.Selections, rel.refField)
	switch rel.r.Type {
	case dbschema.BelongsTo:
		in, err := inFilter(w, rel.refField, rows, rel.field)
		if err != nil || in == nil {
			return nil, err
		}
		found, err := x.fetchAll(target, in, w.params, "", fields)
		if err != nil {
			return nil, err
		}
		byKey := map[string]*row{}
		for _, c := range found {
			if k, ok := keyIn(rel.fraction, c.vals[rel.refField.c.Name]); ok {
				if _, dup := byKey[k]; !dup {
					byKey[k] = c
				}
			}
		}
		for _, r := range rows {
			if k, ok := keyIn(rel.fraction, r.vals[rel.field.c.Name]); ok && byKey[k] != nil {
				r.rel[f.Alias] = byKey[k]
			} else {
				r.rel[f.Alias] = (*row)(nil)
			}
		}
		return found, nil
	case dbschema.HasMany, dbschema.HasOne:
		if rel.single() { // has_one takes no limit: it reads the first related row per parent
			limit, offset = 1, 0
		}
		pp := platform.PerParent{Key: rel.refField.c.Name, Keys: parentKeys(rows, rel.field), ByNumber: rel.field.c.Kind.Fractional()}
		if limit > 0 {
			pp.Limit, pp.Offset, limit, offset = limit, offset, -1, 0 // applied in SQL
		}
		found, err := x.perParent(target, pp, where, w.params, order, fields)
		if err != nil {
			return nil, err
		}
		groups := map[string][]*row{}
		for _, c := range found {
			if k, ok := keyIn(rel.fraction, c.vals[rel.refField.c.Name]); ok {
				groups[k] = append(groups[k], c)
			}
		}
		for _, r := range rows {
			// A NULL key relates to nothing (not to the rows of the key "", which MatchKey gives for "" too).
			k, ok := keyIn(rel.fraction, r.vals[rel.field.c.Name])
			if rel.single() { // has_one: the first related row in the target's order (its key), or null
				r.rel[f.Alias] = nil
				if g := groups[k]; ok && len(g) > 0 {
					r.rel[f.Alias] = g[0]
				}
				continue
			}
			if !ok {
				r.rel[f.Alias] = []*row{}
				continue
			}
			r.rel[f.Alias] = window(groups[k], limit, offset)
		}
		return found, nil
	}
	if limit > 0 { // many_many, the junction joined in
		return x.relatedLinked(rel, f, rows, where, w.params, order, fields, limit, offset)
	}
	// many_many: the junction rows, then the targets, each by a per-parent read without a limit
	// (the junction's keys from the parents, the targets' from the junction rows).
	links, err := x.perParent(rel.junction, platform.PerParent{Key: rel.jField.c.Name, Keys: parentKeys(rows, rel.field),
		ByNumber: rel.field.c.Kind.Fractional()}, nil, nil, "", rel.jField.c.Name+","+rel.jRef.c.Name)
	if err != nil {
		return nil, err
	}
	found, err := x.perParent(target, platform.PerParent{Key: rel.refField.c.Name, Keys: parentKeys(links, rel.jRef),
		ByNumber: rel.jRef.c.Kind.Fractional()}, where, w.params, order, fields)
	if err != nil {
		return nil, err
	}
	// parent key → set of target keys
	linked := map[string]map[string]bool{}
	for _, l := range links {
		pk, ok1 := keyIn(rel.fraction, l.vals[rel.jField.c.Name])
		tk, ok2 := keyIn(rel.linkFraction, l.vals[rel.jRef.c.Name])
		if ok1 && ok2 {
			if linked[pk] == nil {
				linked[pk] = map[string]bool{}
			}
			linked[pk][tk] = true
		}
	}
	// the targets' keys, in the target order, computed once for all parents
	tks := make([]string, len(found))
	tkOK := make([]bool, len(found))
	for i, c := range found {
		tks[i], tkOK[i] = keyIn(rel.linkFraction, c.vals[rel.refField.c.Name])
	}
	for _, r := range rows {
		k, ok := keyIn(rel.fraction, r.vals[rel.field.c.Name])
		var list []*row
		if set := linked[k]; ok && set != nil { // a NULL key links to nothing
			for i, c := range found {
				if tkOK[i] && set[tks[i]] {
					list = append(list, c)
				}
			}
		}
		r.rel[f.Alias] = window(list, limit, offset)
	}
	return found, nil
}

// window applies a per-parent offset and limit (-1: none).
func window(list []*row, limit, offset int) []*row {
	if offset >= len(list) {
		return []*row{}
	}
	list = list[offset:]
	if limit >= 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}
