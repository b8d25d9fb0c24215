package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
)

// channel is the PostgreSQL notification channel of cache invalidations.
const channel = "apiary_invalidate"

// Notify tells the other nodes sharing this PostgreSQL database that the platform's data changed
// (their caches must drop what scope names). On SQLite, with one node, it does nothing. It must
// not be called inside a transaction: it uses a connection of its own, for at most 2 s.
func (s *Store) Notify(ctx context.Context, scope string) {
	if s.Dialect != dialect.Postgres {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := s.DB.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, s.node+":"+scope); err != nil {
		s.Log.Warn("announcing a cache invalidation", "err", err)
	}
}

// Listen calls fn with the scope of each change another node announces, until ctx ends; it
// reconnects after failures and calls fn("all") after each (re)connection, as changes may have
// been missed meanwhile. On SQLite it returns at once.
func (s *Store) Listen(ctx context.Context, log *slog.Logger, fn func(scope string)) {
	if s.Dialect != dialect.Postgres {
		return
	}
	backoff := time.Second
	for ctx.Err() == nil {
		listening := false
		err := s.listen(ctx, func(scope string) { listening = true; fn(scope) })
		if listening {
			backoff = time.Second // it worked for a while: start again from the shortest wait
		}
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

func (s *Store) listen(ctx context.Context, fn func(scope string)) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	fn("all") // anything announced while not listening is picked up now
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		node, scope, _ := strings.Cut(n.Payload, ":")
		if node != s.node {
			fn(scope)
		}
	}
}

func newNodeID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
