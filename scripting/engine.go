// Package scripting runs event scripts and scripted services on goja, an embedded JavaScript
// engine, as DreamFactory runs its V8js and Node.js scripts: the script body is a function of
// (event, platform); it may change the request (pre_process), answer it, or rewrite the
// response (post_process) when its allow_event_modification flag is set.
//
// Every run is sandboxed: no file system, process or network access except platform.api (the
// pipeline, in-process, as requestor SCRIPT) and allowed external hosts; a time budget, a
// call-stack cap, size-checked replacements for the built-ins that amplify memory, a heap
// watchdog, and recover() around the run. Runs take runtimes from a bounded pool of pre-built
// ones; a runtime's intrinsics are frozen and its globals restored after every run (see
// harden.go), so nothing one run leaves in globals or prototypes reaches the next.
package scripting

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// Script types, under DreamFactory's names.
const (
	TypeV8js   = "v8js"
	TypeNodejs = "nodejs"
)

// Config are the engine's limits. Zero values take the defaults.
type Config struct {
	// Timeout is a run's time budget unless the script's config.timeout_ms says otherwise
	// (default 5 s). MaxTimeout caps any script's budget (default 60 s).
	Timeout, MaxTimeout time.Duration
	// HeapBudget is how much a run may grow the process heap (default DefaultHeapBudget).
	HeapBudget uint64
	// MaxString caps a string or array a single built-in call may create (default 16 Mi
	// characters or elements).
	MaxString int
	// MaxCallStack caps the JavaScript call depth (default 1000).
	MaxCallStack int
	// PoolSize is how many scripts may run at once per nesting level (default 4 × GOMAXPROCS).
	// A run that finds every slot busy waits up to PoolWait (default 5 s, and never past its
	// request's deadline), then fails with 503.
	PoolSize int
	PoolWait time.Duration
	// MaxDepth caps nested platform.api calls (default 5).
	MaxDepth int
	// ModuleDir is where require() finds modules (<data>/scripting); "" disables require.
	ModuleDir string
	// MaxConsole caps the console output kept per run (default 64 KiB).
	MaxConsole int
	// HTTP governs external platform.api calls.
	HTTP HTTPConfig
	// Queue receives queued scripts (".queued" events). Without one they run in the
	// background after the response, not durably.
	Queue  Queue
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = 60 * time.Second
	}
	if c.Timeout > c.MaxTimeout {
		c.Timeout = c.MaxTimeout
	}
	if c.HeapBudget == 0 {
		c.HeapBudget = DefaultHeapBudget
	}
	if c.MaxString <= 0 {
		c.MaxString = 16 << 20
	}
	if c.MaxCallStack <= 0 {
		c.MaxCallStack = 1000
	}
	if c.PoolSize <= 0 {
		c.PoolSize = 4 * runtime.GOMAXPROCS(0)
	}
	if c.PoolWait <= 0 {
		c.PoolWait = 5 * time.Second
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = 5
	}
	if c.MaxConsole <= 0 {
		c.MaxConsole = 64 << 10
	}
	c.HTTP.defaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Queue enqueues a queued script's run durably: the script name, its event data and the
// caller's session (restored when the job runs).
type Queue interface {
	Enqueue(ctx context.Context, script string, event map[string]any, s *platform.Session) error
}

// Engine runs scripts. It implements platform.ScriptRunner and platform.ServiceScriptRunner.
type Engine struct {
	cfg      Config
	p        *platform.Platform
	log      *slog.Logger
	pool     *pool
	programs programCache
	modules  moduleCache
	store    *kvStore
	watch    *watchdog
	http     *http.Client
	bgSlots  chan struct{} // bounds background runs of queued scripts without a queue
	version  atomic.Value  // string: the platform's version, set by Attach, read by the runtime builder
	closed   chan struct{}
	once     sync.Once
}

// DefaultHeapBudget is Config.HeapBudget's default: 64 MiB.
const DefaultHeapBudget = 64 << 20

// New returns an engine; Attach it to the platform before serving.
func New(cfg Config) *Engine {
	cfg.defaults()
	if cfg.ModuleDir != "" {
		cfg.ModuleDir = filepath.Clean(cfg.ModuleDir)
	}
	e := &Engine{cfg: cfg, log: cfg.Logger, store: newKVStore(), closed: make(chan struct{}),
		bgSlots: make(chan struct{}, cfg.PoolSize)}
	e.programs.progs.Max = maxPrograms
	e.watch = newWatchdog(cfg.HeapBudget)
	e.pool = newPool(e, cfg.PoolSize, cfg.MaxDepth+1, cfg.PoolWait)
	e.http = newHTTPClient(cfg.HTTP)
	return e
}

// Attach gives the engine the platform its scripts call through platform.api. The platform
// is built with the engine as its ScriptRunner, hence the two steps.
func (e *Engine) Attach(p *platform.Platform) {
	e.p = p
	e.version.Store(p.Config.Version)
}

// Close stops the background work (the runtime builder, the heap watchdog).
func (e *Engine) Close() {
	e.once.Do(func() {
		close(e.closed)
		e.watch.stop()
	})
}

// RunEvent runs the active script registered under name, if any (platform.ScriptRunner).
func (e *Engine) RunEvent(ctx context.Context, name string, ev *platform.Event) error {
	s, err := e.p.EventScript(ctx, name)
	if err != nil {
		return platform.Internal(err)
	}
	if s == nil {
		return nil
	}
	if strings.HasSuffix(name, platform.PhaseQueued) {
		return e.enqueue(ctx, s, ev)
	}
	return e.runEventScript(ctx, s, ev)
}

// script is what a run needs of a stored script.
type script struct {
	name    string // the event name, or "service.{name}" for a scripted service
	typ     string
	content string
	config  map[string]any
	modify  bool // allow_event_modification
}

func eventScript(s *ent.EventScript) script {
	return script{name: s.Name, typ: s.Type, content: s.Content, config: s.Config, modify: s.AllowEventModification}
}

// budget is the script's time budget: config.timeout_ms capped by MaxTimeout.
func (e *Engine) budget(s script) time.Duration {
	if ms, ok := platform.FloatValue(s.config["timeout_ms"]); ok && ms > 0 {
		d := time.Duration(ms) * time.Millisecond
		if d > e.cfg.MaxTimeout {
			d = e.cfg.MaxTimeout
		}
		return d
	}
	return e.cfg.Timeout
}

// errEngineClosed is returned by runs after Close.
var errEngineClosed = errors.New("the script engine is shut down")
