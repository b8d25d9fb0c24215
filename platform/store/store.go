// Package store opens the platform's own database — the embedded SQLite file by default, or
// PostgreSQL — migrates it and seeds the built-in services.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/service"
)

// Store is an opened, migrated platform database.
type Store struct {
	Client  *ent.Client
	DB      *CachedDB // the same database, with prepared statements cached by query text
	Dialect string    // dialect.SQLite or dialect.Postgres

	// Log receives the store's warnings (default slog.Default()).
	Log *slog.Logger

	dsn  string // PostgreSQL only, for the notification listener
	node string // this process's id in invalidation notices
}

// SQLiteDSN is the DSN of the embedded database file: WAL, foreign keys on, a busy timeout and
// immediate write transactions (no SQLITE_BUSY upgrades under concurrency).
func SQLiteDSN(path string) string {
	v := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(5000)", "synchronous(NORMAL)"} {
		v.Add("_pragma", p)
	}
	v.Set("_txlock", "immediate")
	return "file:" + path + "?" + v.Encode()
}

// Open opens dsn — a postgres:// URL, or empty for <dataDir>/apiary.db — and migrates it.
func Open(ctx context.Context, dataDir, dsn string) (*Store, error) {
	var db *sql.DB
	var d string
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		d = dialect.Postgres
		db, err = sql.Open("pgx", dsn)
	case dsn == "" || strings.HasPrefix(dsn, "sqlite:") || strings.HasPrefix(dsn, "file:"):
		d = dialect.SQLite
		path := filepath.Join(dataDir, "apiary.db")
		if dsn != "" {
			path = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating the data directory: %w", err)
		}
		db, err = sql.Open("sqlite", SQLiteDSN(path))
	default:
		return nil, fmt.Errorf("unsupported --db %q: use postgres://… or leave it empty for the embedded SQLite file", dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to the platform database: %w", err)
	}
	// Keep as many idle connections as are used: reopening one re-runs the pragmas and reloads
	// the schema (SQLite), and a closed connection loses its prepared statements.
	conns := 64 // SQLite: connections are cheap readers of one file
	if d == dialect.Postgres {
		conns = 20 // leave room for more nodes under max_connections
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	cdb := NewCachedDB(db)
	client := ent.NewClient(ent.Driver(newDriver(d, cdb)))
	if err := client.Schema.Create(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrating the platform database: %w", err)
	}
	s := &Store{Client: client, DB: cdb, Dialect: d, Log: slog.Default(), dsn: dsn, node: newNodeID()}
	if err := s.seed(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// seed creates the built-in services once.
func (s *Store) seed(ctx context.Context) error {
	builtins := []struct{ name, typ, label, desc string }{
		{"system", "system", "System Management", "Service for managing system resources."},
		{"user", "user", "User Management", "Service for managing system users."},
		{"api_docs", "swagger", "Live API Docs", "API documenting service: OpenAPI 3 documents of the services."},
	}
	for _, b := range builtins {
		n, err := s.Client.Service.Query().Where(service.Name(b.name)).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		c := s.Client.Service.Create().SetName(b.name).SetType(b.typ).SetLabel(b.label).SetDescription(b.desc).
			SetMutable(false).SetDeletable(false)
		if b.typ == "user" {
			c.SetConfig(map[string]any{"allow_open_registration": false, "open_reg_role_id": nil})
		}
		if err := c.Exec(ctx); err != nil {
			return fmt.Errorf("seeding service %s: %w", b.name, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.DB.Close() }
