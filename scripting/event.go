package scripting

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// requestData is event.request in DreamFactory's shape (reference §6.4).
func requestData(req *platform.Request) map[string]any {
	var payload any = map[string]any{}
	if req.Payload != nil {
		payload = req.Payload
	}
	uri := "/api/v2/" + req.Service
	if req.Resource != "" {
		uri += "/" + req.Resource
	}
	return map[string]any{"api_version": "2.0", "method": req.Method, "parameters": queryObject(req.Query),
		"headers": headerObject(req.Header), "payload": payload, "content": string(req.Content),
		"content_type": req.ContentType, "uri": uri, "service": req.Service, "resource": req.Resource}
}

// eventData is the event a script sees: {request, resource} and, after the handler, response.
func eventData(ev *platform.Event, withResponse bool) map[string]any {
	data := map[string]any{"name": ev.Name, "request": requestData(ev.Request), "resource": ev.Resource()}
	if withResponse && ev.Response != nil {
		data["response"] = responseData(ev.Response)
	}
	return data
}

// eventObject builds the event in the runtime, with the nodejs helpers setRequest,
// setResponse and setReturn (built once per runtime; they act on the current run's event).
func (v *vm) eventObject(data map[string]any) *goja.Object {
	ov, _ := lazyJS(v.rt, data)
	o := ov.(*goja.Object)
	v.run.event = o
	h := v.eventHelpers
	if h == nil {
		h = v.newEventHelpers()
	}
	_ = o.Set("setRequest", h[0])
	_ = o.Set("setResponse", h[1])
	_ = o.Set("setReturn", h[2])
	return o
}

// newEventHelpers builds setRequest, setResponse and setReturn for this runtime.
func (v *vm) newEventHelpers() []goja.Value {
	setRequest := func(c goja.FunctionCall) goja.Value {
		_ = v.run.event.Set("request", c.Argument(0))
		return goja.Undefined()
	}
	setResponse := func(c goja.FunctionCall) goja.Value {
		r := v.rt.NewObject()
		_ = r.Set("content", c.Argument(0))
		status := c.Argument(1)
		if goja.IsUndefined(status) {
			status = v.rt.ToValue(http.StatusOK)
		}
		_ = r.Set("status_code", status)
		ct := c.Argument(2)
		if goja.IsUndefined(ct) {
			ct = v.rt.ToValue("application/json")
		}
		_ = r.Set("content_type", ct)
		_ = v.run.event.Set("response", r)
		return goja.Undefined()
	}
	setReturn := func(c goja.FunctionCall) goja.Value {
		v.run.ret = c.Argument(0)
		return goja.Undefined()
	}
	v.eventHelpers = []goja.Value{v.rt.ToValue(setRequest), v.rt.ToValue(setResponse), v.rt.ToValue(setReturn)}
	return v.eventHelpers
}

// runEventScript runs a pre_process or post_process script on ev and applies its result.
func (e *Engine) runEventScript(ctx context.Context, s *ent.EventScript, ev *platform.Event) error {
	sc := eventScript(s)
	post := strings.HasSuffix(ev.Name, platform.PhasePost)
	start := time.Now()
	outcome := "ok"
	console, err := e.exec(ctx, sc, ev.Request.Session, nil,
		func(v *vm) *goja.Object { return v.eventObject(eventData(ev, post)) },
		func(v *vm, r result) error {
			res, perr := scriptResult(sc, r)
			if perr != nil || res == nil {
				return perr
			}
			if post {
				applyPost(ev, res)
			} else if applyPre(ev, res) {
				outcome = "short_circuit"
			}
			return nil
		})
	e.finish(ev, sc.name, outcome, console, err, start)
	if err != nil {
		return err
	}
	return nil
}

// finish records a run on the event and in the log.
func (e *Engine) finish(ev *platform.Event, name, outcome, console string, err error, start time.Time) {
	run := platform.ScriptRun{Name: name, Outcome: outcome, Console: console,
		Duration: float64(time.Since(start).Microseconds()) / 1000}
	if err != nil {
		run.Outcome, run.Error = "error", err.Error()
		e.log.Warn("script failed", "script", name, "err", err.Error())
	}
	if console != "" {
		e.log.Info("script output", "script", name, "output", strings.TrimRight(console, "\n"))
	}
	if ev != nil {
		ev.Record(run)
	}
}

// scriptResult is DreamFactory's reading of a run (reference §6.3): the return value when it
// is not empty, else the (possibly changed) event. A returned error key fails the request
// with 500; a returned scalar is refused. Without allow_event_modification nothing else is
// read: the result is nil.
func scriptResult(s script, r result) (any, error) {
	var res any
	if !isEmpty(r.ret) {
		switch x := exported(r.ret).(type) {
		case map[string]any:
			if e, ok := x["error"]; ok && e != nil && e != false && e != "" {
				return nil, scriptError(s, http.StatusInternalServerError, "%s", messageOf(e))
			}
			res = x
		case []any:
			res = x
		default:
			return nil, scriptError(s, http.StatusInternalServerError, "Script '%s' did not return an array: %s", s.name, r.ret.String())
		}
	}
	if !s.modify {
		return nil, nil
	}
	if res == nil { // what the script changed of the event: all the pipeline reads of it
		ev := map[string]any{}
		for _, k := range []string{"request", "response"} {
			if x := r.event.Get(k); x != nil && !goja.IsUndefined(x) {
				ev[k] = changesOf(x)
			}
		}
		res = ev
	}
	return res, nil
}

