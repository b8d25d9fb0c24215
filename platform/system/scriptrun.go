package system

import (
	"context"
	"net/http"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// scriptRun is POST /system/script_run (an Apiary extension; runScript on /graphql): a dry run
// of a script that is not saved. The body:
//
//	{"type": "v8js"|"nodejs", "content": "…", "event": "db._table.contact.get.pre_process",
//	 "from_event": 12, "request": {method, service, resource, parameters, headers, payload},
//	 "response": {status_code, content}, "allow_event_modification": true, "config": {…}}
//
// from_event starts from a journaled event (system/event_journal): its request, response and
// (unless event is given) its pre_process event name; request and response keys given in the
// body replace the journaled ones. The reply is the run's outcome: request and response as
// the pipeline would continue with them, return, console, error, duration_ms,
// short_circuit and would_call (the writes not made).
func (s *System) scriptRun(ctx context.Context, req *platform.Request, key string) (*platform.Response, error) {
	if req.Method != http.MethodPost || key != "" {
		path := strings.TrimSuffix("script_run/"+key, "/")
		return nil, platform.BadRequest("%s requests for resource '%s' are not currently supported by the 'system' service.", req.Method, path)
	}
	runner, ok := s.p.Config.Scripts.(platform.ScriptDryRunner)
	if !ok {
		return nil, platform.Errorf(http.StatusServiceUnavailable, "Scripts cannot run: this server has no script engine.")
	}
	body, err := platform.Record(req.Payload)
	if err != nil {
		return nil, err
	}
	d := platform.DryRun{Modify: true, Request: map[string]any{}}
	for field, dst := range map[string]*string{"type": &d.Type, "content": &d.Content, "event": &d.Event} {
		if v, has := body[field]; has && v != nil {
			str, ok := v.(string)
			if !ok {
				return nil, platform.BadRequest("'%s' must be a string.", field)
			}
			*dst = str
		}
	}
	if v, has := body["allow_event_modification"]; has {
		b, ok := platform.BoolValue(v)
		if !ok {
			return nil, platform.BadRequest("'allow_event_modification' must be true or false.")
		}
		d.Modify = b
	}
	if d.Config, err = objectField(body, "config"); err != nil {
		return nil, err
	}
	if v, has := body["from_event"]; has && v != nil {
		if err := s.fromJournal(ctx, &d, v); err != nil {
			return nil, err
		}
	}
	reqOver, err := objectField(body, "request")
	if err != nil {
		return nil, err
	}
	for k, v := range reqOver {
		d.Request[k] = v
	}
	if respOver, err := objectField(body, "response"); err != nil {
		return nil, err
	} else if respOver != nil {
		if d.Response == nil {
			d.Response = map[string]any{}
		}
		for k, v := range respOver {
			d.Response[k] = v
		}
	}
	res, err := runner.DryRun(ctx, req.Session, d)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"event": d.Event, "request": res.Request, "response": res.Response, "return": res.Return,
		"console": res.Console, "error": nil, "duration_ms": res.DurationMs, "short_circuit": res.ShortCircuit,
		"would_call": res.WouldCall}
	if res.Err != nil {
		out["error"] = map[string]any{"code": res.Err.Code, "status": res.Err.Status, "message": res.Err.Message}
	}
	return platform.OK(out), nil
}

// fromJournal starts d from the journaled event id.
func (s *System) fromJournal(ctx context.Context, d *platform.DryRun, id any) error {
	n, ok := platform.IntValue(id)
	if !ok {
		return platform.BadRequest("'from_event' must be the id of an event_journal entry.")
	}
	e, err := s.p.Client.Event.Get(ctx, int(n))
	if ent.IsNotFound(err) {
		return platform.NotFound("Record with identifier '%d' not found.", n)
	}
	if err != nil {
		return platform.Internal(err)
	}
	for k, v := range e.Request {
		d.Request[k] = v
	}
	d.Request["service"], d.Request["resource"] = e.Service, e.Resource
	if e.Response != nil {
		d.Response = map[string]any{}
		for k, v := range e.Response {
			d.Response[k] = v
		}
	}
	if d.Event == "" {
		d.Event = e.Name + platform.PhasePre
	}
	return nil
}

// objectField reads an optional JSON object field of a body.
func objectField(body map[string]any, field string) (map[string]any, error) {
	v, has := body[field]
	if !has || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, platform.BadRequest("'%s' must be an object.", field)
	}
	return m, nil
}
