package data

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apiary/apiary/platform/filter"
)

// filterText is a DreamFactory filter with the :params it uses (values that would otherwise
// read as {lookups}).
type filterText struct {
	expr   filter.Expr
	params map[string]any
}

// text renders the filter with the filter package's own renderer, which quotes every string
// value and escapes its quotes and backslashes, so the parser reads back exactly the value
// given.
func (f *filterText) text() string {
	if f == nil || f.expr == nil {
		return ""
	}
	return f.expr.String()
}

// and joins two filters (either may be nil).
func and(a, b filter.Expr) filter.Expr {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return &filter.And{Terms: []filter.Expr{a, b}}
}

// whereBuilder translates typed where inputs of one request.
type whereBuilder struct {
	params map[string]any
	// x resolves conditions on relations with platform requests (nil: relations refused);
	// bound counts the keys they added to this filter.
	x     *run
	bound int
}

// newWhere is a builder for one request's filter that may hold conditions on relations.
func (x *run) newWhere() *whereBuilder { return &whereBuilder{x: x} }

// comparison operators of the {Scalar}_comparison_exp inputs.
var scalarOps = map[string]filter.Op{"_eq": filter.OpEQ, "_neq": filter.OpNE, "_gt": filter.OpGT, "_gte": filter.OpGE,
	"_lt": filter.OpLT, "_lte": filter.OpLE, "_like": filter.OpLike, "_nlike": filter.OpNotLike}

// where translates a {table}_bool_exp value (nil: no condition). Keys are taken in sorted
// order so that equal inputs give equal filter text.
func (w *whereBuilder) where(tb *table, v any) (filter.Expr, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, badRequest("where must be an object")
	}
	var terms []filter.Expr
	for _, k := range sortedKeys(m) {
		val := m[k]
		if val == nil {
			continue // an explicit null is no condition
		}
		switch k {
		case "_and", "_or":
			list, isList := val.([]any)
			if !isList && val != nil {
				list = []any{val} // a single object where a list is expected
			}
			var sub []filter.Expr
			always := false // an empty object is true
			for _, item := range list {
				e, err := w.where(tb, item)
				if err != nil {
					return nil, err
				}
				if e == nil {
					always = true
				} else {
					sub = append(sub, e)
				}
			}
			switch {
			case k == "_or" && len(list) == 0:
				terms = append(terms, never(tb)) // an empty OR is false
			case k == "_or" && always, len(sub) == 0:
			case len(sub) == 1:
				terms = append(terms, sub[0])
			case k == "_and":
				terms = append(terms, &filter.And{Terms: sub})
			default:
				terms = append(terms, &filter.Or{Terms: sub})
			}
		case "_not":
			e, err := w.where(tb, val)
			if err != nil {
				return nil, err
			}
			if e != nil {
				terms = append(terms, &filter.Not{X: e})
			} else if val != nil {
				terms = append(terms, never(tb))
			}
		default:
			if rel := tb.relBy[k]; rel != nil {
				e, err := w.relationTerm(tb, rel, val)
				if err != nil {
					return nil, err
				}
				terms = append(terms, e)
				continue
			}
			c := tb.byName[k]
			if c == nil {
				return nil, badRequest("unknown field %s in where", k)
			}
			ts, err := w.compare(tb, c, val)
			if err != nil {
				return nil, err
			}
			terms = append(terms, ts...)
		}
	}
	switch len(terms) {
	case 0:
		return nil, nil
	case 1:
		return terms[0], nil
	}
	return &filter.And{Terms: terms}, nil
}

// never is a condition no row meets: an empty _in, _or: [] or _not: {}.
func never(tb *table) filter.Expr {
	c := tb.cols[0].c.Name
	return &filter.And{Terms: []filter.Expr{&filter.Compare{Field: c, Op: filter.OpIsNull}, &filter.Compare{Field: c, Op: filter.OpIsNotNull}}}
}

