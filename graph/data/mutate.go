package data

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform/filter"
)

// mutate runs one mutation field as one platform write request, which the database service
// runs in one transaction (all records or none):
//
//	insert_{t}(objects)         POST   _table/{t}        {"resource": objects}
//	insert_{t}_one(object)      POST   _table/{t}        {"resource": [object]}
//	update_{t}(where, _set)     PATCH  _table/{t}?filter=…  _set
//	update_{t}_by_pk(keys, _set) PATCH _table/{t}/{id}   _set
//	delete_{t}(where)           DELETE _table/{t}?filter=…
//	delete_{t}_by_pk(keys)      DELETE _table/{t}/{id}
//
// with fields= naming the columns the selection returns, so the answer carries the rows.
func (x *run) mutate(buf *bytes.Buffer, rt root, args map[string]any, f graphql.CollectedField, path ast.Path) error {
	tb := rt.tb
	resp := tb.name + "_mutation_response"
	// The selection of the returned rows: the field's own, or its "returning" fields'.
	sel := f.Selections
	many := rt.kind == rootInsert || rt.kind == rootUpdate || rt.kind == rootDelete
	if many {
		sel = nil
		for _, rf := range x.collect(f.Selections, resp) {
			if rf.Name == "returning" {
				sel = append(sel, rf.Selections...)
			}
		}
	}
	q := url.Values{}
	if !many || sel != nil {
		f := x.fields(tb, sel)
		if f == "" {
			f = "*"
		}
		q.Set("fields", f)
	}
	var method, resource = "", "_table/" + tb.t.Name
	var payload any
	switch rt.kind {
	case rootInsert, rootInsertOne:
		method = http.MethodPost
		var objs []any
		if rt.kind == rootInsert {
			objs, _ = args["objects"].([]any)
			if objs == nil && args["objects"] != nil {
				objs = []any{args["objects"]}
			}
			if len(objs) == 0 { // nothing to insert: no request
				return x.mutationResponse(buf, tb, f, nil, path)
			}
		} else {
			objs = []any{args["object"]}
		}
		recs := make([]any, len(objs))
		for i, o := range objs {
			rec, err := record(tb, o)
			if err != nil {
				return err
			}
			recs[i] = rec
		}
		payload = map[string]any{"resource": recs}
	case rootUpdate, rootUpdateByPK:
		method = http.MethodPatch
		rec, err := record(tb, args["_set"])
		if err != nil {
			return err
		}
		payload = rec
	case rootDelete, rootDeleteByPK:
		method = http.MethodDelete
	}
	switch rt.kind {
	case rootUpdate, rootDelete:
		w := x.newWhere()
		e, err := w.where(tb, args["where"])
		if err != nil {
			return err
		}
		if len(w.params) > 0 {
			return badRequest("a where value of the form {name} can not be used in a mutation; match it in a query first")
		}
		if e == nil { // where: {} is every row the role may reach
			c := tb.cols[0].c.Name
			if len(tb.pk) > 0 {
				c = tb.pk[0].c.Name
			}
			e = &filter.Or{Terms: []filter.Expr{&filter.Compare{Field: c, Op: filter.OpIsNull}, &filter.Compare{Field: c, Op: filter.OpIsNotNull}}}
		}
		q.Set("filter", e.String())
	case rootUpdateByPK, rootDeleteByPK:
		id := ""
		if len(tb.pk) == 1 {
			id = pathID(args[tb.pk[0].name])
		}
		if id != "" {
			resource += "/" + id
		} else {
			e, params, err := x.keyFilter(tb, args)
			if err != nil {
				return err
			}
			if len(params) > 0 {
				return badRequest("a key of the form {name} can not be used in a mutation")
			}
			q.Set("filter", e.String())
		}
	}
	content, perr := x.do(method, resource, q, payload)
	if perr != nil {
		if (rt.kind == rootUpdateByPK || rt.kind == rootDeleteByPK) && perr.Status == http.StatusNotFound {
			buf.WriteString("null")
			return nil
		}
		return gqlhttp.GQLError(perr)
	}
	if many {
		return x.mutationResponse(buf, tb, f, records(content), path)
	}
	var r *row
	switch c := content.(type) {
	case map[string]any:
		if _, wrapped := c["resource"]; wrapped {
			if rows := records(c); len(rows) > 0 {
				r = rows[0]
			}
		} else {
			r = &row{vals: c}
		}
	}
	return x.one(buf, tb, f.Selections, r, path)
}

// mutationResponse writes {affected_rows, returning}.
func (x *run) mutationResponse(buf *bytes.Buffer, tb *table, f graphql.CollectedField, rows []*row, path ast.Path) error {
	typ := tb.name + "_mutation_response"
	return x.writeObject(buf, typ, x.collect(f.Selections, typ), path, func(rf graphql.CollectedField, p ast.Path) error {
		switch rf.Name {
		case "affected_rows":
			buf.WriteString(strconv.Itoa(len(rows)))
		case "returning":
			if err := x.loadRelations(tb, rf.Selections, rows); err != nil {
				x.fail(err, p)
				return errNull
			}
			return x.rows(buf, tb, &ast.Type{NamedType: tb.name, NonNull: true}, rf.Selections, rows, p)
		}
		return nil
	})
}

// record converts an insert or _set input to the DreamFactory record a REST client would send:
// columns by their database names, values through JSON as they would arrive over REST.
func record(tb *table, v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("a record must be an object")
	}
	rec := make(map[string]any, len(m))
	for k, val := range m {
		c := tb.byName[k]
		if c == nil {
			return nil, badRequest("unknown field %s", k)
		}
		rec[c.c.Name] = val
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, badRequest("%v", err)
	}
	return out, nil
}
