package graph

import (
	"context"
	"fmt"
	"net/http"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/graph/model"
	"github.com/apiary/apiary/platform"
)

// runScript is POST system/script_run with the input as its body.
func (r *Resolver) runScript(ctx context.Context, in model.RunScriptInput) (*model.ScriptRunResult, error) {
	body := map[string]any{"content": in.Content}
	if in.Type != nil {
		body["type"] = *in.Type
	}
	if in.Event != nil {
		body["event"] = *in.Event
	}
	if in.FromEvent != nil {
		body["from_event"] = *in.FromEvent
	}
	if in.Request != nil {
		body["request"] = in.Request
	}
	if in.Response != nil {
		body["response"] = in.Response
	}
	if in.AllowEventModification != nil {
		body["allow_event_modification"] = *in.AllowEventModification
	}
	if in.Config != nil {
		body["config"] = in.Config
	}
	v, err := r.call(ctx, &platform.Request{Method: http.MethodPost, Service: "system", Resource: "script_run", Payload: body})
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, gqlhttp.GQLError(platform.Internal(fmt.Errorf("script_run: unexpected response %T", v)))
	}
	out := &model.ScriptRunResult{ReturnValue: m["return"], WouldCall: []map[string]any{}}
	out.Event, _ = m["event"].(string)
	out.Request, _ = m["request"].(map[string]any)
	if out.Request == nil {
		out.Request = map[string]any{}
	}
	out.Response, _ = m["response"].(map[string]any)
	out.Console, _ = m["console"].(string)
	out.DurationMs, _ = platform.FloatValue(m["duration_ms"])
	out.ShortCircuit, _ = m["short_circuit"].(bool)
	if calls, ok := m["would_call"].([]map[string]any); ok {
		out.WouldCall = calls
	}
	if e, ok := m["error"].(map[string]any); ok {
		status, _ := platform.IntValue(e["status"])
		code, _ := platform.IntValue(e["code"])
		msg, _ := e["message"].(string)
		out.Error = &model.ScriptRunError{Status: int(status), Code: int(code), Message: msg}
	}
	return out, nil
}
