package scripting

import (
	"context"
	"net/http"
	"time"

	"github.com/apiary/apiary/platform"
)

// pool bounds how many scripts run at once and hands out fresh runtimes.
//
// Each nesting level of platform.api has its own slots (PoolSize each): a script waiting on a
// nested call holds its slot while the nested request's scripts take slots of the next level,
// so a full level can never deadlock on itself. A run that finds its level full waits up to
// wait (and never past its context's deadline), then fails with 503 — it never builds an
// extra runtime. Runtimes are used once: a builder goroutine keeps up to size of them ready,
// so a run normally starts on a pre-built runtime and nothing one run leaves behind (globals,
// changed prototypes) reaches another.
type pool struct {
	e     *Engine
	slots []chan struct{}
	ready chan *vm
	wait  time.Duration
}

func newPool(e *Engine, size, levels int, wait time.Duration) *pool {
	p := &pool{e: e, slots: make([]chan struct{}, levels), ready: make(chan *vm, size), wait: wait}
	for i := range p.slots {
		p.slots[i] = make(chan struct{}, size)
	}
	go p.build()
	return p
}

// build keeps the ready channel full until the engine closes.
func (p *pool) build() {
	for {
		v := p.e.newVM()
		select {
		case p.ready <- v:
		case <-p.e.closed:
			return
		}
	}
}

// acquire takes a slot of the level and a fresh runtime.
func (p *pool) acquire(ctx context.Context, level int) (*vm, error) {
	if level >= len(p.slots) {
		level = len(p.slots) - 1
	}
	slots := p.slots[level]
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
	case v := <-p.ready:
		return v, nil
	default:
		return p.e.newVM(), nil
	}
}

// release frees the level's slot; the runtime itself is dropped.
func (p *pool) release(level int) {
	if level >= len(p.slots) {
		level = len(p.slots) - 1
	}
	<-p.slots[level]
}
