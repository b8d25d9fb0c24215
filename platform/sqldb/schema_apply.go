package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"
	mysqldrv "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	sqlitedrv "modernc.org/sqlite"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/store"
)

// changeSchema plans and applies the table operations of one request and refreshes the
// service's schema caches; the stored extras of relationships it removed are dropped. It returns the tables' names as the database spells them.
func (s *Service) changeSchema(ctx context.Context, ops []*tableOp) ([]string, error) {
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	c, db, err := s.schema(ctx, true)
	if err != nil {
		return nil, err
	}
	var names []string
	attempted, err := s.applySchema(ctx, db.DB, func(realm *schema.Schema) ([]schema.Change, error) {
		p := &planner{d: s.conn.dialect, realm: realm, cat: c.schema}
		changes, err := p.plan(ops)
		names = p.names
		return changes, err
	})
	if attempted {
		// Whatever happened (MySQL may have applied part of a failed request), the caches must
		// show the database as it is now.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if s.conn.dialect == dialect.Postgres {
			s.renewPool(rctx)
		}
		nc, _, rerr := s.schema(rctx, true)
		if rerr != nil && err == nil {
			err = rerr
		}
		if rerr == nil {
			s.dropStaleExtras(rctx, nc.base) // a dropped foreign key takes its relationship's extras along
		}
	}
	return names, err
}

// renewPool replaces the service's pool (and with it the cache of prepared statements) after a
// PostgreSQL schema change: a statement prepared before a column changed type fails with "cached
// plan must not change result type" on every use, whereas SQLite and MySQL re-prepare such
// statements by themselves. Dropping the CachedDB statements alone would not do: pgx also caches
// prepared statements on each connection. The old pool is closed once requests that already
// hold it are done.
func (s *Service) renewPool(ctx context.Context) {
	db, err := s.conn.open(ctx)
	if err != nil {
		return // the next request opens a pool itself if this one is gone
	}
	s.mu.Lock()
	old := s.db
	if old == nil { // closed meanwhile
		s.mu.Unlock()
		_ = db.Close()
		return
	}
	s.db = store.NewCachedDB(db)
	s.mu.Unlock()
	time.AfterFunc(s.conn.timeoutOr()+5*time.Second, func() { _ = old.Close() })
}

// applySchema inspects the schema through one connection, lets build turn it into changes,
// and applies them with Atlas on the same connection: in a transaction on SQLite and
// PostgreSQL, statement by statement on MySQL (whose DDL commits implicitly). attempted
// reports whether any statement ran.
func (s *Service) applySchema(ctx context.Context, db *sql.DB, build func(*schema.Schema) ([]schema.Change, error)) (attempted bool, err error) {
	d := s.conn.dialect
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, s.dbError(err)
	}
	defer conn.Close()
	fkOn := false
	if d == dialect.SQLite {
		// SQLite rebuilds a table to change it (create new, copy, drop old, rename), which needs
		// foreign-key enforcement off; the pragma is per connection and ignored inside a
		// transaction, so it is set on this connection before the transaction begins. Violations
		// the change would add are checked before commit.
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fkOn); err != nil {
			return false, s.dbError(err)
		}
		if fkOn {
			if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
				return false, s.dbError(err)
			}
			defer func() {
				if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on"); err != nil {
					// Never hand a connection without foreign keys back to the pool.
					_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				}
			}()
		}
	}
	var (
		eq schema.ExecQuerier = conn
		tx *sql.Tx
	)
	if d != dialect.MySQL {
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return false, s.dbError(err)
		}
		eq = tx
		defer func() {
			if err != nil {
				_ = tx.Rollback()
			}
		}()
	}
	var drv migrate.Driver
	switch d {
	case dialect.SQLite:
		drv, err = sqlite.Open(sqliteFKQuerier{eq})
	case dialect.Postgres:
		drv, err = postgres.Open(eq)
	case dialect.MySQL:
		drv, err = mysql.Open(eq)
	default:
		err = fmt.Errorf("sqldb: unknown dialect %q", d)
	}
	if err != nil {
		return false, s.dbError(err)
	}
	realm, err := drv.InspectSchema(ctx, "", &schema.InspectOptions{Mode: schema.InspectTables})
	if err != nil {
		return false, s.dbError(err)
	}
	changes, err := build(realm)
	if err != nil {
		return false, err
	}
	if len(changes) == 0 {
		if tx != nil {
			err = tx.Commit()
		}
		return false, nil
	}
	plan, err := drv.PlanChanges(ctx, "apiary_schema", changes)
	if err != nil {
		return false, platform.BadRequest("The schema change can not be made on this database: %s.", strings.TrimSuffix(err.Error(), "."))
	}
	var before map[string]int
	if fkOn {
		if before, err = fkViolations(ctx, tx); err != nil {
			return false, s.dbError(err)
		}
	}
	for _, c := range plan.Changes {
		if strings.HasPrefix(c.Cmd, "PRAGMA foreign_keys") {
			continue // handled on the connection above
		}
		s.p.Logger().Debug("schema change", "service", s.name, "statement", c.Cmd)
		if _, err = eq.ExecContext(ctx, c.Cmd, c.Args...); err != nil {
			return true, s.schemaError(err)
		}
	}
	if fkOn {
		after, verr := fkViolations(ctx, tx)
		if verr != nil {
			err = s.schemaError(verr)
			return true, err
		}
		for _, k := range sortedKeys(after) {
			if after[k] > before[k] {
				parts := strings.SplitN(k, "\x00", 2)
				err = platform.BadRequest("The schema change would leave records of table '%s' referring to missing records of table '%s'.",
					parts[0], parts[1])
				return true, err
			}
		}
	}
	if tx != nil {
		if err = tx.Commit(); err != nil {
			return true, s.schemaError(err)
		}
	}
	return true, nil
}

