// Package storetest helps tests of database access: a SQL driver that counts statements.
package storetest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // driver "sqlite"
)

// CountingDriver wraps a driver and counts the statements it runs. Its conns implement only
// Prepare, so database/sql sends every query through a statement, prepared or not, and each
// execution of one is counted.
type CountingDriver struct {
	base    driver.Driver
	queries atomic.Int64
}

// Queries is how many statements have run so far.
func (d *CountingDriver) Queries() int64 { return d.queries.Load() }

var (
	sqlite     *CountingDriver
	sqliteOnce sync.Once
)

// CountingSQLite registers, once, the driver "sqlite-counting": modernc's SQLite, counted.
func CountingSQLite() (*CountingDriver, error) {
	var err error
	sqliteOnce.Do(func() {
		var db *sql.DB
		if db, err = sql.Open("sqlite", ":memory:"); err != nil {
			return
		}
		sqlite = &CountingDriver{base: db.Driver()}
		db.Close()
		sql.Register("sqlite-counting", sqlite)
	})
	return sqlite, err
}

// Open implements driver.Driver.
func (d *CountingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, d: d}, nil
}

type countingConn struct {
	driver.Conn
	d *CountingDriver
}

type countingStmt struct {
	driver.Stmt
	d *CountingDriver
}

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.Conn.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, d: c.d}, nil
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.d.queries.Add(1)
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // fallback for drivers without StmtQueryContext
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.d.queries.Add(1)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // fallback for drivers without StmtExecContext
}

func values(args []driver.NamedValue) []driver.Value {
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	return vals
}
