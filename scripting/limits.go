package scripting

import (
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// limitBuiltins replaces the built-ins that can build a huge string or array in one call —
// where Interrupt cannot reach and the process would die of an out-of-memory error — with
// versions that first check the size they would create against max (characters or
// elements) and throw a RangeError instead.
func limitBuiltins(rt *goja.Runtime, max int) {
	limit := float64(max)
	str := rt.Get("String").ToObject(rt).Get("prototype").ToObject(rt)
	arr := rt.Get("Array").ToObject(rt)
	arrProto := arr.Get("prototype").ToObject(rt)
	thisLen := func(c goja.FunctionCall) float64 { return float64(len(c.This.String())) }
	lengthOf := func(v goja.Value) float64 {
		o, ok := v.(*goja.Object)
		if !ok {
			return 0
		}
		return o.Get("length").ToFloat()
	}
	guard(rt, str, "repeat", func(c goja.FunctionCall) float64 { return thisLen(c) * c.Argument(0).ToFloat() }, limit)
	guard(rt, str, "padStart", func(c goja.FunctionCall) float64 { return c.Argument(0).ToFloat() }, limit)
	guard(rt, str, "padEnd", func(c goja.FunctionCall) float64 { return c.Argument(0).ToFloat() }, limit)
	guard(rt, arrProto, "fill", func(c goja.FunctionCall) float64 { return lengthOf(c.This) }, limit)
	guard(rt, arrProto, "join", func(c goja.FunctionCall) float64 {
		n := lengthOf(c.This)
		sep := 1.0
		if a := c.Argument(0); !goja.IsUndefined(a) {
			sep = float64(len(a.String()))
		}
		return n * math.Max(sep, 1)
	}, limit)
	guard(rt, arr, "from", func(c goja.FunctionCall) float64 { return lengthOf(c.Argument(0)) }, limit)
}

// guard wraps obj[name] so that a call whose size estimate exceeds limit throws a RangeError.
func guard(rt *goja.Runtime, obj *goja.Object, name string, size func(goja.FunctionCall) float64, limit float64) {
	orig, ok := goja.AssertFunction(obj.Get(name))
	if !ok {
		return
	}
	rangeError, _ := goja.AssertConstructor(rt.Get("RangeError"))
	fn := func(c goja.FunctionCall) goja.Value {
		if n := size(c); n > limit || math.IsInf(n, 0) {
			e, err := rangeError(nil, rt.ToValue(fmt.Sprintf("%s would create %.0f characters or elements; the limit is %.0f", name, n, limit)))
			if err != nil {
				panic(err)
			}
			panic(e)
		}
		v, err := orig(c.This, c.Arguments...)
		if err != nil {
			if ex, ok := err.(*goja.Exception); ok {
				panic(ex.Value())
			}
			panic(err)
		}
		return v
	}
	_ = obj.DefineDataProperty(name, rt.ToValue(fn), goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE)
}

// watchdog interrupts runs that grow the process heap by more than their budget. It samples
// runtime/metrics (never ReadMemStats, which stops the world) every watchInterval while runs
// are active. The heap is shared, so the check is conservative: before interrupting, it forces
// a collection (at most once per forcedGCGap) so that garbage does not count, and every run
// still over its budget is stopped.
type watchdog struct {
	budget  uint64
	mu      sync.Mutex
	runs    map[*watched]struct{}
	wake    chan struct{}
	quit    chan struct{}
	lastGC  time.Time
	started bool
}

type watched struct {
	rt    *goja.Runtime
	base  uint64
	fired bool // the run was interrupted
}

const (
	watchInterval = 5 * time.Millisecond
	forcedGCGap   = 50 * time.Millisecond
	heapMetric    = "/memory/classes/heap/objects:bytes"
)

func newWatchdog(budget uint64) *watchdog {
	return &watchdog{budget: budget, runs: map[*watched]struct{}{}, wake: make(chan struct{}, 1), quit: make(chan struct{})}
}

func heapBytes() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// add watches a run from now on.
func (w *watchdog) add(rt *goja.Runtime) *watched {
	r := &watched{rt: rt, base: heapBytes()}
	w.mu.Lock()
	w.runs[r] = struct{}{}
	if !w.started {
		w.started = true
		go w.loop()
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return r
}

// remove stops watching a run and reports whether the watchdog interrupted it.
func (w *watchdog) remove(r *watched) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.runs, r)
	return r.fired
}

func (w *watchdog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.started {
		close(w.quit)
		w.started = false
	}
}

func (w *watchdog) loop() {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		w.mu.Lock()
		idle := len(w.runs) == 0
		w.mu.Unlock()
		if idle {
			select {
			case <-w.wake:
			case <-w.quit:
				return
			}
		}
		select {
		case <-t.C:
			w.check()
		case <-w.quit:
			return
		}
	}
}

// over reports whether the heap exceeds the allowance of any run; with stop, it interrupts
// every such run (under the lock, so that remove knows).
func (w *watchdog) over(heap uint64, stop bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	found := false
	for r := range w.runs {
		if heap > r.base+w.budget {
			found = true
			if stop {
				r.rt.Interrupt(errMemory)
				r.fired = true
			}
		}
	}
	return found
}

func (w *watchdog) check() {
	if !w.over(heapBytes(), false) {
		return
	}
	if time.Since(w.lastGC) < forcedGCGap {
		return
	}
	runtime.GC()
	w.lastGC = time.Now()
	w.over(heapBytes(), true)
}
