package scripting

import (
	"context"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// A server without scripts keeps no runtime; the first run builds its own and the rest of the
// pool in the background, and gives its own back.
func TestPoolBuildsRuntimesOnceScriptsRun(t *testing.T) {
	e := New(Config{PoolSize: 3})
	defer e.Close()
	e.Attach(&platform.Platform{})
	time.Sleep(200 * time.Millisecond) // a runtime builds in about 10 ms
	if n := len(e.pool.idle); n != 0 {
		t.Fatalf("%d runtimes built before any script ran, want none", n)
	}
	var out string
	_, err := e.exec(context.Background(), script{name: "t", typ: "v8js", content: "return 6 * 7;"}, nil, nil,
		func(v *vm) *goja.Object { return v.rt.NewObject() },
		func(v *vm, r result) error { out = r.ret.String(); return nil })
	if err != nil || out != "42" {
		t.Fatalf("run: %q, %v", out, err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(e.pool.idle) < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d idle runtimes after the first run, want the pool's 3", len(e.pool.idle))
		}
	}
}
