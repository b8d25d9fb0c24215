// Package storetest helps tests of database access: SQL drivers that count the statements
// they run and the rows they return.
package storetest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // driver "sqlite"
)

// CountingDriver wraps a driver and counts the statements it runs and the rows they return.
// Its conns implement only Prepare, so database/sql sends every query through a statement,
// prepared or not, and each execution of one is counted. Values are bound with database/sql's
// default conversion (the base driver's own value checker is not used).
type CountingDriver struct {
	base    driver.Driver
	queries atomic.Int64
	rows    atomic.Int64
}

// Queries is how many statements have run so far.
func (d *CountingDriver) Queries() int64 { return d.queries.Load() }

// Rows is how many rows queries have returned so far (rows read by the caller).
func (d *CountingDriver) Rows() int64 { return d.rows.Load() }

var (
	registered = map[string]*CountingDriver{}
	registerMu sync.Mutex
)

// counting registers, once, the driver name wrapping base.
func counting(name string, base func() (driver.Driver, error)) (*CountingDriver, error) {
	registerMu.Lock()
	defer registerMu.Unlock()
	if d := registered[name]; d != nil {
		return d, nil
	}
	b, err := base()
	if err != nil {
		return nil, err
	}
	d := &CountingDriver{base: b}
	sql.Register(name, d)
	registered[name] = d
	return d, nil
}

// CountingSQLite registers, once, the driver "sqlite-counting": modernc's SQLite, counted.
func CountingSQLite() (*CountingDriver, error) {
	return counting("sqlite-counting", func() (driver.Driver, error) {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			return nil, err
		}
		defer db.Close()
		return db.Driver(), nil
	})
}

// CountingPostgres registers, once, the driver "pgx-counting": pgx's database/sql driver, counted.
func CountingPostgres() (*CountingDriver, error) {
	return counting("pgx-counting", func() (driver.Driver, error) { return stdlib.GetDefaultDriver(), nil })
}

// CountingMySQL registers, once, the driver "mysql-counting": go-sql-driver/mysql, counted.
func CountingMySQL() (*CountingDriver, error) {
	return counting("mysql-counting", func() (driver.Driver, error) { return mysql.MySQLDriver{}, nil })
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
	var rows driver.Rows
	var err error
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		rows, err = q.QueryContext(ctx, args)
	} else {
		rows, err = s.Stmt.Query(values(args)) //nolint:staticcheck // fallback for drivers without StmtQueryContext
	}
	if err != nil {
		return nil, err
	}
	return &countingRows{Rows: rows, d: s.d}, nil
}

// countingRows counts the rows read.
type countingRows struct {
	driver.Rows
	d *CountingDriver
}

func (r *countingRows) Next(dest []driver.Value) error {
	err := r.Rows.Next(dest)
	if err == nil {
		r.d.rows.Add(1)
	}
	return err
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
