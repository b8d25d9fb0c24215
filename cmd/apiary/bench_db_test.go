// Database-service benchmarks (issue 3, "Performance"): what /api/v2/{db}/_table costs over a
// bare chi + database/sql handler that runs the same SQL on the same table.
//
//	go test -run '^$' -bench 'DB' -benchtime 2s -count 3 ./cmd/apiary/
//
// runs, in one process and against one server (the shared server of bench_test.go):
//
//	BenchmarkDBBaselineByID/{kind}  GET /contact/{id} on a chi router: a prepared
//	                                SELECT of every column WHERE id = ? LIMIT 1 → JSON
//	BenchmarkDBByID/{kind}          GET /api/v2/db_{kind}/_table/contact/{id}
//	BenchmarkDBBaselineList/{kind}  GET /contact?city=… : a prepared SELECT of every column
//	                                WHERE city = ? ORDER BY contact.id LIMIT 20 → {"resource":[…]}
//	BenchmarkDBList/{kind}          GET /api/v2/db_{kind}/_table/contact?filter=city%3D'Lisbon'&limit=20
//
// with kind sqlite always and pgsql when APIARY_TEST_POSTGRES_DSN is set (the subtest is skipped
// otherwise). Ids cycle over 1..10000. Each reports req/s, p50-µs and p99-µs as runLoad does
// (~8 concurrent keep-alive clients); the baselines also report conn-closes/op of their pool
// (Apiary's pool is inside the service and not reachable: not reported). Targets: ByID req/s ≥
// 0.70 × BaselineByID req/s and List req/s ≥ 0.80 × BaselineList req/s, per kind; take the
// medians over -count (benchstat) and divide.
//
// Data: one table, contact (id INTEGER PRIMARY KEY, first_name, last_name, email, city, age),
// 10,000 rows, 50 cities of 200 rows each, an index on city, ANALYZEd. SQLite: the file
// contacts.db in the server's data directory (service config {"database": "contacts.db"}).
// PostgreSQL: a database apiary_bench_<pid> created from APIARY_TEST_POSTGRES_DSN (service config
// {"dsn": …}). A benchmark has no process-wide cleanup hook, so that database is left behind;
// the next run drops every older apiary_bench_* database that nobody is connected to.
//
// Apiary is called the realistic way: a non-admin user's session plus an app's API key whose
// role grants GET (verb_mask 1) on _table/contact/* of both services, no row filters. The
// baseline has its own pool (same DSN, same pool limits as a service: 32 open, 32 idle) and
// prepared statements whose SQL text is the text Apiary builds — setup checks it against
// sqltable.SelectSQL, the builder the service uses — and writes byte-identical JSON (checked
// once at setup, for one id and for the list).
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/go-chi/chi/v5"

	"github.com/apiary/apiary/platform/sqltable"
	"github.com/apiary/apiary/platform/store"
)

const (
	dbBenchRows   = 10000
	dbBenchCity   = "Lisbon" // one of dbBenchCities: 200 rows
	dbBenchFilter = "city='" + dbBenchCity + "'"
)

var dbBenchCities = []string{
	"Amsterdam", "Athens", "Barcelona", "Belgrade", "Berlin", "Bern", "Bologna", "Bordeaux", "Bratislava", "Brno",
	"Brussels", "Bucharest", "Budapest", "Cologne", "Copenhagen", "Cork", "Dublin", "Edinburgh", "Florence", "Frankfurt",
	"Gdansk", "Geneva", "Genoa", "Ghent", "Glasgow", "Gothenburg", "Graz", "Hamburg", "Helsinki", "Krakow",
	"Lisbon", "Ljubljana", "London", "Lyon", "Madrid", "Marseille", "Milan", "Munich", "Naples", "Oslo",
	"Paris", "Porto", "Prague", "Riga", "Rome", "Seville", "Sofia", "Stockholm", "Tallinn", "Vienna",
}

// dbBenchKind is one database kind: its Apiary service and its baseline.
type dbBenchKind struct {
	kind        string // sqlite, pgsql
	service     string // Apiary service name
	baselineURL string
	baselineDB  *sql.DB
	driver, dsn string // how the benchmark reaches the service's database
	byIDSQL     string
	listSQL     string
}