// changesOf is what the pipeline takes of event.request or event.response after a run: the
// keys the script assigned or changed inside when it is still the object the script was given
// (values it only read, or deleted, are left as they are, as DreamFactory merges each key), or
// the whole value when the script replaced it.
func changesOf(v goja.Value) any {
	if o, ok := v.Export().(*lazyObject); ok {
		return o.changes()
	}
	return exported(v)
}

// applyPre merges result.request into the request (each key replaces the whole value) and,
// when result.response is not empty, answers the request with it. It reports whether it did.
func applyPre(ev *platform.Event, res any) bool {
	m, _ := res.(map[string]any)
	if rq, ok := m["request"].(map[string]any); ok {
		applyRequest(ev.Request, rq)
	}
	rs, ok := m["response"].(map[string]any)
	if !ok || len(rs) == 0 {
		return false
	}
	resp := &platform.Response{Status: http.StatusOK, Headers: headerValues(rs["headers"])}
	if code, ok := statusOf(rs["status_code"]); ok {
		resp.Status = code
	}
	if c, has := rs["content"]; has {
		resp.Content = c
		resp.ContentType, _ = rs["content_type"].(string)
	} else {
		resp.Content = rs
	}
	ev.Response = resp
	return true
}

// applyRequest sets the request's method, parameters, headers, payload, content and content
// type from those of rq's keys that are present.
func applyRequest(req *platform.Request, rq map[string]any) {
	if m, ok := rq["method"].(string); ok && m != "" {
		req.Method = strings.ToUpper(m)
	}
	if p, ok := rq["parameters"]; ok {
		req.Query = queryValues(p)
	}
	if h, ok := rq["headers"]; ok {
		req.Header = headerValues(h)
	}
	if p, ok := rq["payload"]; ok {
		if m, isMap := p.(map[string]any); !(isMap && len(m) == 0 && req.Payload == nil) {
			req.Payload = p
		}
	}
	if c, ok := rq["content"].(string); ok {
		req.Content = []byte(c)
	}
	if ct, ok := rq["content_type"].(string); ok {
		req.ContentType = ct
	}
}

// applyPost merges the result into the response: result.response, or the result itself when
// it has content or status_code, or else the result as the content. status_code replaces,
// content replaces (and resets the content type), headers are merged.
func applyPost(ev *platform.Event, res any) {
	var r map[string]any
	switch x := res.(type) {
	case map[string]any:
		if m, ok := x["response"].(map[string]any); ok {
			r = m
		} else if _, ok := x["content"]; ok {
			r = x
		} else if _, ok := x["status_code"]; ok {
			r = x
		} else {
			r = map[string]any{"content": x}
		}
	default:
		r = map[string]any{"content": x}
	}
	old := ev.Response
	resp := *old
	if code, ok := statusOf(r["status_code"]); ok {
		resp.Status = code
	}
	if c, has := r["content"]; has && !unchanged(old, c) {
		resp.Err, resp.Content = nil, c
		resp.ContentType, _ = r["content_type"].(string)
	}
	if resp.Err != nil && resp.Status != old.Status {
		errCopy := *resp.Err
		errCopy.Status = resp.Status
		resp.Err = &errCopy
	}
	if h := headerValues(r["headers"]); len(h) > 0 {
		merged := http.Header{}
		for k, vs := range old.Headers {
			merged[k] = vs
		}
		for k, vs := range h {
			merged[k] = vs
		}
		resp.Headers = merged
	}
	ev.Response = &resp
}

// unchanged reports whether a script handed back an error response's or a typed (GraphQL)
// response's content as it received it, so that the typed value or the error is kept.
// Plain content is always taken from the script (cheaper than comparing it).
func unchanged(old *platform.Response, c any) bool {
	var orig any
	switch {
	case old.Err != nil:
		orig = map[string]any{"error": platform.ErrorObject(old.Err)}
	case isPlain(old.Content):
		return false
	default:
		orig = old.Content
	}
	a, err1 := json.Marshal(orig)
	b, err2 := json.Marshal(c)
	if err1 != nil || err2 != nil {
		return false
	}
	var x, y any
	_ = json.Unmarshal(a, &x)
	_ = json.Unmarshal(b, &y)
	return reflect.DeepEqual(x, y)
}

// isPlain reports whether v is JSON-shaped data (what services other than typed GraphQL
// loads answer with).
func isPlain(v any) bool {
	switch v.(type) {
	case nil, map[string]any, []any, []map[string]any, string, bool, int, int64, float64, json.Number:
		return true
	}
	return false
}

func statusOf(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		if x >= 100 && x <= 599 {
			return int(x), true
		}
	case float64:
		if x >= 100 && x <= 599 {
			return int(x), true
		}
	case string:
		var n int
		for _, c := range x {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		if n >= 100 && n <= 599 {
			return n, true
		}
	}
	return 0, false
}
