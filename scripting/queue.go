package scripting

import (
	"context"
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

// RunQueued runs the active queued script named name on event data captured when it was
// queued, with the caller's session restored. Its result is ignored; an error (the script
// threw or hit a limit) is returned so that a job queue can retry it. A script deleted or
// deactivated since is skipped.
func (e *Engine) RunQueued(ctx context.Context, name string, data map[string]any, sess *platform.Session) error {
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
