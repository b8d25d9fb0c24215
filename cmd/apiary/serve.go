package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/apiary/apiary/graph"
	"github.com/apiary/apiary/graph/data"
	"github.com/apiary/apiary/jobs"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/apidocs"
	"github.com/apiary/apiary/platform/scriptsvc"
	"github.com/apiary/apiary/platform/sqldb"
	"github.com/apiary/apiary/platform/store"
	"github.com/apiary/apiary/platform/system"
	"github.com/apiary/apiary/platform/user"
	"github.com/apiary/apiary/rest"
	"github.com/apiary/apiary/scripting"
	"github.com/apiary/apiary/web"
)

// Main is a running server: ParseFlags, then Run, then Close. Tests use it directly with
// HTTPAddr "127.0.0.1:0" and a temporary DataDir.
type Main struct {
	HTTPAddr     string
	DataDir      string
	DB           string
	JWTSecret    string
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Scripts replaces the script runner (tests record events with it); nil runs scripts on
	// the embedded engine configured by ScriptConfig.
	Scripts      platform.ScriptRunner
	ScriptConfig scripting.Config
	// JobConfig configures the durable queue of queued scripts (used with the embedded engine);
	// Open fills in the database and the logger.
	JobConfig jobs.Config
	// ScriptHosts is the comma-separated list of hosts scripts may call ("" = any public host).
	ScriptHosts string
	// TokenTTL overrides the session token lifetime (default 24 h).
	TokenTTL time.Duration
	// Journal is the event journal mode: off, errors or all.
	Journal string
	// GCFloor is the heap size in bytes the garbage collector lets the heap reach before it
	// collects, while the live heap is under half of it (gc_floor.go); 0 leaves Go's default.
	// Run applies it to the whole process unless GOGC is set.
	GCFloor uint64

	Store    *store.Store
	Platform *platform.Platform
	Engine   *scripting.Engine // nil when Scripts was given
	Jobs     *jobs.Queue       // the queued scripts' queue; nil when Scripts was given
	Handler  http.Handler
	URL      string // base URL once listening

	server    *http.Server
	listener  net.Listener
	done      chan error
	closeOnce sync.Once
	// stopListening ends the PostgreSQL invalidation listener.
	stopListening context.CancelFunc
}

// NewMain returns a Main with the defaults of `apiary serve`.
func NewMain() *Main {
	return &Main{HTTPAddr: "127.0.0.1:8080", DataDir: "./apiary_data", MaxBodyBytes: 10 << 20, GCFloor: defaultGCFloor,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}
}

// ParseFlags reads serve's flags.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&m.HTTPAddr, "http", m.HTTPAddr, "address to listen on")
	fs.StringVar(&m.DataDir, "data", m.DataDir, "data directory (SQLite file, JWT secret, scripts)")
	fs.StringVar(&m.DB, "db", envOr("APIARY_DB", m.DB), "platform database: postgres://… (default: <data>/apiary.db)")
	fs.StringVar(&m.JWTSecret, "jwt-secret", os.Getenv("APIARY_JWT_SECRET"), "session token secret (default: generated into <data>/jwt.secret)")
	fs.Int64Var(&m.MaxBodyBytes, "max-body", m.MaxBodyBytes, "request body limit in bytes")
	fs.DurationVar(&m.ScriptConfig.Timeout, "script-timeout", 5*time.Second, "a script run's time budget (a script's config.timeout_ms overrides it)")
	fs.DurationVar(&m.ScriptConfig.MaxTimeout, "script-max-timeout", time.Minute, "cap on any script's time budget")
	fs.Uint64Var(&m.ScriptConfig.HeapBudget, "script-heap", scripting.DefaultHeapBudget, "bytes a script run may grow the heap by")
	fs.IntVar(&m.ScriptConfig.PoolSize, "script-pool", 0, "scripts running at once per nesting level (default 4 × CPUs)")
	fs.IntVar(&m.ScriptConfig.MaxDepth, "script-depth", 5, "nesting limit of platform.api calls")
	fs.BoolVar(&m.ScriptConfig.HTTP.AllowPrivate, "script-allow-private", false, "let scripts call loopback and private network addresses")
	fs.IntVar(&m.JobConfig.MaxAttempts, "script-max-attempts", 5, "runs of a failing queued script before its job is discarded")
	fs.IntVar(&m.JobConfig.Workers, "script-workers", 10, "queued scripts this node runs at once; -1: this node only enqueues")
	fs.StringVar(&m.ScriptHosts, "script-hosts", "", "comma-separated hosts scripts may call (default: any public host; *.example.com allowed)")
	fs.StringVar(&m.Journal, "journal", envOr("APIARY_JOURNAL", "off"), "event journal: off, errors or all")
	fs.Uint64Var(&m.GCFloor, "gc-floor", m.GCFloor, "heap bytes the garbage collector lets the heap reach before collecting, while the live heap is under half of it (0: Go's default; off when GOGC is set)")
	return fs.Parse(args)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Open opens the store and builds the platform and the HTTP handler without listening.