// compare translates a {Scalar}_comparison_exp on column c.
func (w *whereBuilder) compare(tb *table, c *column, v any) ([]filter.Expr, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil, nil
		}
		return nil, badRequest("where.%s must be an object such as {_eq: …}", c.name)
	}
	var out []filter.Expr
	for _, op := range sortedKeys(m) {
		val := m[op]
		field := c.c.Name
		switch op {
		case "_is_null":
			b, ok := val.(bool)
			if !ok {
				return nil, badRequest("where.%s._is_null must be true or false", c.name)
			}
			o := filter.OpIsNotNull
			if b {
				o = filter.OpIsNull
			}
			out = append(out, &filter.Compare{Field: field, Op: o})
		case "_in", "_nin":
			list, ok := val.([]any)
			if !ok && val != nil {
				list = []any{val} // a single value where a list is expected
			} else if val == nil {
				return nil, badRequest("where.%s.%s must be a list, not null", c.name, op)
			}
			if len(list) == 0 {
				if op == "_in" {
					out = append(out, never(tb))
				}
				continue
			}
			vals := make([]filter.Value, len(list))
			for i, item := range list {
				fv, err := w.value(c, op, item)
				if err != nil {
					return nil, err
				}
				vals[i] = fv
			}
			o := filter.OpIn
			if op == "_nin" {
				o = filter.OpNotIn
			}
			out = append(out, &filter.Compare{Field: field, Op: o, Values: vals})
		default:
			o, ok := scalarOps[op]
			if !ok {
				return nil, badRequest("unknown operator %s on where.%s", op, c.name)
			}
			fv, err := w.value(c, op, val)
			if err != nil {
				return nil, err
			}
			out = append(out, &filter.Compare{Field: field, Op: o, Values: []filter.Value{fv}})
		}
	}
	return out, nil
}

// value renders one operand. Numbers and booleans are bare literals; everything else is a
// quoted literal (the renderer escapes it). A string that is exactly a {name} token would read
// as a lookup, so it is bound as a :param instead.
func (w *whereBuilder) value(c *column, op string, v any) (filter.Value, error) {
	switch x := v.(type) {
	case nil:
		return filter.Value{}, badRequest("where.%s.%s: null is not a value; use _is_null", c.name, op)
	case bool:
		return filter.Value{Kind: filter.LiteralValue, Text: strconv.FormatBool(x)}, nil
	case int64:
		return filter.Value{Kind: filter.LiteralValue, Text: strconv.FormatInt(x, 10)}, nil
	case int:
		return filter.Value{Kind: filter.LiteralValue, Text: strconv.Itoa(x)}, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return filter.Value{}, badRequest("where.%s.%s: not a finite number", c.name, op)
		}
		return filter.Value{Kind: filter.LiteralValue, Text: strconv.FormatFloat(x, 'f', -1, 64)}, nil
	case json.Number:
		if _, err := x.Float64(); err != nil {
			return filter.Value{}, badRequest("where.%s.%s: not a number", c.name, op)
		}
		return filter.Value{Kind: filter.LiteralValue, Text: x.String()}, nil
	case string:
		if looksLikeLookup(x) {
			if w.params == nil {
				w.params = map[string]any{}
			}
			name := fmt.Sprintf("gql%d", len(w.params))
			w.params[name] = x
			return filter.Value{Kind: filter.ParamValue, Text: name}, nil
		}
		return filter.Value{Kind: filter.LiteralValue, Text: x, Quoted: true}, nil
	}
	b, err := json.Marshal(v) // a JSON scalar's object or list: compared as its text
	if err != nil {
		return filter.Value{}, badRequest("where.%s.%s: %v", c.name, op, err)
	}
	return filter.Value{Kind: filter.LiteralValue, Text: string(b), Quoted: true}, nil
}

// looksLikeLookup reports a value the filter language would read as {lookup} when quoted.
func looksLikeLookup(s string) bool {
	return len(s) >= 3 && s[0] == '{' && s[len(s)-1] == '}' && !strings.ContainsAny(s[1:len(s)-1], " ,'\"{}")
}

// orderText translates order_by ([{col: asc}, …] or one object) to DreamFactory's order
// parameter, with the primary key appended as a tie-breaker so pages are stable.
func orderText(tb *table, v any) (string, error) {
	var items []any
	switch x := v.(type) {
	case nil:
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return "", badRequest("order_by must be a list of objects such as {field: asc}")
	}
	var parts []string
	seen := map[string]bool{}
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			return "", badRequest("order_by must be a list of objects such as {field: asc}")
		}
		for _, k := range sortedKeys(m) {
			c := tb.byName[k]
			if c == nil {
				return "", badRequest("unknown field %s in order_by", k)
			}
			dir, _ := m[k].(string)
			var sql string
			switch dir {
			case "asc", "desc":
				sql = dir
			case "asc_nulls_first", "asc_nulls_last", "desc_nulls_first", "desc_nulls_last":
				sql = strings.Replace(strings.Replace(dir, "_nulls_", " nulls ", 1), "_", " ", -1)
			case "":
				continue
			default:
				return "", badRequest("order_by.%s: unknown direction %v", k, m[k])
			}
			if !seen[c.c.Name] {
				seen[c.c.Name] = true
				parts = append(parts, c.c.Name+" "+sql)
			}
		}
	}
	for _, c := range tb.pk {
		if !seen[c.c.Name] {
			parts = append(parts, c.c.Name+" asc")
		}
	}
	return strings.Join(parts, ","), nil
}
