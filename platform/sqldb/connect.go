package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/store"
)

const (
	defaultMaxRecords = 1000
	// maxRecordsCap caps max_records (DreamFactory's database.max_records_returned).
	maxRecordsCap  = 100000
	defaultTimeout = 30 * time.Second
)

// SQLiteDriver is the database/sql driver sqlite services open. Tests set it to a wrapper
// registered under another name (e.g. one that counts statements) before creating a service.
var SQLiteDriver = "sqlite"

// conn is how a service reaches its database.
type conn struct {
	driver     string // database/sql driver name
	dialect    string // ent dialect
	dsn        string
	maxRecords int
	timeout    time.Duration
	// serverTimeout: the DSN already carries the server-side statement limit (MySQL). mu
	// guards dsn and serverTimeout, which the first open may change while others run.
	serverTimeout bool
	mu            sync.Mutex
}

// parseConfig reads a service's config. kind is sqlite, pgsql or mysql.
func parseConfig(kind string, cfg map[string]any, dataDir string) (*conn, error) {
	c := &conn{maxRecords: defaultMaxRecords, timeout: defaultTimeout}
	if n := intOf(cfg["max_records"]); n > 0 {
		c.maxRecords = min(n, maxRecordsCap)
	}
	if n := intOf(cfg["statement_timeout"]); n > 0 {
		c.timeout = time.Duration(n) * time.Second
	}
	dsn, _ := cfg["dsn"].(string)
	str := func(k string) string { v, _ := cfg[k].(string); return strings.TrimSpace(v) }
	switch kind {
	case "sqlite":
		c.driver, c.dialect = SQLiteDriver, dialect.SQLite
		if dsn != "" {
			c.dsn = dsn
			return c, nil
		}
		path := str("database")
		if path == "" {
			return nil, platform.BadRequest("A sqlite service needs config.database, the path of its file.")
		}
		if !filepath.IsAbs(path) {
			path = filepath.Join(dataDir, path)
		}
		c.dsn = store.SQLiteDSN(path)
	case "pgsql":
		c.driver, c.dialect = "pgx", dialect.Postgres
		if dsn != "" {
			c.dsn = dsn
			return c, nil
		}
		if str("database") == "" {
			return nil, platform.BadRequest("A pgsql service needs config.database (or config.dsn).")
		}
		u := &url.URL{Scheme: "postgres", Host: net.JoinHostPort(orDefault(str("host"), "127.0.0.1"), portOf(cfg, 5432)),
			Path: "/" + str("database")}
		if user := str("username"); user != "" {
			if pw, _ := cfg["password"].(string); pw != "" {
				u.User = url.UserPassword(user, pw)
			} else {
				u.User = url.User(user)
			}
		}
		q := url.Values{}
		for k, v := range options(cfg) {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		c.dsn = u.String()
	case "mysql":
		c.driver, c.dialect = "mysql", dialect.MySQL
		var mc *mysql.Config
		if dsn != "" {
			var err error
			if mc, err = mysql.ParseDSN(dsn); err != nil {
				return nil, platform.BadRequest("config.dsn is not a valid MySQL DSN: %s", err.Error())
			}
		} else {
			if str("database") == "" {
				return nil, platform.BadRequest("A mysql service needs config.database (or config.dsn).")
			}
			mc = mysql.NewConfig()
			mc.Net, mc.Addr, mc.DBName = "tcp", net.JoinHostPort(orDefault(str("host"), "127.0.0.1"), portOf(cfg, 3306)), str("database")
			mc.User = str("username")
			mc.Passwd, _ = cfg["password"].(string)
			if opts := options(cfg); len(opts) > 0 {
				mc.Params = opts
			}
		}
		mc.ParseTime = true
		c.dsn = mc.FormatDSN()
	default:
		return nil, fmt.Errorf("sqldb: unknown kind %q", kind)
	}
	return c, nil
}

// connKey is what a pool of c depends on: driver, DSN as configured, max_records and the
// statement timeout. Two configs with the same key can share a pool.
func connKey(c *conn) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%s", c.driver, c.dialect, c.dsn, c.maxRecords, c.timeout)
}

// open opens and pings the pool.
func (c *conn) open(ctx context.Context) (*sql.DB, error) {
	c.mu.Lock()
	dsn, limited := c.dsn, c.serverTimeout
	c.mu.Unlock()
	db, err := sql.Open(c.driver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, err
	}
	if c.driver == "mysql" && !limited {
		// A cancelled context only abandons a MySQL query; the server must stop it itself.
		if limitedDSN, ok := c.withServerTimeout(pctx, db, dsn); ok {
			db.Close()
			c.mu.Lock()
			c.dsn, c.serverTimeout = limitedDSN, true
			c.mu.Unlock()
			return c.open(ctx)
		}
	}
	return db, nil
}

// withServerTimeout returns the DSN with the server-side statement limit of the connected
// server: MariaDB's max_statement_time (seconds) or MySQL's max_execution_time (milliseconds,
// SELECT only).
func (c *conn) withServerTimeout(ctx context.Context, db *sql.DB, dsn string) (string, bool) {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", false
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", false
	}
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		mc.Params["max_statement_time"] = strconv.FormatFloat(c.timeout.Seconds(), 'f', -1, 64)
	} else {
		mc.Params["max_execution_time"] = strconv.FormatInt(c.timeout.Milliseconds(), 10)
	}
	return mc.FormatDSN(), true
}

// isUnavailable reports whether err means the database can not be reached (503), as opposed
// to a problem with the statement.
func isUnavailable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.As(err, &ne), errors.As(err, &oe):
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection refused", "unable to open database file", "no such host", "broken pipe",
		"the database system is shutting down", "the database system is starting up", "invalid connection", "bad connection"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func unavailable(service string, err error) error {
	return &platform.Error{Status: 503, Code: 503, Err: err,
		Message: fmt.Sprintf("Database service '%s' is unavailable: its database can not be reached. It recovers by itself when the database is back.", service)}
}

func options(cfg map[string]any) map[string]string {
	out := map[string]string{}
	switch o := cfg["options"].(type) {
	case map[string]any:
		for k, v := range o {
			out[k] = fmt.Sprint(v)
		}
	case string:
		vals, _ := url.ParseQuery(o)
		for k := range vals {
			out[k] = vals.Get(k)
		}
	}
	return out
}

func portOf(cfg map[string]any, def int) string {
	if n := intOf(cfg["port"]); n > 0 {
		return strconv.Itoa(n)
	}
	return strconv.Itoa(def)
}

// intOf reads a whole number from a service's config (0 when it is not one).
func intOf(v any) int {
	n, _ := platform.IntValue(v)
	return int(n)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