// dbBenchEnv is the shared server (benchSetup) plus the database services and credentials.
type dbBenchEnv struct {
	*benchEnv
	apiKey, token string
	kinds         map[string]*dbBenchKind
}

var (
	dbBenchOnce sync.Once
	dbBenchE    *dbBenchEnv
	dbBenchErr  error
)

// dbBenchSetup returns the shared environment, building it on first use.
func dbBenchSetup(b *testing.B) *dbBenchEnv {
	b.Helper()
	e := benchSetup(b)
	dbBenchOnce.Do(func() { dbBenchE, dbBenchErr = newDBBenchEnv(e) })
	if dbBenchErr != nil {
		b.Fatalf("database benchmark setup: %v", dbBenchErr)
	}
	return dbBenchE
}

// kind returns the environment of one kind, skipping the benchmark when it is not configured.
func (d *dbBenchEnv) kind(b *testing.B, kind string) *dbBenchKind {
	b.Helper()
	k, ok := d.kinds[kind]
	if !ok {
		b.Skipf("%s: APIARY_TEST_POSTGRES_DSN is not set", kind)
	}
	return k
}

func newDBBenchEnv(e *benchEnv) (*dbBenchEnv, error) {
	ctx := context.Background()
	d := &dbBenchEnv{benchEnv: e, kinds: map[string]*dbBenchKind{}}

	// The databases and their services.
	type target struct {
		kind, driver, dialect, dsn string
		cfg                        map[string]any
	}
	targets := []target{{kind: "sqlite", driver: "sqlite", dialect: "sqlite3",
		dsn: store.SQLiteDSN(filepath.Join(e.main.DataDir, "contacts.db")), cfg: map[string]any{"database": "contacts.db"}}}
	if base := os.Getenv("APIARY_TEST_POSTGRES_DSN"); base != "" {
		dsn, err := benchPostgres(ctx, base)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{kind: "pgsql", driver: "pgx", dialect: "postgres", dsn: dsn, cfg: map[string]any{"dsn": dsn}})
	}
	var serviceIDs []int
	for _, tg := range targets {
		if err := fillContacts(ctx, tg.driver, tg.dsn); err != nil {
			return nil, fmt.Errorf("%s: filling contact: %w", tg.kind, err)
		}
		k := &dbBenchKind{kind: tg.kind, service: "db_" + tg.kind, driver: tg.driver, dsn: tg.dsn}
		var created struct {
			Resource []struct {
				ID int `json:"id"`
			} `json:"resource"`
		}
		if err := e.call(http.MethodPost, e.main.URL+"/api/v2/system/service", e.adminHeader, map[string]any{"resource": []any{
			map[string]any{"name": k.service, "label": k.service, "type": tg.kind, "config": tg.cfg},
		}}, &created); err != nil || len(created.Resource) != 1 {
			return nil, fmt.Errorf("%s: creating the service: %v", tg.kind, err)
		}
		serviceIDs = append(serviceIDs, created.Resource[0].ID)
		var err error
		if k.byIDSQL, k.listSQL, err = contactSQL(tg.dialect); err != nil {
			return nil, fmt.Errorf("%s: %w", tg.kind, err)
		}
		if k.baselineURL, k.baselineDB, err = startDBBaseline(ctx, tg.driver, tg.dsn, k.byIDSQL, k.listSQL); err != nil {
			return nil, fmt.Errorf("%s: starting the baseline: %w", tg.kind, err)
		}
		d.kinds[tg.kind] = k
	}

	// A role that reads contact on both services, an app with it, a user logged in through it.
	var access []any
	for _, id := range serviceIDs {
		access = append(access, map[string]any{"service_id": id, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1})
	}
	var created struct {
		Resource []struct {
			ID int `json:"id"`
		} `json:"resource"`
	}
	if err := e.call(http.MethodPost, e.main.URL+"/api/v2/system/role", e.adminHeader, map[string]any{"resource": []any{map[string]any{
		"name": "bench_db", "description": "reads contact", "role_service_access_by_role_id": access,
	}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the role: %v", err)
	}
	roleID := created.Resource[0].ID
	created.Resource = nil
	if err := e.call(http.MethodPost, e.main.URL+"/api/v2/system/app", e.adminHeader,
		map[string]any{"resource": []any{map[string]any{"name": "bench_db", "role_id": roleID}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the app: %v", err)
	}
	var app struct {
		APIKey string `json:"api_key"`
	}
	if err := e.call(http.MethodGet, e.main.URL+"/api/v2/system/app/"+strconv.Itoa(created.Resource[0].ID)+"?fields=api_key",
		e.adminHeader, nil, &app); err != nil || app.APIKey == "" {
		return nil, fmt.Errorf("reading the app's API key: %v", err)
	}
	d.apiKey = app.APIKey
	const email, password = "db@bench.test", "secret123"
	created.Resource = nil
	if err := e.call(http.MethodPost, e.main.URL+"/api/v2/system/user", e.adminHeader,
		map[string]any{"resource": []any{map[string]any{"email": email, "password": password, "name": "DB"}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the user: %v", err)
	}
	var session struct {
		SessionToken string `json:"session_token"`
	}
	if err := e.call(http.MethodPost, e.main.URL+"/api/v2/user/session", http.Header{"X-DreamFactory-API-Key": {d.apiKey}},
		map[string]any{"email": email, "password": password}, &session); err != nil || session.SessionToken == "" {
		return nil, fmt.Errorf("user login: %v", err)
	}
	d.token = session.SessionToken

	for _, k := range d.kinds {
		if err := d.verify(k); err != nil {
			return nil, fmt.Errorf("%s: %w", k.kind, err)
		}
	}
	return d, nil
}

// benchPostgres creates the database apiary_bench_<pid> (after dropping older ones nobody uses)
// and returns its DSN.
func benchPostgres(ctx context.Context, base string) (string, error) {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	name := fmt.Sprintf("apiary_bench_%d", os.Getpid())
	rows, err := admin.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'apiary\\_bench\\_%'")
	if err != nil {
		return "", fmt.Errorf("listing old benchmark databases: %w", err)
	}
	var old []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return "", err
		}
		old = append(old, n)
	}
	rows.Close()
	for _, n := range old {
		// Without FORCE: a database another benchmark process is connected to stays. Ours (a
		// reused pid) has no connections and goes.
		_, _ = admin.ExecContext(ctx, `DROP DATABASE IF EXISTS "`+n+`"`)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating %s: %w", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// fillContacts creates contact with dbBenchRows rows and an index on city.
func fillContacts(ctx context.Context, driver, dsn string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, st := range []string{
		"CREATE TABLE contact (id INTEGER PRIMARY KEY, first_name VARCHAR(40) NOT NULL, last_name VARCHAR(40) NOT NULL, " +
			"email VARCHAR(255) NOT NULL, city VARCHAR(40) NOT NULL, age INTEGER NOT NULL)",
		"CREATE INDEX contact_city ON contact (city)",
	} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	placeholder := func(n int) string {
		if driver == "pgx" {
			return "$" + strconv.Itoa(n)
		}
		return "?"
	}
	const batch = 500
	for start := 1; start <= dbBenchRows; start += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO contact (id, first_name, last_name, email, city, age) VALUES ")
		var args []any
		for id := start; id < start+batch && id <= dbBenchRows; id++ {
			if id > start {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for c := 0; c < 6; c++ {
				if c > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(placeholder(len(args) + c + 1))
			}
			sb.WriteString(")")
			first, last := fmt.Sprintf("First%05d", id), fmt.Sprintf("Last%05d", id%977)
			args = append(args, id, first, last, strings.ToLower(first+"."+last)+"@example.com",
				dbBenchCities[id%len(dbBenchCities)], 18+id%60)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}

// contactSQL returns the baseline's statements, checked against the SQL the service builds for
// GET _table/contact/{id} (getRecord: WHERE id, LIMIT 1) and for the list (getRecords: the
// filter, ORDER BY the primary key, LIMIT 20) — sqltable.SelectSQL over the introspected columns.
func contactSQL(dialect string) (byID, list string, err error) {
	q := func(id string) string { return "`" + id + "`" }
	ph := func(int) string { return "?" }
	if dialect == "postgres" {
		q = func(id string) string { return `"` + id + `"` }
		ph = func(n int) string { return "$" + strconv.Itoa(n) }
	}
	cols := []string{"id", "first_name", "last_name", "email", "city", "age"}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = q(c)
	}
	sel := "SELECT " + strings.Join(quoted, ", ") + " FROM " + q("contact")
	byID = sel + " WHERE " + q("id") + " = " + ph(1) + " LIMIT 1"
	list = sel + " WHERE " + q("city") + " = " + ph(1) + " ORDER BY " + q("contact") + "." + q("id") + " LIMIT 20"

	kinds := map[string]string{"id": "int", "age": "int"}
	tcols := make([]sqltable.Column, len(cols))
	for i, c := range cols {
		k := kinds[c]
		if k == "" {
			k = "string"
		}
		tcols[i] = sqltable.Column{Name: c, Column: c, Kind: k}
	}
	tbl := sqltable.New("contact", tcols)
	gotByID, _ := tbl.SelectSQL(dialect, sqltable.Query{Where: []*entsql.Predicate{entsql.And(entsql.EQ("id", int64(1)))}, Limit: 1})
	p, err := tbl.Filter(dbBenchFilter, nil, nil, nil)
	if err != nil {
		return "", "", err
	}
	gotList, _ := tbl.SelectSQL(dialect, sqltable.Query{Where: []*entsql.Predicate{p}, Order: []sqltable.Order{{Column: "id"}}, Limit: 20})
	if gotByID != byID || gotList != list {
		return "", "", fmt.Errorf("the service builds other SQL than the baseline's:\n  %s\n  %s\nbaseline:\n  %s\n  %s", gotByID, gotList, byID, list)
	}
	return byID, list, nil
}

// benchContact is one row as the service writes it: encoding/json writes a map's keys sorted,
// so the fields are in alphabetical order.
type benchContact struct {
	Age       int64  `json:"age"`
	City      string `json:"city"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	ID        int64  `json:"id"`
	LastName  string `json:"last_name"`
}

// startDBBaseline serves GET /contact/{id} and GET /contact?city=… from prepared statements on
// its own pool.
func startDBBaseline(ctx context.Context, driver, dsn, byIDSQL, listSQL string) (string, *sql.DB, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	byID, err := db.PrepareContext(ctx, byIDSQL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	list, err := db.PrepareContext(ctx, listSQL)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
	}
	r := chi.NewRouter()
	r.Get("/contact/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		if err != nil {
			http.Error(w, `{"error":"bad id"}`, http.StatusBadRequest)
			return
		}
		var c benchContact
		err = byID.QueryRowContext(r.Context(), id).Scan(&c.ID, &c.FirstName, &c.LastName, &c.Email, &c.City, &c.Age)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		case err != nil:
			http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
			return
		}
		writeJSON(w, c)
	})
	r.Get("/contact", func(w http.ResponseWriter, r *http.Request) {
		rows, err := list.QueryContext(r.Context(), r.URL.Query().Get("city"))
		if err != nil {
			http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		out := make([]benchContact, 0, 20)
		for rows.Next() {
			var c benchContact
			if err := rows.Scan(&c.ID, &c.FirstName, &c.LastName, &c.Email, &c.City, &c.Age); err != nil {
				http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
				return
			}
			out = append(out, c)
		}
		if rows.Err() != nil {
			http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
			return
		}
		writeJSON(w, struct {
			Resource []benchContact `json:"resource"`
		}{out})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), db, nil
}

func (d *dbBenchEnv) byIDURL(k *dbBenchKind, id int) string {
	return d.main.URL + "/api/v2/" + k.service + "/_table/contact/" + strconv.Itoa(id)
}

func (d *dbBenchEnv) listURL(k *dbBenchKind) string {
	return d.main.URL + "/api/v2/" + k.service + "/_table/contact?filter=" + url.QueryEscape(dbBenchFilter) + "&limit=20"
}

func (d *dbBenchEnv) dbUserHeader() http.Header {
	return http.Header{"X-Dreamfactory-Api-Key": {d.apiKey}, "X-Dreamfactory-Session-Token": {d.token}}
}

// verify checks once, untimed, that Apiary and the baseline answer the same bytes.
func (d *dbBenchEnv) verify(k *dbBenchKind) error {
	get := func(u string, h http.Header) ([]byte, error) {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header = h
		resp, err := d.client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, body)
		}
		return body, nil
	}
	pairs := []struct{ apiary, baseline string }{
		{d.byIDURL(k, 4242), k.baselineURL + "/contact/4242"},
		{d.listURL(k), k.baselineURL + "/contact?city=" + url.QueryEscape(dbBenchCity)},
	}
	for _, p := range pairs {
		a, err := get(p.apiary, d.dbUserHeader())
		if err != nil {
			return fmt.Errorf("verifying Apiary: %w", err)
		}
		bl, err := get(p.baseline, http.Header{})
		if err != nil {
			return fmt.Errorf("verifying the baseline: %w", err)
		}
		if string(a) != string(bl) {
			return fmt.Errorf("Apiary and the baseline answer differently:\n  %s: %s\n  %s: %s", p.apiary, a, p.baseline, bl)
		}
	}
	var list struct {
		Resource []benchContact `json:"resource"`
	}
	if a, err := get(d.listURL(k), d.dbUserHeader()); err != nil || json.Unmarshal(a, &list) != nil || len(list.Resource) != 20 {
		return fmt.Errorf("the list answers %d rows, want 20 (%v)", len(list.Resource), err)
	}
	return nil
}

// dbBenchKinds are the subtests of every database benchmark.
var dbBenchKinds = []string{"sqlite", "pgsql"}

// nextID cycles over 1..dbBenchRows across all clients.
func nextID(n *atomic.Int64) int { return int(n.Add(1)%dbBenchRows) + 1 }

// baselineByID is GET /contact/{id} on the kind's baseline, ids cycling.
func (k *dbBenchKind) baselineByID() load {
	var n atomic.Int64
	return load{db: k.baselineDB, newReq: func() (*http.Request, error) {
		return http.NewRequest(http.MethodGet, k.baselineURL+"/contact/"+strconv.Itoa(nextID(&n)), nil)
	}}
}

// byID is GET _table/contact/{id} as the benchmark user, ids cycling.
func (d *dbBenchEnv) byID(k *dbBenchKind) load {
	h := d.dbUserHeader()
	var n atomic.Int64
	return load{newReq: func() (*http.Request, error) {
		return headerReq(h, http.MethodGet, d.byIDURL(k, nextID(&n)), nil)
	}}
}

// baselineList is the kind's baseline list of Lisbon contacts.
func (k *dbBenchKind) baselineList() load {
	u := k.baselineURL + "/contact?city=" + url.QueryEscape(dbBenchCity)
	return load{db: k.baselineDB, newReq: func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }}
}

// list is the filtered 20-row list as the benchmark user.
func (d *dbBenchEnv) list(k *dbBenchKind) load {
	u, h := d.listURL(k), d.dbUserHeader()
	return load{newReq: func() (*http.Request, error) { return headerReq(h, http.MethodGet, u, nil) }}
}

// eachDBKind runs one subtest per database kind with the environment setup returns
// (dbBenchSetup, or gqlBenchSetup for the benchmarks that need contact_note).
func eachDBKind(b *testing.B, setup func(*testing.B) *dbBenchEnv, fn func(b *testing.B, d *dbBenchEnv, k *dbBenchKind)) {
	for _, kind := range dbBenchKinds {
		b.Run(kind, func(b *testing.B) {
			d := setup(b)
			fn(b, d, d.kind(b, kind))
		})
	}
}

func BenchmarkDBBaselineByID(b *testing.B) {
	eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) { k.baselineByID().run(b, d.benchEnv) })
}

func BenchmarkDBByID(b *testing.B) {
	eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) { d.byID(k).run(b, d.benchEnv) })
}

func BenchmarkDBBaselineList(b *testing.B) {
	eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) { k.baselineList().run(b, d.benchEnv) })
}

func BenchmarkDBList(b *testing.B) {
	eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) { d.list(k).run(b, d.benchEnv) })
}
