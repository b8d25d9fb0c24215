// Package platform is Apiary's core: the request pipeline that every surface (REST, GraphQL,
// scripts, queued jobs) goes through, sessions, RBAC, errors and the service registry.
package platform

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"

	"github.com/apiary/apiary/ent"
)

// Config holds the platform's settings; zero values take the defaults noted.
type Config struct {
	Version      string
	JWTSecret    []byte        // HS256 secret of session tokens (required)
	TokenTTL     time.Duration // session token lifetime (default 24 h, DreamFactory's DF_JWT_TTL 1440)
	RefreshTTL   time.Duration // refresh window from first issue (default 14 days)
	AllowForever bool          // remember_me issues forever tokens (DF_ALLOW_FOREVER_SESSIONS)
	MaxRecords   int           // system resource page cap (default 1000)
	Host         string        // reported in session info
	DataDir      string        // the data directory: relative SQLite paths of database services live here
	Scripts      ScriptRunner  // default NoScripts
	Logger       *slog.Logger  // default slog.Default()
	// Journal says which requests are recorded in the event journal (default off).
	Journal JournalMode
	// Broadcast, when set, tells other nodes sharing the database that cached data changed
	// (PostgreSQL NOTIFY): scope is ScopeAll (they call InvalidateLocal) or ScopeTokens (they
	// call ForgetTokensLocal). It is never called inside a transaction.
	Broadcast func(ctx context.Context, scope string)
	// Jobs is the durable job queue that the system service's job resource shows; nil lists
	// no jobs.
	Jobs Jobs
}

// Platform is the running core. Create it with New; it is safe for concurrent use.
type Platform struct {
	Client  *ent.Client
	DB      DB     // the same database as Client, for generic SQL over the platform's tables
	Dialect string // entgo dialect name: "sqlite3" or "postgres"
	Config  Config

	types    map[string]ServiceType
	cache    *cache
	throttle *throttle
	verified verifiedTokens
	journal  *journal
	events   eventNameCache
	configMu sync.Mutex // serialises UpdateServiceConfig on this node
	log      *slog.Logger
	stop     context.CancelFunc
	stopped  chan struct{}
}

// DB is what the platform needs of its database for generic SQL: *sql.DB satisfies it, and so
// does a prepared-statement cache in front of one.
type DB interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PingContext(ctx context.Context) error
}

// New returns a platform over an opened and migrated store.
func New(client *ent.Client, db DB, dialect string, cfg Config) *Platform {
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.RefreshTTL == 0 {
		cfg.RefreshTTL = 14 * 24 * time.Hour
	}
	if cfg.MaxRecords == 0 {
		cfg.MaxRecords = 1000
	}
	if cfg.Scripts == nil {
		cfg.Scripts = NoScripts{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Platform{
		Client: client, DB: db, Dialect: dialect, Config: cfg,
		types:    map[string]ServiceType{},
		cache:    newCache(),
		throttle: newThrottle(),
		log:      cfg.Logger,
	}
	p.events.names.Max = maxEventNames
	p.verified.m.Max = maxVerified
	if cfg.Journal != "" && cfg.Journal != JournalOff {
		p.journal = &journal{mode: cfg.Journal, entries: make(chan journalEntry, journalBuffer)}
	}
	return p
}

// Start runs the platform's background work (the journal writer) until Stop.
func (p *Platform) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	p.stop = cancel
	p.stopped = make(chan struct{})
	if p.journal == nil {
		close(p.stopped)
		return
	}
	p.startJournal(ctx, p.stopped)
}

// Stop ends the background work and waits for it: the journal writes what is queued (at most
// journalDrain). Call it after the surfaces stopped taking requests, before closing the store.
func (p *Platform) Stop() {
	if p.stop == nil {
		return
	}
	p.stop()
	<-p.stopped
}

// Logger returns the platform's logger.
func (p *Platform) Logger() *slog.Logger { return p.log }

// Invalidate drops every cached lookup (apps, services, roles, users, tokens, CORS rules) here
// and on the other nodes. The system service calls it after each committed write.
func (p *Platform) Invalidate() {
	p.cache.invalidate()
	p.broadcast(ScopeAll)
}

// Invalidation scopes announced to other nodes.
const (
	ScopeAll    = "all"    // every cached lookup
	ScopeTokens = "tokens" // token rows only (a logout or refresh)
)

// InvalidateLocal drops this node's cached lookups (another node announced a change).
func (p *Platform) InvalidateLocal() { p.cache.invalidate() }

// ForgetTokensLocal drops this node's cached token rows (another node revoked a token).
func (p *Platform) ForgetTokensLocal() { p.forgetTokens() }

// Apply handles an invalidation another node announced.
func (p *Platform) Apply(scope string) {
	if scope == ScopeTokens {
		p.ForgetTokensLocal()
		return
	}
	p.InvalidateLocal()
}

func (p *Platform) broadcast(scope string) {
	if p.Config.Broadcast != nil {
		p.Config.Broadcast(context.Background(), scope)
	}
}
