// Pipeline benchmarks: what authenticate → authorize → events → handler costs on a real server.
//
// `make bench` runs, among the others, this file's benchmarks in one process against the same
// SQLite file and the same role row, each with ~8 concurrent keep-alive HTTP clients
// (SetParallelism(4) × GOMAXPROCS):
//
//	BenchmarkBaselineChiSQLite  a bare chi handler: GET /role/{id} → prepared
//	                            SELECT id, name, description, is_active FROM role WHERE id = ? → JSON
//	BenchmarkRESTRoleByID       GET /api/v2/system/role/{id} with X-DreamFactory-API-Key and
//	                            X-DreamFactory-Session-Token (a non-admin user whose role allows it)
//	BenchmarkGraphQLRoleByID    POST /graphql { role(id: …) { id name description isActive } },
//	                            same credentials: the same read by id (GET system/role/{id} in the
//	                            pipeline)
//	BenchmarkGraphQLRolesWhere  POST /graphql { roles(where: {id: …}) { edges { node { … } } } },
//	                            same credentials: the Relay connection filtered to that id
//	BenchmarkGraphQLTypename    POST /graphql { __typename }, same credentials: the floor of
//	                            /graphql (no resolver, no database)
//
// Each reports req/s (requests completed per wall-clock second), p50-µs and p99-µs (client-side
// latency of every request, merged over the clients), and cpu-µs/op: the CPU time (user and
// system) the whole process — clients, server, GC — used per request. On a machine that other
// work keeps busy, req/s follows the CPU share the process gets, while cpu-µs/op stays close to
// what a request costs: baseline cpu-µs/op ÷ pipeline cpu-µs/op estimates the req/s ratio. Client and server share the machine, so
// compare the benchmarks with each other, not with another machine: the numbers that matter are
// the ratios REST req/s ÷ baseline req/s and GraphQL req/s ÷ baseline req/s (target ≥ 0.70).
// `benchstat bench.txt` (golang.org/x/perf/cmd/benchstat) gives the median and spread of each
// metric over the -count repetitions; divide the medians. Other load on the machine (a build, a
// test run) moves every number a lot: compare runs made on an idle machine.
//
// conn-closes/op (not reported by BenchmarkGraphQLTypename, which reaches no database) counts
// the connections the serving *sql.DB closed for exceeding MaxIdleConns (each is reopened by a
// later request: pragmas and schema load again); ns/op, B/op and allocs/op are per request with
// client and server in one process. With -v the server's warnings and errors go to stderr, which
// explains a failing (non-200) benchmark.
//
// The server is started once per test process (sync.Once) and shared by every benchmark and
// every repetition; it runs until the process exits. Its data directory is created with
// os.MkdirTemp as $TMPDIR/apiary-bench-* and is NOT removed afterwards (a benchmark has no
// process-wide cleanup hook short of TestMain, and b.TempDir would be deleted after the first
// round of b.N): delete those directories by hand when they pile up.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/apiary/apiary/platform/store"
)

// benchEnv is the server, the baseline and the credentials shared by every benchmark.
type benchEnv struct {
	main        *Main
	baselineURL string
	baselineDB  *sql.DB
	apiKey      string
	token       string
	adminHeader http.Header // a sys-admin session (setup of other benchmarks, e.g. bench_db_test.go)
	roleID      int
	client      *http.Client
	graphQLBody []byte // role(id:)
	rolesWhere  []byte // roles(where: {id:})
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
)

// benchSetup returns the shared environment, building it on first use.
func benchSetup(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { benchE, benchErr = newBenchEnv() })
	if benchErr != nil {
		b.Fatalf("benchmark setup: %v", benchErr)
	}
	return benchE
}

