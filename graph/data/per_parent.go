package data

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/99designs/gqlgen/graphql"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/filter"
)

// parentKeys are the distinct non-null values of rows' column src.
func parentKeys(rows []*row, src *column) []any {
	seen := map[string]bool{}
	var out []any
	for _, r := range rows {
		v := r.vals[src.c.Name]
		if k, ok := keyIn(src.c.Kind.Fractional(), v); ok && !seen[k] { // by its own kind: never merges keys a relation tells apart
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// perParent reads the rows of tb for the parents whose keys pp.Keys holds, matching e (with
// params), in order, with fields: a per-parent GET of _table/{tb} (platform.PerParent). With
// a Limit (> 0), at most Limit rows per parent after Offset, applied in SQL: one request, and
// one statement, unless Limit × the parents could exceed the bound of a relation's rows per
// level (relatedRowsFactor × max_records); then the parents are split over requests that each
// stay under it. Without one, every related row: one request, that reads one row past the
// bound at most (platform.PerParent.Most). More rows than the bound in all is TOO_MANY_ROWS.
// Without keys it reads nothing (no request).
func (x *run) perParent(tb *table, pp platform.PerParent, e filter.Expr, params map[string]any, order, fields string) ([]*row, error) {
	q := url.Values{}
	setFields(q, fields)
	if e != nil {
		q.Set("filter", e.String())
	}
	if order != "" {
		q.Set("order", order)
	}
	bound := relatedRowsFactor * x.e.lim.maxRecords
	keys := pp.Keys
	chunk, advice := len(keys), "give it a limit or a where"
	if pp.Limit > 0 {
		chunk, advice = max(1, bound/pp.Limit), "give it a smaller limit or a where"
	} else {
		pp.Most = bound
	}
	var out []*row
	for start := 0; start < len(keys); start += chunk {
		req := x.request(http.MethodGet, "_table/"+tb.t.Name, q, withParams(params))
		part := pp
		part.Keys = keys[start:min(start+chunk, len(keys))]
		req.PerParent = &part
		content, perr := x.handle(req)
		if perr != nil {
			return nil, gqlhttp.GQLError(perr)
		}
		if out = append(out, records(content)...); len(out) > bound {
			return nil, tooManyRows(fmt.Sprintf("The relation to %s holds more than %d rows for these records: %s, or ask for fewer records.", tb.name, bound, advice))
		}
	}
	return out, nil
}

// relatedLinked loads a many_many relation field with a limit (> 0) for rows: one per-parent
// GET of the target that joins the junction table, at most limit targets per parent after
// offset, matching where, in order. It returns the related rows (a target once per parent
// that links to it).
func (x *run) relatedLinked(rel *relation, f graphql.CollectedField, rows []*row, where filter.Expr, params map[string]any, order, fields string, limit, offset int) ([]*row, error) {
	pp := platform.PerParent{Key: rel.target.t.UnusedName(rel.jField.c.Name), Keys: parentKeys(rows, rel.field), Limit: limit, Offset: offset,
		ByNumber: rel.field.c.Kind.Fractional(), Link: &platform.PerParentLink{Table: rel.junction.t.Name, Parent: rel.jField.c.Name, Child: rel.jRef.c.Name, Ref: rel.refField.c.Name}}
	found, err := x.perParent(rel.target, pp, where, params, order, fields)
	if err != nil {
		return nil, err
	}
	groups := map[string][]*row{}
	for _, c := range found {
		if k, ok := keyIn(rel.fraction, c.vals[pp.Key]); ok { // the linking parent's key
			groups[k] = append(groups[k], c)
		}
	}
	for _, r := range rows {
		k, ok := keyIn(rel.fraction, r.vals[rel.field.c.Name])
		list := groups[k]
		if list == nil || !ok { // a NULL key links to nothing
			list = []*row{}
		}
		r.rel[f.Alias] = list
	}
	return found, nil
}
