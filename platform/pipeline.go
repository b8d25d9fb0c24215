package platform

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Handle runs req through the pipeline and always returns a response:
//
//	authenticate → authorize → pre_process → handler → post_process → queued
//
// Events are fired through Config.Scripts for every base name the service reports, templated
// first: "{base}.{verb}.pre_process" for each base, the handler (skipped when a pre_process
// script answered), "{base}.{verb}.post_process" for each base (also after an error), then
// "{base}.{verb}.queued" for each base — under a Unit, only when the unit commits. Handle is
// safe for concurrent use.
func (p *Platform) Handle(ctx context.Context, req *Request) *Response {
	req.Normalize()
	if req.Session == nil {
		s, err := p.authenticate(ctx, req)
		if err != nil {
			return p.failure(req, err)
		}
		req.Session = s
	}
	if req.Service == "" {
		if req.Method != http.MethodGet {
			return p.failure(req, BadRequest("%s requests without a service are not currently supported.", req.Method))
		}
		return p.index(ctx, req)
	}
	if err := p.authorize(req); err != nil {
		return p.failure(req, err)
	}
	row, err := p.serviceRow(ctx, req.Service)
	if err != nil {
		return p.failure(req, err)
	}
	if row == nil {
		return p.failure(req, NotFound("Could not find a service for %s", req.Service))
	}
	if !row.IsActive {
		return p.failure(req, Forbidden("Service %s is deactivated.", row.Name))
	}
	svc, err := p.instance(row)
	if err != nil {
		return p.failure(req, err)
	}
	return p.run(ctx, svc, req)
}

// Resource is event.resource for the event (reference §6.1): the path after the resource
// handler (the request's first segment), or after the table too for a concrete table's {id}
// and {field} events ("db._table.{table_name}.{id}" sees "contact/5", "db._table.contact.{id}"
// sees "5", "db._table.contact" sees "contact"); for a service-level event, the whole path.
// It is computed on demand: most events have no script.
func (ev *Event) Resource() string {
	req, base := ev.Request, ev.Base
	if base == "" {
		return req.Resource
	}
	parts := strings.Split(base, ".")[1:]
	if len(parts) == 0 {
		return req.Resource
	}
	strip := 1
	if len(parts) >= 3 && !strings.HasPrefix(parts[1], "{") {
		strip = 2
	}
	seg := req.Segments()
	if len(seg) <= strip {
		return ""
	}
	return strings.Join(seg[strip:], "/")
}

// run fires the events around the service handler.
func (p *Platform) run(ctx context.Context, svc Service, req *Request) *Response {
	start := time.Now()
	method := req.Method
	bases := svc.Events(req)
	ev := &Event{Request: req}
	var failed error
	for _, b := range bases {
		ev.Name, ev.Base = p.events.of(b, method).pre, b
		if err := p.Config.Scripts.RunEvent(ctx, ev.Name, ev); err != nil {
			failed = err
			break
		}
		if ev.Response != nil {
			break
		}
	}
	// A pre_process script may change the method (DreamFactory merges result.request.method):
	// the new verb is authorized too, so that no script turns a read into a write the caller
	// may not make.
	if failed == nil && ev.Response == nil && req.Method != method {
		failed = p.authorize(req)
	}
	switch {
	case failed != nil:
		ev.Response = ErrorResponse(failed)
	case ev.Response == nil:
		ev.Response = p.call(ctx, svc, req)
	}
	for _, b := range bases {
		ev.Name, ev.Base = p.events.of(b, method).post, b
		if err := p.Config.Scripts.RunEvent(ctx, ev.Name, ev); err != nil {
			ev.Response = ErrorResponse(err)
		}
	}
	if u := UnitFrom(ctx); u != nil { // queued only once the unit's writes are committed
		held := *ev // its request and response no longer change
		u.hold(func() { p.queue(u.ctx, bases, method, &held) })
	} else {
		p.queue(ctx, bases, method, ev)
	}
	if ev.Response.Err != nil {
		p.logError(req, ev.Response.Err)
	}
	p.record(req, bases[len(bases)-1], ev.Response, ev.Runs, time.Since(start))
	return ev.Response
}

// queue fires the queued events of a finished request, templated name first.
func (p *Platform) queue(ctx context.Context, bases []string, method string, ev *Event) {
	for _, b := range bases {
		ev.Name, ev.Base = p.events.of(b, method).queued, b
		if err := p.Config.Scripts.RunEvent(ctx, ev.Name, ev); err != nil {
			p.log.Error("queueing event script", "event", ev.Name, "err", err)
		}
	}
}

// call runs the handler (or the request's Load) and turns failures into error responses.
func (p *Platform) call(ctx context.Context, svc Service, req *Request) (resp *Response) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("handler panic", "service", req.Service, "resource", req.Resource, "panic", r)
			resp = ErrorResponse(Internal(nil))
		}
	}()
	if req.Load != nil {
		v, err := req.Load(ctx, req.Session)
		if err != nil {
			return ErrorResponse(err)
		}
		return OK(v)
	}
	resp, err := svc.Handle(ctx, req)
	if err != nil {
		return ErrorResponse(err)
	}
	if resp == nil {
		return OK(nil)
	}
	return resp
}

func (p *Platform) failure(req *Request, err error) *Response {
	resp := ErrorResponse(err)
	p.logError(req, resp.Err)
	return resp
}

func (p *Platform) logError(req *Request, e *Error) {
	if e.Status >= 500 {
		p.log.Error("request failed", "method", req.Method, "service", req.Service, "resource", req.Resource,
			"status", e.Status, "err", e.Error())
	}
}

// index answers GET /api/v2: the services the caller may reach and every service type.
func (p *Platform) index(ctx context.Context, req *Request) *Response {
	rows, err := p.serviceRows(ctx)
	if err != nil {
		return p.failure(req, err)
	}
	services := []map[string]any{}
	for _, s := range rows {
		if !s.IsActive || !req.Session.CanReach(s.Name, req.Requestor) {
			continue
		}
		services = append(services, map[string]any{"id": s.ID, "name": s.Name, "label": s.Label,
			"description": s.Description, "type": s.Type})
	}
	sort.Slice(services, func(i, j int) bool { return services[i]["name"].(string) < services[j]["name"].(string) })
	types := []map[string]any{}
	for _, t := range p.ServiceTypes() {
		types = append(types, map[string]any{"name": t.Name, "label": t.Label, "group": t.Group, "description": t.Description})
	}
	return OK(map[string]any{"services": services, "service_types": types})
}