func newBenchEnv() (*benchEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "apiary-bench-")
	if err != nil {
		return nil, err
	}
	m := NewMain()
	m.HTTPAddr = "127.0.0.1:0"
	m.DataDir = dir
	// Silent, except with -v: then warnings and errors (a 500's cause) go to stderr.
	logOut := io.Discard
	if testing.Verbose() {
		logOut = os.Stderr
	}
	m.Logger = slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := m.Run(ctx); err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	e := &benchEnv{main: m, client: &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
		},
	}}

	// The platform objects, created through the platform API as a client would.
	const adminEmail, adminPassword = "admin@bench.test", "admin-secret"
	if err := createAdmin(ctx, m.Platform.Client, adminEmail, adminPassword, "Bench Admin"); err != nil {
		return nil, fmt.Errorf("creating the sys-admin: %w", err)
	}
	var admin struct {
		SessionToken string `json:"session_token"`
	}
	if err := e.call(http.MethodPost, m.URL+"/api/v2/system/admin/session", nil,
		map[string]any{"email": adminEmail, "password": adminPassword}, &admin); err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	adminH := http.Header{"X-DreamFactory-Session-Token": {admin.SessionToken}}
	e.adminHeader = adminH

	var services struct {
		Resource []struct {
			ID int `json:"id"`
		} `json:"resource"`
	}
	if err := e.call(http.MethodGet, m.URL+"/api/v2/system/service?filter="+url.QueryEscape("name='system'")+"&fields=id",
		adminH, nil, &services); err != nil {
		return nil, fmt.Errorf("finding the system service: %w", err)
	}
	if len(services.Resource) != 1 {
		return nil, fmt.Errorf("finding the system service: %d results", len(services.Resource))
	}
	var created struct {
		Resource []struct {
			ID int `json:"id"`
		} `json:"resource"`
	}
	if err := e.call(http.MethodPost, m.URL+"/api/v2/system/role", adminH, map[string]any{"resource": []any{map[string]any{
		"name": "bench", "description": "benchmark role",
		"role_service_access_by_role_id": []any{map[string]any{
			"service_id": services.Resource[0].ID, "component": "role/*", "verb_mask": 1, "requestor_mask": 1,
		}},
	}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the role: %v (%d created)", err, len(created.Resource))
	}
	e.roleID = created.Resource[0].ID

	created.Resource = nil
	if err := e.call(http.MethodPost, m.URL+"/api/v2/system/app", adminH,
		map[string]any{"resource": []any{map[string]any{"name": "bench", "role_id": e.roleID}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the app: %v (%d created)", err, len(created.Resource))
	}
	var app struct {
		APIKey string `json:"api_key"`
	}
	if err := e.call(http.MethodGet, m.URL+"/api/v2/system/app/"+strconv.Itoa(created.Resource[0].ID)+"?fields=api_key",
		adminH, nil, &app); err != nil || app.APIKey == "" {
		return nil, fmt.Errorf("reading the app's API key: %v (key %q)", err, app.APIKey)
	}
	e.apiKey = app.APIKey

	const userEmail, userPassword = "u@bench.test", "secret123"
	created.Resource = nil
	if err := e.call(http.MethodPost, m.URL+"/api/v2/system/user", adminH,
		map[string]any{"resource": []any{map[string]any{"email": userEmail, "password": userPassword, "name": "U"}}}, &created); err != nil || len(created.Resource) != 1 {
		return nil, fmt.Errorf("creating the user: %v (%d created)", err, len(created.Resource))
	}
	var userSession struct {
		SessionToken string `json:"session_token"`
		RoleID       int    `json:"role_id"`
	}
	if err := e.call(http.MethodPost, m.URL+"/api/v2/user/session", http.Header{"X-DreamFactory-API-Key": {e.apiKey}},
		map[string]any{"email": userEmail, "password": userPassword}, &userSession); err != nil || userSession.SessionToken == "" {
		return nil, fmt.Errorf("user login: %v", err)
	}
	e.token = userSession.SessionToken

	// The baseline: its own connection pool on the same file, the same row.
	if e.baselineURL, e.baselineDB, err = startBaseline(ctx, filepath.Join(dir, "apiary.db")); err != nil {
		return nil, fmt.Errorf("starting the baseline: %w", err)
	}

	e.graphQLBody, err = json.Marshal(map[string]string{"query": fmt.Sprintf(
		"{ role(id: %d) { id name description isActive } }", e.roleID)})
	if err != nil {
		return nil, err
	}
	e.rolesWhere, err = json.Marshal(map[string]string{"query": fmt.Sprintf(
		"{ roles(where: {id: %d}) { edges { node { id name description isActive } } } }", e.roleID)})
	if err != nil {
		return nil, err
	}
	if err := e.verify(); err != nil {
		return nil, err
	}
	return e, nil
}

// call sends one JSON request and decodes a 2xx answer into out.
func (e *benchEnv) call(method, u string, h http.Header, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, u, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding %s: %w", method, u, data, err)
		}
	}
	return nil
}

// verify checks once, untimed, that the three benchmarked requests answer the role.
func (e *benchEnv) verify() error {
	var role struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	}
	if err := e.call(http.MethodGet, e.restURL(), e.userHeader(), nil, &role); err != nil {
		return fmt.Errorf("verifying REST: %w", err)
	}
	if role.ID != e.roleID || role.Name != "bench" {
		return fmt.Errorf("verifying REST: got role %d %q, want %d \"bench\"", role.ID, role.Name, e.roleID)
	}

	// Both GraphQL reads must answer the role, in their own shapes.
	type node struct {
		ID   json.Number `json:"id"`
		Name string      `json:"name"`
	}
	var byID struct {
		Data   struct{ Role *node } `json:"data"`
		Errors json.RawMessage      `json:"errors"`
	}
	var where struct {
		Data struct {
			Roles struct {
				Edges []struct{ Node node } `json:"edges"`
			} `json:"roles"`
		} `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	h := e.userHeader()
	h.Set("Content-Type", "application/json")
	for _, q := range []struct {
		body []byte
		out  any
		node func() *node
	}{
		{e.graphQLBody, &byID, func() *node { return byID.Data.Role }},
		{e.rolesWhere, &where, func() *node {
			if len(where.Data.Roles.Edges) != 1 {
				return nil
			}
			return &where.Data.Roles.Edges[0].Node
		}},
	} {
		var raw json.RawMessage
		if err := e.call(http.MethodPost, e.main.URL+"/graphql", h, json.RawMessage(q.body), &raw); err != nil {
			return fmt.Errorf("verifying GraphQL %s: %w", q.body, err)
		}
		if err := json.Unmarshal(raw, q.out); err != nil {
			return fmt.Errorf("verifying GraphQL %s: %w", q.body, err)
		}
		if n := q.node(); len(byID.Errors)+len(where.Errors) > 0 || n == nil || n.ID.String() != strconv.Itoa(e.roleID) || n.Name != "bench" {
			return fmt.Errorf("verifying GraphQL %s: unexpected answer %s", q.body, raw)
		}
	}

	role.ID, role.Name = 0, ""
	if err := e.call(http.MethodGet, e.baselineURL+"/role/"+strconv.Itoa(e.roleID), nil, nil, &role); err != nil {
		return fmt.Errorf("verifying the baseline: %w", err)
	}
	if role.ID != e.roleID || role.Name != "bench" {
		return fmt.Errorf("verifying the baseline: got role %d %q", role.ID, role.Name)
	}
	return nil
}

func (e *benchEnv) restURL() string {
	return e.main.URL + "/api/v2/system/role/" + strconv.Itoa(e.roleID)
}

func (e *benchEnv) userHeader() http.Header {
	return http.Header{"X-Dreamfactory-Api-Key": {e.apiKey}, "X-Dreamfactory-Session-Token": {e.token}}
}

// startBaseline serves GET /role/{id} from a prepared primary-key SELECT on its own *sql.DB.
func startBaseline(ctx context.Context, path string) (string, *sql.DB, error) {
	db, err := sql.Open("sqlite", store.SQLiteDSN(path))
	if err != nil {
		return "", nil, err
	}
	stmt, err := db.PrepareContext(ctx, "SELECT id, name, description, is_active FROM role WHERE id = ?")
	if err != nil {
		db.Close()
		return "", nil, err
	}
	type role struct {
		ID          int    `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		IsActive    bool   `json:"is_active"`
	}
	r := chi.NewRouter()
	r.Get("/role/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(chi.URLParam(r, "id"))
		if err != nil {
			http.Error(w, `{"error":"bad id"}`, http.StatusBadRequest)
			return
		}
		var x role
		err = stmt.QueryRowContext(r.Context(), id).Scan(&x.ID, &x.Name, &x.Description, &x.IsActive)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		case err != nil:
			http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(x)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stmt.Close()
		db.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), db, nil
}

