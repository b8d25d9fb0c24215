package data

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
)

// aggregateFuncs are the fields of {t}_aggregate besides count, each an object type
// {t}_{fn}_fields over the columns it applies to (Hasura's names).
var aggregateFuncs = []string{"sum", "avg", "min", "max"}

// aggregated returns the columns of tb that fn applies to, each with the scalar of its result:
// sum and avg over numbers (sum keeps Int, Float or Decimal; avg is Float); min and max over
// numbers, text (not UUIDs) and dates, in the column's own scalar.
func aggregated(tb *table, fn string) []*column {
	var out []*column
	for _, c := range tb.cols {
		k := c.c.Kind
		numeric := k.Numeric()
		switch fn {
		case "sum":
			if numeric {
				out = append(out, c)
			}
		case "avg":
			if numeric {
				out = append(out, &column{c: c.c, name: c.name, scalar: "Float"})
			}
		default:
			if numeric || k == dbschema.KindTime || k == dbschema.KindDate || (k == dbschema.KindString && c.scalar == "String") {
				out = append(out, c)
			}
		}
	}
	return out
}

// aggFields are the columns one aggregate function applies to (aggregated), in order and by
// GraphQL name.
type aggFields struct {
	cols   []*column
	byName map[string]*column
}

// aggregates returns the aggFields of tb for each of aggregateFuncs. newModel stores them on
// the table once its columns are named.
func aggregates(tb *table) map[string]aggFields {
	out := make(map[string]aggFields, len(aggregateFuncs))
	for _, fn := range aggregateFuncs {
		a := aggFields{cols: aggregated(tb, fn), byName: map[string]*column{}}
		for _, c := range a.cols {
			a.byName[c.name] = c
		}
		out[fn] = a
	}
	return out
}

// aggregateSDL writes the {t}_aggregate type and its {t}_{fn}_fields types. A function that
// applies to no column of the table is left out (an object type needs a field).
func aggregateSDL(b *strings.Builder, tb *table) {
	n := tb.name
	var fields, types strings.Builder
	for _, fn := range aggregateFuncs {
		cols := tb.aggs[fn].cols
		if len(cols) == 0 {
			continue
		}
		fields.WriteString("  " + fn + ": " + n + "_" + fn + "_fields\n")
		types.WriteString("\ntype " + n + "_" + fn + "_fields {\n")
		for _, c := range cols {
			types.WriteString("  " + c.name + ": " + c.scalar + "\n")
		}
		types.WriteString("}\n")
	}
	b.WriteString("\n\"Aggregates over the rows a where matches.\"\ntype " + n + "_aggregate {\n  count: Int!\n" + fields.String() + "}\n" + types.String())
}

// aggregate is {table}_aggregate(where) { count sum { col } avg { col } min { col } max { col } }.
// count alone is GET _table/{table}?count_only=true, as REST counts; with any other function,
// one GET _table/{table} with fields=COUNT(*),SUM(col),… and the request's Aggregate flag, so
// the database service answers every aggregate in one statement over the rows the filter and
// the role's row filters admit.
func (x *run) aggregate(buf *bytes.Buffer, tb *table, args map[string]any, sel ast.SelectionSet, path ast.Path) error {
	w := x.newWhere()
	e, err := w.where(tb, args["where"])
	if err != nil {
		return err
	}
	typ := tb.name + "_aggregate"
	fields := x.collect(sel, typ)
	count := false
	var exprs []string
	seen := map[string]bool{}
	for _, f := range fields {
		switch f.Name {
		case "count":
			count = true
		case "sum", "avg", "min", "max":
			for _, sf := range x.collect(f.Selections, tb.name+"_"+f.Name+"_fields") {
				if c := tb.aggs[f.Name].byName[sf.Name]; c != nil {
					if ex := strings.ToUpper(f.Name) + "(" + c.c.Name + ")"; !seen[ex] {
						seen[ex] = true
						exprs = append(exprs, ex)
					}
				}
			}
		}
	}
	vals := map[string]any{}
	q := url.Values{}
	if e != nil {
		q.Set("filter", e.String())
	}
	switch {
	case len(exprs) > 0:
		if count {
			exprs = append([]string{"COUNT(*)"}, exprs...)
		}
		q.Set("fields", strings.Join(exprs, ","))
		req := x.request(http.MethodGet, "_table/"+tb.t.Name, q, withParams(w.params))
		req.Aggregate = true
		content, perr := x.handle(req)
		if perr != nil {
			return gqlhttp.GQLError(perr)
		}
		if rows := records(content); len(rows) > 0 {
			vals = rows[0].vals
		}
	case count:
		q.Set("count_only", "true")
		content, perr := x.do(http.MethodGet, "_table/"+tb.t.Name, q, withParams(w.params))
		if perr != nil {
			return gqlhttp.GQLError(perr)
		}
		vals[sqltable.CountAll] = content
	}
	return x.writeObject(buf, typ, fields, path, func(f graphql.CollectedField, p ast.Path) error {
		if f.Name == "count" {
			n, ok := platform.IntValue(vals[sqltable.CountAll])
			if !ok {
				x.fail(badRequest("the count could not be read"), p)
				return errNull
			}
			buf.WriteString(strconv.FormatInt(n, 10))
			return nil
		}
		return x.field(buf, f.Definition.Type, p, func() error { return x.aggregateFields(buf, tb, f, vals, p) })
	})
}

// aggregateFields writes one {t}_{fn}_fields object from the aggregate row (keys FN_column, as
// REST's grouped reads name them: sqltable.AggregateAlias).
func (x *run) aggregateFields(buf *bytes.Buffer, tb *table, f graphql.CollectedField, vals map[string]any, path ast.Path) error {
	typ := tb.name + "_" + f.Name + "_fields"
	byName := tb.aggs[f.Name].byName
	return x.writeObject(buf, typ, x.collect(f.Selections, typ), path, func(sf graphql.CollectedField, p ast.Path) error {
		c := byName[sf.Name]
		if c == nil {
			return badRequest("unknown field %s.%s", typ, sf.Name)
		}
		v := vals[sqltable.AggregateAlias(f.Name, c.c.Name)]
		return x.field(buf, sf.Definition.Type, p, func() error { return writeScalar(buf, c, v, false) })
	})
}
