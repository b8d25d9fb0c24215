package scripting

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// apiVerb is platform.api.get/post/put/patch/delete.
func (v *vm) apiVerb(method string) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value { return v.api(method, c.Arguments) }
}

// apiCall is platform.api.call(verb, path, payload, options).
func (v *vm) apiCall(c goja.FunctionCall) goja.Value {
	if len(c.Arguments) == 0 {
		panic(v.rt.NewTypeError("platform.api.call(verb, path[, payload[, options]]) needs a verb"))
	}
	return v.api(strings.ToUpper(c.Arguments[0].String()), c.Arguments[1:])
}

// api runs one call. v8js: (path[, payload[, options]]) and the result is returned —
// {status_code, content, content_type, format, headers}. nodejs: a trailing function is
// called back with (body, response) — body the content as text, as Node's http gives it —
// and GET takes (path[, options]). A path without http(s):// is an internal call through the
// pipeline: "service/resource?query", as requestor SCRIPT with the caller's session, so the
// role's SCRIPT permissions apply; its errors come back as content.error, never thrown.
func (v *vm) api(method string, args []goja.Value) goja.Value {
	var cb goja.Callable
	if n := len(args); n > 0 {
		if f, ok := goja.AssertFunction(args[n-1]); ok {
			cb, args = f, args[:n-1]
		}
	}
	at := func(i int) goja.Value {
		if i < len(args) {
			return args[i]
		}
		return goja.Undefined()
	}
	path := at(0).String()
	payloadArg, optionsArg := at(1), at(2)
	if v.run.s.typ == TypeNodejs && method == http.MethodGet {
		payloadArg, optionsArg = goja.Undefined(), at(1)
	}
	payload, raw := payloadOf(payloadArg)
	opts, _ := exported(optionsArg).(map[string]any)
	var res map[string]any
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		res = v.external(method, path, payload, raw, opts)
	} else {
		res = v.internal(method, path, payload, raw, opts)
	}
	out := toJS(v.rt, res)
	if cb != nil {
		body := ""
		switch c := res["content"].(type) {
		case string:
			body = c
		case nil:
		default:
			b, _ := json.Marshal(c)
			body = string(b)
		}
		resp := toJS(v.rt, res).(*goja.Object)
		_ = resp.Set("statusCode", res["status_code"])
		_ = resp.Set("body", body)
		if _, err := cb(goja.Undefined(), v.rt.ToValue(body), resp); err != nil {
			panic(err)
		}
	}
	return out
}

// payloadOf reads a call's payload: an object, or a JSON string (the V8js samples stringify).
func payloadOf(v goja.Value) (any, []byte) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	if s, ok := v.Export().(string); ok {
		var parsed any
		if json.Unmarshal([]byte(s), &parsed) == nil {
			return parsed, []byte(s)
		}
		return s, []byte(s)
	}
	p := exported(v)
	b, _ := json.Marshal(p)
	return p, b
}

// internal calls the platform in-process, one level deeper.
func (v *vm) internal(method, path string, payload any, raw []byte, opts map[string]any) map[string]any {
	st := v.run
	if st.depth+1 > v.e.cfg.MaxDepth {
		return errorResult(platform.Errorf(http.StatusLoopDetected,
			"platform.api calls are nested %d deep, over the limit of %d: a script probably calls its own endpoint.", st.depth+1, v.e.cfg.MaxDepth))
	}
	service, resource, query := splitPath(path)
	for k, vs := range queryValues(opts["parameters"]) {
		query[k] = vs
	}
	if st.dry != nil && (method != http.MethodGet || callsRoutine(resource)) {
		st.dry.add(map[string]any{"method": method, "path": path, "payload": payload})
		return map[string]any{"status_code": http.StatusOK, "content": map[string]any{"dry_run": true,
			"message": "Not executed: a dry run does not write."}, "content_type": "application/json", "headers": map[string]any{}}
	}
	req := &platform.Request{Method: method, Service: service, Resource: resource, Query: query,
		Header: headerValues(opts["headers"]), Payload: payload, Content: raw, ContentType: "application/json",
		Requestor: platform.RequestorScript, Session: st.session}
	if st.session == nil {
		req.Session = &platform.Session{}
	}
	ctx := context.WithValue(st.ctx, depthKey{}, st.depth+1)
	return responseData(v.e.p.Handle(ctx, req))
}

// callsRoutine reports whether a resource calls a stored procedure or function, which may
// write even on GET.
func callsRoutine(resource string) bool {
	return strings.HasPrefix(resource, "_proc/") || strings.HasPrefix(resource, "_func/")
}

// splitPath splits "service/resource?query" (a leading "/" or "api/v2/" is tolerated).
func splitPath(path string) (service, resource string, query url.Values) {
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimPrefix(path, "api/v2/")
	query = url.Values{}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		query, _ = url.ParseQuery(path[i+1:])
		path = path[:i]
	}
	service, resource, _ = strings.Cut(path, "/")
	if u, err := url.PathUnescape(resource); err == nil {
		resource = u
	}
	return service, resource, query
}

// responseData is a platform response as scripts see it (DreamFactory's ServiceResponse):
// errors as content.error.
func responseData(resp *platform.Response) map[string]any {
	content := resp.Content
	if resp.Err != nil {
		content = map[string]any{"error": platform.ErrorObject(resp.Err)}
	}
	ct := resp.ContentType
	if ct == "" {
		ct = "application/json"
	}
	return map[string]any{"status_code": resp.Status, "content": content, "content_type": ct,
		"format": 201, "headers": headerObject(resp.Headers)}
}

func errorResult(e *platform.Error) map[string]any {
	return responseData(&platform.Response{Status: e.Status, Err: e})
}