// fkViolations counts SQLite's foreign-key violations per (table, parent).
func fkViolations(ctx context.Context, q schema.ExecQuerier) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			table, parent sql.NullString
			rowid, fkid   sql.NullInt64
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, err
		}
		out[table.String+"\x00"+parent.String]++
	}
	return out, rows.Err()
}

// schemaError maps a failed DDL statement: what writeError knows (constraints, bad values,
// unreachable database) as it says, and a statement the database refused because of what the
// request asked (an incompatible type change, a duplicate name, a missing dependency) as a 400
// with the database's reason. Anything else stays a 500.
func (s *Service) schemaError(err error) error {
	mapped := s.writeError(err)
	if pe := platform.AsError(mapped); pe.Status != 500 {
		return mapped
	}
	refused := func(msg string) error {
		return &platform.Error{Status: 400, Code: 400, Err: err, Message: "The database refused the schema change: " + strings.TrimSpace(msg)}
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code[:2] {
		case "22", "23", "42", "2B", "0A":
			if pg.Code != "42501" { // insufficient privilege: the service's account, not the request
				return refused(pg.Message)
			}
		}
		return mapped
	}
	var my *mysqldrv.MySQLError
	if errors.As(err, &my) {
		switch {
		case my.Number == 1142 || my.Number == 1044 || my.Number == 1045: // access denied
		case my.Number >= 1000 && my.Number < 2000, my.Number >= 3000 && my.Number < 5000:
			return refused(my.Message)
		}
		return mapped
	}
	var lite *sqlitedrv.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case 1, 19, 20: // SQLITE_ERROR, SQLITE_CONSTRAINT, SQLITE_MISMATCH
			return refused(lite.Error())
		}
	}
	return mapped
}

// sqliteFKQuerier adapts Atlas's SQLite foreign-key query to keys declared without a column
// list ("REFERENCES contact"), whose target SQLite reports as NULL: the referenced table's
// primary key column is reported instead (as platform/dbschema does for inspection).
type sqliteFKQuerier struct{ schema.ExecQuerier }

func (q sqliteFKQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if strings.Contains(query, "FROM pragma_foreign_key_list(") {
		query = strings.Replace(query, "`to`", "coalesce(`to`, (SELECT p.name FROM pragma_table_info(`table`) AS p WHERE p.pk = `seq` + 1), '')", 1)
	}
	return q.ExecQuerier.QueryContext(ctx, query, args...)
}
