package scripting

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// enqueue hands a queued script (name "….queued") its event — request, response, resource —
// after the response is final. With a Queue the job is durable; without one it runs in the
// background on this node (bounded: when PoolSize background runs are pending, the run is
// dropped and logged).
func (e *Engine) enqueue(ctx context.Context, s *ent.EventScript, ev *platform.Event) error {
	if d := dryRunOf(ctx); d != nil {
		d.add(map[string]any{"queued": s.Name})
		return nil
	}
	data := eventData(ev, true)
	if e.cfg.Queue != nil {
		if err := e.cfg.Queue.Enqueue(ctx, s.Name, data, ev.Request.Session); err != nil {
			return err
		}
		ev.Record(platform.ScriptRun{Name: s.Name, Outcome: "queued"})
		return nil
	}
	select {
	case e.bgSlots <- struct{}{}:
	default:
		e.log.Warn("queued script dropped: too many background runs pending", "script", s.Name)
		return nil
	}
	ev.Record(platform.ScriptRun{Name: s.Name, Outcome: "queued"})
	sess := ev.Request.Session
	go func() {
		defer func() { <-e.bgSlots }()
		_ = e.RunQueued(context.WithoutCancel(ctx), s.Name, data, sess)
	}()
	return nil
}

// EnqueueService queues a run of a scripted service configured with queued: true
// (platform.ServiceScriptQueuer) as the job "service.{name}" with its request. With a Queue the
// job is durable; without one it runs in the background on this node (bounded: when PoolSize
// background runs are pending, the request is refused with 503).
func (e *Engine) EnqueueService(ctx context.Context, svc platform.ServiceScript, req *platform.Request) error {
	if d := dryRunOf(ctx); d != nil {
		d.add(map[string]any{"queued": serviceJob + svc.Service})
		return nil
	}
	if e.cfg.Queue != nil {
		data := map[string]any{"request": requestData(req), "resource": req.Resource}
		return e.cfg.Queue.Enqueue(ctx, serviceJob+svc.Service, data, req.Session)
	}
	select {
	case e.bgSlots <- struct{}{}:
	default:
		return platform.Errorf(http.StatusServiceUnavailable, "Too many queued script runs are pending (%d); try again later.", cap(e.bgSlots))
	}
	go func() {
		defer func() { <-e.bgSlots }()
		_, _ = e.RunService(context.WithoutCancel(ctx), svc, req)
	}()
	return nil
}

// serviceJob prefixes the job name of a queued scripted service's run.
const serviceJob = "service."

// RunQueued runs the active queued script named name on event data captured when it was
// queued, with the caller's session restored. Its result is ignored; an error (the script
// threw or hit a limit) is returned so that a job queue can retry it. A script deleted or
// deactivated since is skipped. A name "service.{name}" is a queued run of that scripted
// service, with the script it has now.
func (e *Engine) RunQueued(ctx context.Context, name string, data map[string]any, sess *platform.Session) error {
	if svc, ok := strings.CutPrefix(name, serviceJob); ok && !strings.HasSuffix(name, platform.PhaseQueued) {
		return e.runQueuedService(ctx, svc, data, sess)
	}
	s, err := e.p.EventScript(ctx, name)
	if err != nil {
		return err
	}
	if s == nil {
		return nil
	}
	start := time.Now()
	sc := eventScript(s)
	console, err := e.exec(ctx, sc, sess, nil,
		func(v *vm) *goja.Object { return v.eventObject(data) },
		func(*vm, result) error { return nil })
	e.finish(nil, sc.name, "ok", console, err, start)
	return err
}

// runQueuedService runs the scripted service svc on the request captured when it was queued.
// A service deleted, deactivated or no longer scripted since is skipped; a failed run (the
// script threw, hit a limit or answered 5xx) is an error, for a retry.
func (e *Engine) runQueuedService(ctx context.Context, svc string, data map[string]any, sess *platform.Session) error {
	rows, err := e.p.ServiceRows(ctx)
	if err != nil {
		return err
	}
	row := rows[strings.ToLower(svc)]
	if row == nil || !row.IsActive || (row.Type != TypeV8js && row.Type != TypeNodejs) {
		return nil
	}
	content, _ := row.Config["content"].(string)
	opts, _ := row.Config["config"].(map[string]any)
	req := &platform.Request{Method: http.MethodGet, Service: row.Name, Session: sess}
	req.Resource, _ = data["resource"].(string)
	if rq, ok := data["request"].(map[string]any); ok {
		applyRequest(req, rq)
	}
	req.Normalize()
	resp, err := e.RunService(ctx, platform.ServiceScript{Service: row.Name, Type: row.Type, Content: content, Config: opts}, req)
	if err != nil {
		return err
	}
	if resp.Status >= 500 {
		return fmt.Errorf("service %s answered %d", row.Name, resp.Status)
	}
	return nil
}

var _ platform.ServiceScriptQueuer = (*Engine)(nil)
