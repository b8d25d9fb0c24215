package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
)

// channel is the PostgreSQL notification channel of cache invalidations.
const channel = "apiary_invalidate"

// Notify tells the other nodes sharing this PostgreSQL database that the platform's data changed
// (their caches must drop it). On SQLite, with one node, it does nothing.
func (s *Store) Notify(ctx context.Context) {
	if s.Dialect != dialect.Postgres {
		return
	}
	if _, err := s.DB.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, s.node); err != nil {
		slog.Default().Warn("announcing a cache invalidation", "err", err)
	}
}

// Listen calls fn whenever another node announces a change, until ctx ends; it reconnects after
// failures and calls fn after each reconnection (changes may have been missed meanwhile). On
// SQLite it returns at once.
func (s *Store) Listen(ctx context.Context, log *slog.Logger, fn func()) {
	if s.Dialect != dialect.Postgres {
		return
	}
	backoff := time.Second
	for ctx.Err() == nil {
		err := s.listen(ctx, fn)
		if ctx.Err() != nil {
			return
		}
		log.Warn("cache invalidation listener stopped; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 30*time.Second {
			backoff *= 2
		}
	}
}

func (s *Store) listen(ctx context.Context, fn func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	fn() // anything announced while not listening is picked up now
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != s.node {
			fn()
		}
	}
}

func newNodeID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
