package scripting

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// vm is one runtime with Apiary's globals installed, hardened (see harden) and reused by
// one run at a time.
type vm struct {
	e        *Engine
	rt       *goja.Runtime
	platform *goja.Object // the platform object (frozen; platform.session reads the current run's)
	run      *runState
	modules  map[string]goja.Value // require() results of this run
	uses     int                   // runs so far

	// Shared by every run on this runtime, frozen: platform.api, platform.config, platform.store.
	apiObj, config, store goja.Value
	// Natives made once per runtime (frozen by harden): the event's nodejs helpers and the
	// getter of platform.session.
	eventHelpers []goja.Value
	sessionGet   goja.Value

	base    *goja.Object // the frozen global object every run's global object inherits from
	symbols int          // Symbol.for registrations so far
}

// newVM builds a runtime: the call-stack cap, the size-checked built-ins, and the globals
// DreamFactory's engines give scripts — print, var_dump, console, sleep, require, DSP and the
// platform object (api, config, store, and session, which shows the current run's) — then
// hardens it.
func (e *Engine) newVM() (*vm, error) {
	rt := goja.New()
	rt.SetMaxCallStackSize(e.cfg.MaxCallStack)
	v := &vm{e: e, rt: rt}
	limitBuiltins(rt, e.cfg.MaxString)
	g := rt.GlobalObject()
	_ = g.Set("print", v.print)
	_ = g.Set("var_dump", v.varDump)
	console := rt.NewObject()
	for _, level := range []string{"log", "info", "warn", "error", "debug"} {
		_ = console.Set(level, v.print)
	}
	_ = g.Set("console", console)
	_ = g.Set("sleep", v.sleep)
	_ = g.Set("require", v.require)
	api := rt.NewObject()
	for _, verb := range []string{"get", "post", "put", "patch", "delete"} {
		_ = api.Set(verb, v.apiVerb(strings.ToUpper(verb)))
	}
	_ = api.Set("call", v.apiCall)
	v.apiObj, v.config, v.store = api, toJS(rt, e.platformConfig()), v.storeObject()
	v.countSymbolFor()
	v.sessionGet = rt.ToValue(func(goja.FunctionCall) goja.Value {
		if v.run.sessionObj == nil {
			v.run.sessionObj = toJS(rt, sessionData(v.run.session))
		}
		return v.run.sessionObj
	})
	v.platform = rt.NewObject()
	_ = v.platform.Set("api", v.apiObj)
	_ = v.platform.Set("config", v.config)
	_ = v.platform.Set("store", v.store)
	_ = v.platform.DefineAccessorProperty("session", v.sessionGet, nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	dsp := rt.NewObject()
	_ = dsp.Set("platform", v.platform)
	_ = g.Set("platform", v.platform)
	_ = g.Set("DSP", dsp)
	if err := v.harden(append([]goja.Value{v.sessionGet}, v.newEventHelpers()...)...); err != nil {
		return nil, err
	}
	return v, nil
}

// begin binds the runtime to a run: a new global object, and the run whose session
// platform.session shows.
func (v *vm) begin(st *runState) {
	v.run = st
	v.uses++
	v.newGlobal()
}

// print writes its arguments to the run's console, space-separated, one line.
func (v *vm) print(call goja.FunctionCall) goja.Value {
	parts := make([]string, len(call.Arguments))
	for i, a := range call.Arguments {
		parts[i] = display(a)
	}
	v.run.console.WriteLine(strings.Join(parts, " "))
	return goja.Undefined()
}

// varDump writes each argument as JSON (PHP's var_dump, approximately).
func (v *vm) varDump(call goja.FunctionCall) goja.Value {
	for _, a := range call.Arguments {
		b, err := json.MarshalIndent(exported(a), "", "  ")
		if err != nil {
			v.run.console.WriteLine(a.String())
			continue
		}
		v.run.console.WriteLine(string(b))
	}
	return goja.Undefined()
}

// sleep(seconds) waits, but never past the run's budget.
func (v *vm) sleep(call goja.FunctionCall) goja.Value {
	d := time.Duration(call.Argument(0).ToFloat() * float64(time.Second))
	if d <= 0 {
		return goja.Undefined()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-v.run.ctx.Done():
	}
	return goja.Undefined()
}

// display is how print and console.log show a value: strings as they are, objects as JSON.
func display(a goja.Value) string {
	if o, ok := a.(*goja.Object); ok && o.ClassName() != "Function" && o.ClassName() != "Error" {
		if b, err := json.Marshal(exported(a)); err == nil {
			return string(b)
		}
	}
	return a.String()
}

// boundedBuffer keeps at most max bytes of console output and notes what it dropped.
type boundedBuffer struct {
	b       strings.Builder
	max     int
	dropped int
}

func newBoundedBuffer(max int) *boundedBuffer { return &boundedBuffer{max: max} }

// WriteLine appends one line.
func (b *boundedBuffer) WriteLine(s string) {
	if b.b.Len()+len(s)+1 > b.max {
		b.dropped += len(s) + 1
		return
	}
	b.b.WriteString(s)
	b.b.WriteByte('\n')
}

func (b *boundedBuffer) String() string {
	if b.dropped > 0 {
		return b.b.String() + fmt.Sprintf("…(%d more bytes of output dropped)\n", b.dropped)
	}
	return b.b.String()
}
