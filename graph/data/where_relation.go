package data

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/filter"
)

// Bounds of filters across relations: one relation condition may match platform.MaxListKeys
// distinct keys (they become one IN list of the outer filter, each a bound value), one filter
// may hold platform.MaxBoundKeys such keys in all, as REST's ids= may.
//
// maxRelationFilters is how many relation conditions one operation may resolve: each costs
// one platform request or more, and input values are not counted by the complexity limit.
const maxRelationFilters = 32

// relationTerm translates a relation field of a {table}_bool_exp — a condition on the related
// table's rows — into a term on tb's own join column, through the pipeline:
//
//	belongs_to, has_many: field IN (refField of the target rows matching sub)
//	many_many:            field IN (jField of the junction rows whose jRef is IN
//	                      (refField of the target rows matching sub))
//
// Each read is GET _table/{target} (or the junction) with fields, group and filter, so the
// related table's RBAC, row filters and scripts apply as they would to the same REST call (a
// caller that may not read it gets that call's 403). belongs_to means the parent row matches;
// has_one, has_many and many_many mean at least one related row matches (EXISTS; for has_one
// not only the one its field shows, when the data holds several). The term is
// "field IS NOT NULL AND field IN (…)", so that _not of it also keeps rows whose join column is
// null; no matching key is a term no row meets.
//
// Errors: 400 TOO_MANY_ROWS when a key set is over platform.MaxListKeys (or the filter's keys
// over platform.MaxBoundKeys), COMPLEXITY_LIMIT_EXCEEDED past maxRelationFilters, the related
// request's own error otherwise.
func (w *whereBuilder) relationTerm(tb *table, rel *relation, v any) (filter.Expr, error) {
	x := w.x
	if x == nil {
		return nil, badRequest("a relation can not be used in this condition")
	}
	if _, ok := v.(map[string]any); !ok { // {rel: {}} is true of every related row
		return nil, badRequest("where.%s must be an object: a condition on table %s", rel.name, rel.target.name)
	}
	x.relFilters++
	if x.relFilters > maxRelationFilters {
		return nil, &gqlerror.Error{Message: fmt.Sprintf("The operation has more than %d conditions on relations: split it.", maxRelationFilters),
			Extensions: map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED", "status": http.StatusBadRequest}}
	}
	sub := x.newWhere()
	e, err := sub.where(rel.target, v)
	if err != nil {
		return nil, err
	}
	keys, err := x.keySet(rel.target, rel.refField, e, sub.params, rel)
	if err != nil {
		return nil, err
	}
	src := rel.refField
	if rel.r.Type == dbschema.ManyMany && len(keys) > 0 {
		jw := &whereBuilder{}
		in, err := inFilter(jw, rel.jRef, keys, rel.refField)
		if err != nil {
			return nil, err
		}
		if keys, err = x.keySet(rel.junction, rel.jField, in, jw.params, rel); err != nil {
			return nil, err
		}
		src = rel.jField
	}
	w.bound += len(keys)
	if w.bound > platform.MaxBoundKeys {
		return nil, tooManyRows(fmt.Sprintf("The where conditions on relations match more than %d keys in all: narrow them.", platform.MaxBoundKeys))
	}
	in, err := inFilter(w, rel.field, keys, src)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return never(tb), nil
	}
	return &filter.And{Terms: []filter.Expr{&filter.Compare{Field: rel.field.c.Name, Op: filter.OpIsNotNull}, in}}, nil
}

// keySet reads the distinct non-null values of col in the rows of tb matching e: GET
// _table/{tb} with fields=col, group=col and order=col, in pages of the service's max_records.
func (x *run) keySet(tb *table, col *column, e filter.Expr, params map[string]any, rel *relation) ([]*row, error) {
	cond := and(e, &filter.Compare{Field: col.c.Name, Op: filter.OpIsNotNull})
	q := url.Values{"filter": {cond.String()}, "fields": {col.c.Name}, "group": {col.c.Name}, "order": {col.c.Name}}
	return x.pages(tb, q, params, platform.MaxListKeys, func() error {
		return tooManyRows(fmt.Sprintf("The where condition on relation %s matches more than %d rows of table %s: narrow it.", rel.name, platform.MaxListKeys, tb.name))
	})
}
