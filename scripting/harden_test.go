package scripting

import (
	"context"
	"fmt"
	"testing"

	"github.com/dop251/goja"
)

// hardened returns a runtime as the pool hands it out.
func hardened(t *testing.T) *vm {
	t.Helper()
	e := New(Config{})
	t.Cleanup(e.Close)
	v, err := e.newVM()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestHardenFreezesIntrinsics(t *testing.T) {
	v := hardened(t)
	got, err := v.rt.RunString(`[
		Object.isFrozen(Object.prototype), Object.isFrozen(Array.prototype.map),
		Object.isFrozen(String.prototype), Object.isFrozen(JSON), Object.isFrozen(Math),
		Object.isFrozen(Object.getPrototypeOf([][Symbol.iterator]())),
		Object.isFrozen(Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))),
		Object.isFrozen(Object.getPrototypeOf(function* () {})),
		Object.isFrozen(Object.getPrototypeOf(Int8Array).prototype),
		Object.isFrozen(console), Object.isFrozen(require), Object.isFrozen(globalThis),
	].join()`)
	if err != nil {
		t.Fatal(err)
	}
	want := "true,true,true,true,true,true,true,true,true,true,true,true"
	if got.String() != want {
		t.Fatalf("frozen flags = %s, want %s", got, want)
	}
}

func TestHardenKeepsOverridesWorking(t *testing.T) {
	v := hardened(t)
	got, err := v.rt.RunString(`(function () {
		'use strict';
		function Point() {}
		Point.prototype = {x: 1};
		Point.prototype.constructor = Point;
		function MyError(m) { this.message = m; }
		MyError.prototype = Object.create(Error.prototype);
		MyError.prototype.name = 'MyError';
		MyError.prototype.constructor = MyError;
		var o = {}; o.toString = function () { return 'mine'; };
		var threw = false;
		try { Object.prototype.toString = null; } catch (e) { threw = e instanceof TypeError; }
		return [new Point().constructor === Point, String(new MyError('m')), String(o), threw,
			typeof Object.prototype.toString, ({}).toString()].join();
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "true,MyError: m,mine,true,function,[object Object]"; got.String() != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestRunsSeeNothingOfEarlierRuns runs a polluting script and then a probe on the same
// runtime (a pool of one) and checks that the probe sees a pristine environment.
func TestRunsSeeNothingOfEarlierRuns(t *testing.T) {
	polluters := []string{
		`leaked = 1; this.other = 2; toString = 3;`,
		`Object.defineProperty(globalThis, 'leaked', {value: 1});`,
		`globalThis[Symbol.for('x')] = 1; globalThis[Symbol.iterator] = 2;`,
		`Object.setPrototypeOf(globalThis, {leaked: 1});`,
		`Object.preventExtensions(globalThis);`,
		`Object.getPrototypeOf(globalThis).leaked = 1; JSON = null; platform.api = null; DSP.x = 1;`,
		`Object.prototype.leaked = 1; Array.prototype.push = null; JSON.parse = null;`,
		`(0, eval)('var leaked = 1; function other() {}'); (0, eval)('let toString = 1');`,
		`Function('return this')().leaked = 1; console.log = null; require.cache = {};`,
	}
	const probe = `return [typeof leaked, typeof other, toString === Object.prototype.toString,
		globalThis[Symbol.for('x')], Object.isExtensible(globalThis), typeof JSON.parse,
		typeof platform.api.get, typeof DSP.x, typeof [].push, ({}).leaked, typeof console.log,
		globalThis[Symbol.iterator]].join();`
	const want = "undefined,undefined,true,,true,function,function,undefined,function,,function,"
	for _, src := range polluters {
		e := New(Config{PoolSize: 1})
		e.pool.refill() // the one runtime of the pool, built before the runs

		var runtimes []*vm
		run := func(content string) string {
			var out string
			_, err := e.exec(context.Background(), script{name: "t", typ: "v8js", content: content}, nil, nil,
				func(v *vm) *goja.Object { runtimes = append(runtimes, v); return v.rt.NewObject() },
				func(v *vm, r result) error { out = r.ret.String(); return nil })
			if err != nil {
				t.Fatalf("%s: %v", content, err)
			}
			return out
		}
		run(src)
		if got := run(probe); got != want {
			t.Errorf("after %s\nprobe saw %s\nwant      %s", src, got, want)
		}
		if runtimes[0] != runtimes[1] {
			t.Errorf("after %s the runtime was not reused", src)
		}
		e.Close()
	}
}

func TestHardenFreezesApiaryNatives(t *testing.T) {
	v := hardened(t)
	isFrozen, _ := goja.AssertFunction(v.rt.Get("Object").ToObject(v.rt).Get("isFrozen"))
	for i, o := range append([]goja.Value{v.apiObj, v.config, v.store, v.sessionGet}, v.eventHelpers...) {
		got, err := isFrozen(goja.Undefined(), o)
		if err != nil || !got.ToBoolean() {
			t.Errorf("shared native %d is not frozen (%v)", i, err)
		}
	}
}

// TestWrapperCannotBeClosedEarly: a script body that closes its function and declares
// top-level bindings (which would live in the reused runtime's global scope) is refused.
func TestWrapperCannotBeClosedEarly(t *testing.T) {
	for _, body := range []string{
		`}); let JSON = {stringify: function () { return "pwned"; }}; (function () { return 1;`,
		`}); var x = 1; (function () {`,
		`})(); (function () {`,
	} {
		if _, err := compileWrapped("t", "event, platform, _event", body); err == nil {
			t.Errorf("accepted: %s", body)
		}
	}
	if _, err := compileWrapped("t", "event, platform, _event", "return 1; // a comment"); err != nil {
		t.Errorf("a plain body: %v", err)
	}
}

// TestNoJobsLeakIntoTheNextRun: a promise job queued by a getter that the engine reads after
// the script returned runs within the same run, not in the next one.
func TestNoJobsLeakIntoTheNextRun(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	e.pool.refill()
	run := func(content string) string {
		var out string
		_, err := e.exec(context.Background(), script{name: "t", typ: "v8js", content: content}, nil, nil,
			func(v *vm) *goja.Object { return v.rt.NewObject() },
			func(v *vm, r result) error { out = fmt.Sprint(exported(r.ret)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	run(`return {get x() { Promise.resolve().then(function () { platform.store.set("leaked", 1); globalThis.mark = 1; }); return 1; }};`)
	if got := run(`return {mark: typeof mark};`); got != "map[mark:undefined]" {
		t.Errorf("the next run saw %s", got)
	}
}

// TestTimedOutRunsAreNotWatchedForever: the heap watchdog forgets runs stopped by their time
// budget.
func TestTimedOutRunsAreNotWatchedForever(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	for range 3 {
		_, err := e.exec(context.Background(), script{name: "t", typ: "v8js", content: `while (true) {}`,
			config: map[string]any{"timeout_ms": float64(20)}}, nil, nil,
			func(v *vm) *goja.Object { return v.rt.NewObject() },
			func(*vm, result) error { return nil })
		if err == nil {
			t.Fatal("an endless loop ended")
		}
	}
	e.watch.mu.Lock()
	n := len(e.watch.runs)
	e.watch.mu.Unlock()
	if n != 0 {
		t.Errorf("%d finished runs are still watched", n)
	}
}
