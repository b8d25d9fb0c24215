package scripting

import (
	"context"
	"net/http"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// RunService runs a scripted service's script for req (platform.ServiceScriptRunner), with
// event = {request, response: {content: null, content_type: null, status_code: 200},
// resource: the path after the service}. The answer (reference §6.5): a returned object or
// array without content is the 200 body; a returned object with content is the response;
// otherwise event.response (status_code default 200); nothing set is 200 with a null body.
func (e *Engine) RunService(ctx context.Context, svc platform.ServiceScript, req *platform.Request) (*platform.Response, error) {
	sc := script{name: "service." + svc.Service, typ: svc.Type, content: svc.Content, config: svc.Config, modify: true}
	data := map[string]any{"request": requestData(req), "resource": req.Resource,
		"response": map[string]any{"content": nil, "content_type": nil, "status_code": http.StatusOK}}
	start := time.Now()
	var resp *platform.Response
	console, err := e.exec(ctx, sc, req.Session, nil,
		func(v *vm) *goja.Object { return v.eventObject(data) },
		func(v *vm, r result) error {
			if !isEmpty(r.ret) {
				x := exported(r.ret)
				if m, ok := x.(map[string]any); ok {
					if _, has := m["content"]; has {
						resp = responseOf(m)
						return nil
					}
				}
				resp = platform.OK(x)
				return nil
			}
			m, _ := exported(r.event.Get("response")).(map[string]any)
			resp = responseOf(m)
			return nil
		})
	e.finish(nil, sc.name, "ok", console, err, start)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// responseOf reads {content, content_type, status_code, headers}.
func responseOf(m map[string]any) *platform.Response {
	resp := &platform.Response{Status: http.StatusOK, Content: m["content"], Headers: headerValues(m["headers"])}
	if code, ok := statusOf(m["status_code"]); ok {
		resp.Status = code
	}
	resp.ContentType, _ = m["content_type"].(string)
	return resp
}

// Interface guards.
var (
	_ platform.ScriptRunner        = (*Engine)(nil)
	_ platform.ServiceScriptRunner = (*Engine)(nil)
)
