package scripting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// Causes of an interrupted run.
var (
	errTimeout = errors.New("time budget exceeded")
	errMemory  = errors.New("memory budget exceeded")
)

type depthKey struct{}

// depthOf is how many platform.api calls deep ctx is (0 for a client's request).
func depthOf(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

// runState is one run: what its runtime's native functions (platform.api, console, require)
// need to know about it.
type runState struct {
	ctx     context.Context // ends when the run's budget does
	s       script
	session *platform.Session
	depth   int
	console *boundedBuffer
	// event is the run's event object; ret is what a nodejs script passed to event.setReturn.
	event *goja.Object
	ret   goja.Value
	// sessionObj is platform.session, built when the script first reads it.
	sessionObj goja.Value
	// dry, during a dry run, lists the writes this run does not make (see DryRun).
	dry *dryCalls
}

// result is what a finished run left: its return value (or setReturn's) and its event object.
type result struct {
	ret   goja.Value
	event *goja.Object
}

// exec runs s on a pooled runtime: build makes the event object, then the script's function
// is called with (event, platform, event); after reads the outcome while the runtime is still
// held. It returns the run's console output and the failure, if any, as a *platform.Error.
// The runtime goes back to the pool only after a run that ended normally or by a thrown
// exception and that no interrupt reached.
func (e *Engine) exec(ctx context.Context, s script, sess *platform.Session, st *runState,
	build func(*vm) *goja.Object, after func(*vm, result) error) (console string, err error) {
	select {
	case <-e.closed:
		return "", platform.Errorf(http.StatusServiceUnavailable, "%s", errEngineClosed.Error())
	default:
	}
	prog, err := e.programs.get(s)
	if err != nil {
		return "", scriptFailure(s, err, 0)
	}
	depth := depthOf(ctx)
	v, err := e.pool.acquire(ctx, depth)
	if err != nil {
		return "", err
	}
	reusable := false
	defer func() { e.pool.release(depth, v, reusable) }()
	budget := e.budget(s)
	runCtx, cancel := context.WithTimeoutCause(ctx, budget, errTimeout)
	defer cancel()
	if st == nil {
		st = &runState{}
	}
	st.ctx, st.s, st.session, st.depth, st.dry = runCtx, s, sess, depth, dryRunOf(ctx)
	st.console = newBoundedBuffer(e.cfg.MaxConsole)
	v.begin(st)
	defer func() { console = st.console.String() }()
	stop := context.AfterFunc(runCtx, func() { v.rt.Interrupt(context.Cause(runCtx)) })
	w := e.watch.add(v.rt)
	defer func() {
		// An interrupt that fired, even after the script returned, stays pending in the runtime.
		stopped := stop()
		if fired := e.watch.remove(w); !stopped || fired {
			reusable = false
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			reusable = false
			e.log.Error("script panic", "script", s.name, "panic", r)
			err = scriptError(s, http.StatusInternalServerError, "Script '%s' failed: the engine hit an internal error (%v).", s.name, r)
		}
	}()
	ev := build(v)
	fnv, err := v.rt.RunProgram(prog)
	if err != nil {
		return "", scriptFailure(s, err, budget)
	}
	fn, ok := goja.AssertFunction(fnv)
	if !ok {
		return "", scriptError(s, http.StatusInternalServerError, "Script '%s' did not compile to a function.", s.name)
	}
	ret, err := fn(goja.Undefined(), ev, v.platform, ev)
	if err != nil {
		_, thrown := err.(*goja.Exception)
		failure := scriptFailure(s, err, budget) // may run the thrown object's getters
		reusable = thrown && v.drain()
		return "", failure
	}
	if st.ret != nil {
		ret = st.ret
	}
	err = after(v, result{ret: ret, event: ev}) // may run getters of what the script returned
	reusable = v.drain()
	return "", err
}

// noop runs the runtime's job queue (see drain).
var noop = goja.MustCompile("noop.js", "", false)

// drain runs, still within the run's budget and with its session, the promise jobs that code
// called after the script returned (getters read by export or error mapping) may have queued,
// so that none is left to run in the next run on this runtime. It reports whether the runtime
// can be reused.
func (v *vm) drain() bool {
	_, err := v.rt.RunProgram(noop)
	return err == nil
}

// scriptError is a script failure with a status and a message for the client.
func scriptError(s script, status int, format string, args ...any) *platform.Error {
	return &platform.Error{Status: status, Code: status, Message: fmt.Sprintf(format, args...)}
}

// scriptFailure turns what a run threw or why it stopped into the client's error:
// throw "msg" and throw new Error("msg") → 500 "msg" (DreamFactory's behaviour); a thrown
// object with a status_code → that status (4xx or 5xx) with its message or error; engine
// errors (TypeError, ReferenceError, …) → 500 with their name and position; a stopped run →
// 500 (504 for the time budget) saying which limit it hit.
func scriptFailure(s script, err error, budget time.Duration) *platform.Error {
	var syntax *goja.CompilerSyntaxError
	var interrupted *goja.InterruptedError
	var thrown *goja.Exception
	var overflow *goja.StackOverflowError
	switch {
	case errors.As(err, &syntax):
		return scriptError(s, http.StatusInternalServerError, "Script '%s' has a syntax error: %s", s.name, syntax.Error())
	case errors.As(err, &interrupted):
		switch cause, _ := interrupted.Value().(error); {
		case errors.Is(cause, errTimeout):
			return scriptError(s, http.StatusGatewayTimeout, "Script '%s' exceeded its time budget of %d ms and was stopped.", s.name, budget.Milliseconds())
		case errors.Is(cause, errMemory):
			return scriptError(s, http.StatusInternalServerError, "Script '%s' exceeded its memory budget and was stopped.", s.name)
		default:
			return scriptError(s, http.StatusInternalServerError, "Script '%s' was stopped: the request ended.", s.name)
		}
	case errors.As(err, &overflow):
		return scriptError(s, http.StatusInternalServerError, "Script '%s' exceeded the maximum call stack size.", s.name)
	case errors.As(err, &thrown):
		return thrownError(s, thrown)
	}
	return scriptError(s, http.StatusInternalServerError, "Script '%s' failed: %s", s.name, err.Error())
}

// thrownError reads a thrown JavaScript value.
func thrownError(s script, ex *goja.Exception) *platform.Error {
	v := ex.Value()
	obj, isObj := v.(*goja.Object)
	if !isObj {
		return scriptError(s, http.StatusInternalServerError, "%s", v.String())
	}
	if code := obj.Get("status_code"); code != nil && !goja.IsUndefined(code) {
		status := int(code.ToInteger())
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		return scriptError(s, status, "%s", messageOf(exported(obj)))
	}
	name, msg := obj.Get("name"), obj.Get("message")
	if msg == nil || goja.IsUndefined(msg) {
		return scriptError(s, http.StatusInternalServerError, "%s", messageOf(exported(obj)))
	}
	if name == nil || name.String() == "Error" || name.String() == "GoError" {
		return scriptError(s, http.StatusInternalServerError, "%s", msg.String())
	}
	at := ""
	for _, f := range ex.Stack() {
		if p := f.Position(); p.Line > 0 {
			at = fmt.Sprintf(" (line %d, column %d)", p.Line, p.Column)
			break
		}
	}
	return scriptError(s, http.StatusInternalServerError, "Script '%s' failed: %s: %s%s", s.name, name.String(), msg.String(), at)
}

// messageOf finds the message of a thrown or returned error value: a string, {message},
// {error: "…"} or {error: {message}}.
func messageOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if m, ok := x["message"].(string); ok {
			return m
		}
		if e, ok := x["error"]; ok {
			return messageOf(e)
		}
	}
	if v == nil {
		return "Script error."
	}
	return strings.TrimSpace(scalarString(v))
}