// load is one benchmarked endpoint: how to build a request, how to check an answer (nil: any
// 200), and the *sql.DB whose idle-connection closes runLoad reports (nil: none).
type load struct {
	db     *sql.DB
	newReq func() (*http.Request, error)
	check  func([]byte) error
}

// run measures l alone (runLoad).
func (l load) run(b *testing.B, e *benchEnv) { runLoad(b, e, l) }

// send sends one request of l on c, reads the answer into buf and checks its status (200) and,
// with l.check, its body. It returns the request's latency: from just before the request is sent
// to just after its body is read, before any check.
func (l load) send(c *http.Client, buf *bytes.Buffer) (time.Duration, error) {
	req, err := l.newReq()
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("request: %w", err)
	}
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	lat := time.Since(start)
	if err != nil {
		return lat, fmt.Errorf("reading the body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return lat, fmt.Errorf("status %d: %s (run with -v for the server log)", resp.StatusCode, buf.Bytes())
	}
	if l.check != nil {
		if err := l.check(buf.Bytes()); err != nil {
			return lat, err
		}
	}
	return lat, nil
}

// headerReq builds a request with a copy of h as its headers and, when body is not nil, a fresh
// reader over body (a request consumes its body).
func headerReq(h http.Header, method, u string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err == nil {
		req.Header = h.Clone()
	}
	return req, err
}

