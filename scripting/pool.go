package scripting

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/apiary/apiary/platform"
)

// pool bounds how many scripts run at once and keeps hardened runtimes for reuse.
//
// Each nesting level of platform.api has its own slots (PoolSize each): a script waiting on a
// nested call holds its slot while the nested request's scripts take slots of the next level,
// so a full level can never deadlock on itself. A run that finds its level full waits up to
// wait (and never past its context's deadline), then fails with 503 — it never builds an
// extra runtime.
//
// Runtimes are built when scripts run, never before: a server without scripts keeps none (an
// idle runtime holds about 0.7 MiB of live heap, which every garbage collection scans, and
// takes about 10 ms to build). A run that finds no idle runtime builds one and starts building
// the rest of the pool (PoolSize) in the background; runs give theirs back after reset. A
// runtime is dropped, and a new one built in the background, when its run was stopped (time
// or memory budget, a Go panic, a stack overflow), when reset cannot restore its globals, or
// after maxUses runs.
type pool struct {
	e       *Engine
	slots   []chan struct{}
	idle    chan *vm
	wait    time.Duration
	warming atomic.Bool // a warm loop is filling idle
}

// maxUses bounds how many runs a runtime serves, which bounds what can accumulate in it
// outside the global object (the Symbol.for registry, grown internal stacks).
const maxUses = 100000

func newPool(e *Engine, size, levels int, wait time.Duration) *pool {
	p := &pool{e: e, slots: make([]chan struct{}, levels), idle: make(chan *vm, size), wait: wait}
	for i := range p.slots {
		p.slots[i] = make(chan struct{}, size)
	}
	return p
}

// warm builds runtimes in the background until the idle list is full, unless it is doing so
// already.
func (p *pool) warm() {
	if !p.warming.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer p.warming.Store(false)
		for p.refill() {
		}
	}()
}

// refill builds one runtime into the idle list; false when the list is full, the engine has
// closed or the build failed.
func (p *pool) refill() bool {
	select {
	case <-p.e.closed:
		return false
	default:
	}
	if len(p.idle) == cap(p.idle) {
		return false
	}
	v, err := p.e.newVM()
	if err != nil {
		p.e.log.Error("script runtime build failed", "error", err)
		return false
	}
	select {
	case p.idle <- v:
		return true
	default:
		return false
	}
}

// acquire takes a slot of the level and a runtime, idle or newly built.
func (p *pool) acquire(ctx context.Context, level int) (*vm, error) {
	slots := p.slots[p.level(level)]
	select {
	case slots <- struct{}{}:
	default:
		t := time.NewTimer(p.wait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil, platform.Errorf(http.StatusServiceUnavailable,
				"No script runtime became free before the request ended (%d scripts are running).", cap(slots))
		case <-t.C:
			return nil, platform.Errorf(http.StatusServiceUnavailable,
				"All %d script runtimes stayed busy for %s; try again later.", cap(slots), p.wait)
		}
	}
	select {
	case v := <-p.idle:
		return v, nil
	default:
	}
	p.warm() // the runs after this one find theirs built
	v, err := p.e.newVM()
	if err != nil {
		<-slots
		return nil, platform.Errorf(http.StatusInternalServerError, "The script runtime could not be built: %v", err)
	}
	return v, nil
}

// release frees the level's slot and keeps v for the next run when reusable is true and
// reset restores it; otherwise v is dropped and a replacement is built in the background.
func (p *pool) release(level int, v *vm, reusable bool) {
	<-p.slots[p.level(level)]
	if reusable && v.uses < maxUses && v.reset() {
		select {
		case p.idle <- v:
		default:
		}
		return
	}
	p.warm() // a replacement, built by the one warm loop
}

func (p *pool) level(l int) int {
	if l >= len(p.slots) {
		return len(p.slots) - 1
	}
	return l
}
