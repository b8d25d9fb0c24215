package scripting

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

type dryRunKey struct{}

// dryCalls collects what the runs of one dry run did not do. Nested runs (scripts fired by
// the requests the tried script makes) share it through the context.
type dryCalls struct {
	mu    sync.Mutex
	calls []map[string]any
}

// maxDryCalls bounds the list.
const maxDryCalls = 1000

func (d *dryCalls) add(c map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.calls) < maxDryCalls {
		d.calls = append(d.calls, c)
	}
}

func (d *dryCalls) list() []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]map[string]any{}, d.calls...)
}

// dryRunOf is the dry run ctx belongs to, or nil.
func dryRunOf(ctx context.Context) *dryCalls {
	d, _ := ctx.Value(dryRunKey{}).(*dryCalls)
	return d
}

// DryRun runs d once (platform.ScriptDryRunner) as the event d.Event would run it, with the
// caller's session: a .post_process event sees d.Response, any other sees the request only.
// The script's result is applied as the pipeline would apply it; failures of the script are
// part of the result, not an error.
func (e *Engine) DryRun(ctx context.Context, sess *platform.Session, d platform.DryRun) (*platform.DryRunResult, error) {
	if d.Type == "" {
		d.Type = TypeV8js
	}
	if d.Type != TypeV8js && d.Type != TypeNodejs {
		return nil, platform.BadRequest("Script type '%s' is not supported; use v8js or nodejs.", d.Type)
	}
	if strings.TrimSpace(d.Content) == "" {
		return nil, platform.BadRequest("The script's content is required.")
	}
	name := d.Event
	if name == "" {
		name = "dry_run"
	}
	req := &platform.Request{Method: http.MethodGet}
	req.Service, _ = d.Request["service"].(string)
	req.Resource, _ = d.Request["resource"].(string)
	applyRequest(req, d.Request)
	req.Normalize()
	post := strings.HasSuffix(name, platform.PhasePost)
	ev := &platform.Event{Name: name, Base: platform.EventBase(name), Request: req}
	if post {
		ev.Response = responseOf(d.Response)
	}
	calls := &dryCalls{}
	ctx = context.WithValue(ctx, dryRunKey{}, calls)
	sc := script{name: name, typ: d.Type, content: d.Content, config: d.Config, modify: d.Modify}
	out := &platform.DryRunResult{}
	start := time.Now()
	console, err := e.exec(ctx, sc, sess, nil,
		func(v *vm) *goja.Object { return v.eventObject(eventData(ev, post)) },
		func(v *vm, r result) error {
			if !isEmpty(r.ret) {
				out.Return = exported(r.ret)
			}
			res, perr := scriptResult(sc, r)
			if perr != nil || res == nil {
				return perr
			}
			if post {
				applyPost(ev, res)
			} else {
				out.ShortCircuit = applyPre(ev, res)
			}
			return nil
		})
	out.DurationMs = float64(time.Since(start).Microseconds()) / 1000
	out.Console, out.WouldCall = console, calls.list()
	out.Request = requestData(ev.Request)
	if ev.Response != nil {
		out.Response = responseData(ev.Response)
	}
	if err != nil {
		var pe *platform.Error
		if !errors.As(err, &pe) {
			pe = platform.Internal(err)
		}
		out.Err = pe
	}
	return out, nil
}

var _ platform.ScriptDryRunner = (*Engine)(nil)