func (m *Main) Open(ctx context.Context) error {
	switch platform.JournalMode(m.Journal) {
	case "", platform.JournalOff, platform.JournalErrors, platform.JournalAll:
	default:
		return fmt.Errorf("--journal %q: use off, errors or all", m.Journal)
	}
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return fmt.Errorf("creating data directory: %w", err)
	}
	st, err := store.Open(ctx, m.DataDir, m.DB)
	if err != nil {
		return err
	}
	m.Store = st
	st.Log = m.Logger
	secret, err := jwtSecret(m.DataDir, m.JWTSecret)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	if m.Scripts == nil {
		cfg := m.ScriptConfig
		cfg.Logger = m.Logger
		if cfg.ModuleDir == "" {
			cfg.ModuleDir = filepath.Join(m.DataDir, "scripting")
		}
		if err := os.MkdirAll(cfg.ModuleDir, 0o755); err != nil {
			return err
		}
		for _, h := range strings.Split(m.ScriptHosts, ",") {
			if h = strings.TrimSpace(h); h != "" {
				cfg.HTTP.AllowHosts = append(cfg.HTTP.AllowHosts, h)
			}
		}
		jc := m.JobConfig
		jc.Dialect, jc.DB, jc.DSN, jc.Logger = st.Dialect, st.DB.DB, m.DB, m.Logger
		if jc.JobTimeout <= 0 { // past any script's own budget
			jc.JobTimeout = cmp.Or(cfg.MaxTimeout, time.Minute) + time.Minute
		}
		if m.Jobs, err = jobs.Open(ctx, jc); err != nil {
			return err
		}
		cfg.Queue = m.Jobs
		m.Engine = scripting.New(cfg)
		m.Scripts = m.Engine
	}
	var queue platform.Jobs
	if m.Jobs != nil {
		queue = m.Jobs
	}
	p := platform.New(st.Client, st.DB, st.Dialect, platform.Config{
		Version: version, JWTSecret: secret, Host: host, Scripts: m.Scripts, Logger: m.Logger, TokenTTL: m.TokenTTL,
		Broadcast: st.Notify, Journal: platform.JournalMode(m.Journal), DataDir: m.DataDir, Jobs: queue,
	})
	p.RegisterServiceType(system.Type())
	p.RegisterServiceType(user.Type())
	p.RegisterServiceType(apidocs.Type())
	for _, t := range sqldb.Types() {
		p.RegisterServiceType(t)
	}
	for _, t := range scriptsvc.Types() {
		p.RegisterServiceType(t)
	}
	if m.Engine != nil {
		m.Engine.Attach(p)
	}
	m.Platform = p
	listenCtx, stopListening := context.WithCancel(context.Background())
	m.stopListening = stopListening
	go st.Listen(listenCtx, m.Logger, p.Apply)
	p.Start()
	if m.Jobs != nil {
		m.Jobs.Attach(p, m.Engine.RunQueued)
		if err := m.Jobs.Start(ctx); err != nil {
			return err
		}
	}

	r := chi.NewRouter()
	r.Use(rest.CORS(p))
	r.MethodNotAllowed(rest.MethodNotAllowed)
	r.Get("/status", rest.Status(p))
	r.Mount("/api", rest.New(p, rest.Options{MaxBodyBytes: m.MaxBodyBytes}).Routes())
	r.Handle("/graphql", graph.Handler(p, m.MaxBodyBytes))
	r.Handle("/graphql/{service}", data.NewHandler(p, m.MaxBodyBytes))
	pg := web.Playground()
	r.Handle("/playground", pg)
	r.Handle("/playground/*", pg)
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/playground/", http.StatusFound) })
	m.Handler = r
	return nil
}

// Run opens everything, bootstraps the first admin and starts serving in the background. On
// failure everything opened so far is closed again.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			_ = m.Close()
		}
	}()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, m.Platform, m.Logger); err != nil {
		return err
	}
	if budget := cmp.Or(m.ScriptConfig.HeapBudget, scripting.DefaultHeapBudget); m.Engine != nil && m.GCFloor >= budget {
		m.Logger.Warn("--gc-floor is not under --script-heap: garbage not yet collected can look like a script's growth, and the script watchdog then forces collections",
			"gc_floor", m.GCFloor, "script_heap", budget)
	}
	startGCFloor(m.GCFloor)
	ln, err := net.Listen("tcp", m.HTTPAddr)
	if err != nil {
		return err
	}
	m.listener = ln
	m.URL = "http://" + ln.Addr().String()
	m.server = &http.Server{Handler: m.Handler, ReadHeaderTimeout: 10 * time.Second}
	m.done = make(chan error, 1)
	go func() { m.done <- m.server.Serve(ln) }()
	m.Logger.Info("apiary serving", "url", m.URL, "playground", m.URL+"/playground/", "data", m.DataDir, "db", m.Store.Dialect)
	return nil
}

// Close stops accepting requests, lets in-flight requests and then running queued scripts
// finish (up to 30 s in all; scripts still running then are cancelled and retried after the
// next start) and closes the store. Calling it again does nothing.
func (m *Main) Close() error {
	var errs []error
	m.closeOnce.Do(func() { errs = m.close() })
	return errors.Join(errs...)
}

func (m *Main) close() []error {
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
		if err := <-m.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.Jobs != nil { // after the server drained: no request enqueues any more
		if err := m.Jobs.Stop(ctx); err != nil {
			errs = append(errs, err)
		}
		m.Jobs.Close()
	}
	if m.Platform != nil { // after the server drained: in-flight requests were journaled
		m.Platform.Stop()
	}
	if m.Engine != nil {
		m.Engine.Close()
	}
	if m.stopListening != nil {
		m.stopListening()
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errs
}

// jwtSecret returns the configured secret, or the one kept in <data>/jwt.secret (created on first start).
func jwtSecret(dataDir, given string) ([]byte, error) {
	if given != "" {
		return []byte(given), nil
	}
	path := filepath.Join(dataDir, "jwt.secret")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return []byte(secret), nil
}