// runLoad sends b.N requests of l (load.send) from SetParallelism(4)×GOMAXPROCS clients and
// reports req/s, p50-µs and p99-µs, and conn-closes/op: connections the server's pool l.db
// closed because more were idle than its MaxIdleConns (each is later reopened — connection
// churn; 0 is healthy). l.db may be nil (a pool the benchmark can not reach): then
// conn-closes/op is not reported.
func runLoad(b *testing.B, e *benchEnv, l load) {
	b.Helper()
	var (
		mu       sync.Mutex
		all      = make([]time.Duration, 0, 1<<16)
		reported atomic.Bool
	)
	fail := func(err error) {
		if reported.CompareAndSwap(false, true) {
			b.Errorf("%v", err)
		}
	}
	b.SetParallelism(4)
	b.ReportAllocs()
	idleClosed := func() int64 {
		if l.db == nil {
			return 0
		}
		return l.db.Stats().MaxIdleClosed
	}
	closed0 := idleClosed()
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		var buf bytes.Buffer
		defer func() {
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
		for pb.Next() {
			d, err := l.send(e.client, &buf)
			if err != nil {
				fail(err)
				return
			}
			lat = append(lat, d)
		}
	})
	b.StopTimer()
	cpu := processCPU() - cpu0
	closed := idleClosed() - closed0
	if b.Failed() || len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		i := int(p * float64(len(all)-1))
		return float64(all[i]) / float64(time.Microsecond)
	}
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "req/s")
	}
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	if l.db != nil {
		b.ReportMetric(float64(closed)/float64(b.N), "conn-closes/op")
	}
}

// processCPU is the CPU time (user and system) the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// baselineRole is GET /role/{id} on the bare chi baseline.
func (e *benchEnv) baselineRole() load {
	u := e.baselineURL + "/role/" + strconv.Itoa(e.roleID)
	return load{db: e.baselineDB, newReq: func() (*http.Request, error) { return http.NewRequest(http.MethodGet, u, nil) }}
}

// restRole is GET /api/v2/system/role/{id} as the benchmark user.
func (e *benchEnv) restRole() load {
	u, h := e.restURL(), e.userHeader()
	return load{db: e.main.Store.DB.DB, newReq: func() (*http.Request, error) { return headerReq(h, http.MethodGet, u, nil) }}
}

// gqlCheck fails on a GraphQL error answer (status 200 with "errors") and on an answer without
// want: a failing resolver must not pass for a fast one.
func gqlCheck(want string) func([]byte) error {
	return func(body []byte) error {
		if bytes.Contains(body, []byte(`"errors"`)) || !bytes.Contains(body, []byte(want)) {
			return fmt.Errorf("GraphQL answered %s (run with -v for the server log)", body)
		}
		return nil
	}
}

// graphQLRole is the role read by id through POST /graphql (role(id:)) as the benchmark user.
func (e *benchEnv) graphQLRole() load { return e.graphQLLoad(e.graphQLBody) }

// graphQLRolesWhere is the role read through POST /graphql as the Relay connection
// roles(where: {id:}) as the benchmark user.
func (e *benchEnv) graphQLRolesWhere() load { return e.graphQLLoad(e.rolesWhere) }

func (e *benchEnv) graphQLLoad(body []byte) load {
	u, h := e.main.URL+"/graphql", e.userHeader()
	h.Set("Content-Type", "application/json")
	return load{db: e.main.Store.DB.DB, newReq: func() (*http.Request, error) {
		return headerReq(h, http.MethodPost, u, body)
	}, check: gqlCheck(`"name":"bench"`)}
}

func BenchmarkBaselineChiSQLite(b *testing.B) { e := benchSetup(b); e.baselineRole().run(b, e) }

func BenchmarkRESTRoleByID(b *testing.B) { e := benchSetup(b); e.restRole().run(b, e) }

func BenchmarkGraphQLRoleByID(b *testing.B) { e := benchSetup(b); e.graphQLRole().run(b, e) }

func BenchmarkGraphQLRolesWhere(b *testing.B) { e := benchSetup(b); e.graphQLRolesWhere().run(b, e) }

// BenchmarkGraphQLTypename is the floor of /graphql: `{__typename}` reaches no resolver and no
// database, so what it costs over the baseline is gqlgen's handler and executor (with the
// middleware in front of /graphql) alone.
func BenchmarkGraphQLTypename(b *testing.B) {
	e := benchSetup(b)
	u, h := e.main.URL+"/graphql", e.userHeader()
	h.Set("Content-Type", "application/json")
	body := []byte(`{"query":"{ __typename }"}`)
	load{newReq: func() (*http.Request, error) {
		return headerReq(h, http.MethodPost, u, body)
	}, check: func(body []byte) error {
		if !bytes.Equal(body, []byte(`{"data":{"__typename":"Query"}}`)) {
			return fmt.Errorf("GraphQL answered %s", body)
		}
		return nil
	}}.run(b, e)
}
