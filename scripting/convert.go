package scripting

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// toJS copies a Go value into native JavaScript values: objects and arrays become real JS
// objects and arrays (push, splice and friends work on nested arrays, which goja's wrapping
// of Go maps does not give), so the script can change them freely and the engine reads them
// back with exported. Values of other Go types go through JSON.
func toJS(rt *goja.Runtime, v any) goja.Value {
	switch x := v.(type) {
	case nil:
		return goja.Null()
	case goja.Value:
		return x
	case string:
		return rt.ToValue(x)
	case bool, int, int64, int32, float64, float32, uint, uint64, uint32:
		return rt.ToValue(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return rt.ToValue(i)
		}
		f, _ := x.Float64()
		return rt.ToValue(f)
	case []byte:
		return rt.ToValue(string(x))
	case time.Time:
		return rt.ToValue(x.UTC().Format(time.RFC3339Nano))
	case map[string]any:
		o := rt.NewObject()
		for k, e := range x {
			_ = o.Set(k, toJS(rt, e))
		}
		return o
	case map[string]string:
		o := rt.NewObject()
		for k, e := range x {
			_ = o.Set(k, e)
		}
		return o
	case []any:
		vals := make([]any, len(x))
		for i, e := range x {
			vals[i] = toJS(rt, e)
		}
		return rt.NewArray(vals...)
	case []map[string]any:
		vals := make([]any, len(x))
		for i, e := range x {
			vals[i] = toJS(rt, e)
		}
		return rt.NewArray(vals...)
	case []string:
		vals := make([]any, len(x))
		for i, e := range x {
			vals[i] = e
		}
		return rt.NewArray(vals...)
	}
	out, ok := viaJSON(v)
	if !ok {
		return goja.Undefined()
	}
	return toJS(rt, out)
}

// viaJSON is v as plain data (map[string]any, []any, string, float64, bool, nil) by a JSON
// round trip; ok is false when v cannot be written as JSON.
func viaJSON(v any) (data any, ok bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, false
	}
	return data, true
}

// exported reads a JavaScript value back as plain Go data: map[string]any, []any, string,
// float64 or int64, bool, nil. Functions and symbols are dropped (JSON would drop them too);
// dates become RFC 3339 strings; integral floats become int64.
func exported(v goja.Value) any {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	return plain(v.Export())
}

func plain(v any) any {
	switch x := v.(type) {
	case lazy: // the event's data: plain already where the script did not change it
		return x.export()
	case map[string]any:
		for k, e := range x {
			if _, fn := e.(func(goja.FunctionCall) goja.Value); fn {
				delete(x, k)
				continue
			}
			x[k] = plain(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = plain(e)
		}
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x)
		}
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case func(goja.FunctionCall) goja.Value:
		return nil
	}
	return v
}

// isEmpty is PHP's empty() on a script result: undefined, null, false, 0, "", an empty
// object or array.
func isEmpty(v goja.Value) bool {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return true
	}
	if o, ok := v.(*goja.Object); ok {
		if o.ClassName() == "Function" {
			return false
		}
		return len(o.Keys()) == 0
	}
	return !v.ToBoolean() || v.String() == "0"
}

// queryObject is DreamFactory's event.request.parameters: each query parameter by name, a
// string, or a list when it was repeated.
func queryObject(q url.Values) map[string]any {
	out := make(map[string]any, len(q))
	for k, vs := range q {
		if len(vs) == 1 {
			out[k] = vs[0]
			continue
		}
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		out[k] = list
	}
	return out
}

// headerObject is event.request.headers: lower-case names, the first value of each.
func headerObject(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, vs := range h {
		if len(vs) > 0 {
			out[strings.ToLower(k)] = vs[0]
		}
	}
	return out
}

// queryValues turns script parameters back into a query: strings, numbers, booleans, lists.
func queryValues(v any) url.Values {
	q := url.Values{}
	m, _ := v.(map[string]any)
	for k, e := range m {
		switch x := e.(type) {
		case []any:
			for _, i := range x {
				q.Add(k, scalarString(i))
			}
		case nil:
			q.Set(k, "")
		default:
			q.Set(k, scalarString(x))
		}
	}
	return q
}

// headerValues turns script headers back into an http.Header.
func headerValues(v any) http.Header {
	h := http.Header{}
	m, _ := v.(map[string]any)
	for k, e := range m {
		switch x := e.(type) {
		case []any:
			for _, i := range x {
				h.Add(k, scalarString(i))
			}
		default:
			h.Set(k, scalarString(x))
		}
	}
	return h
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}
