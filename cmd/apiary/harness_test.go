package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiary/apiary/platform"
)

// recorder is a ScriptRunner that records the name of every fired event, in order; hook, when
// set, runs on each event (to short-circuit or fail a request).
type recorder struct {
	mu    sync.Mutex
	names []string
	hook  func(name string, ev *platform.Event) error
}

func (r *recorder) RunEvent(_ context.Context, name string, ev *platform.Event) error {
	r.mu.Lock()
	r.names = append(r.names, name)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		return hook(name, ev)
	}
	return nil
}

// take returns the recorded names and starts a new recording.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.names
	r.names = nil
	return out
}

// backends are the platform databases the end-to-end suite runs on: SQLite always, PostgreSQL
// when APIARY_TEST_POSTGRES_DSN is set.
func backends(t *testing.T) []string {
	out := []string{"sqlite"}
	if os.Getenv("APIARY_TEST_POSTGRES_DSN") != "" {
		out = append(out, "postgres")
	} else {
		t.Log("APIARY_TEST_POSTGRES_DSN is not set: skipping the PostgreSQL backend")
	}
	return out
}

// eachBackend runs fn once per backend as a subtest.
func eachBackend(t *testing.T, fn func(t *testing.T, backend string)) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) { fn(t, b) })
	}
}

// freshPostgres creates an empty database for one test and drops it afterwards.
func freshPostgres(t *testing.T) string {
	t.Helper()
	base := os.Getenv("APIARY_TEST_POSTGRES_DSN")
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("apiary_test_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// server is a running Apiary for one test.
type server struct {
	t     *testing.T
	m     *Main
	rec   *recorder
	admin string // an admin session token
}

// MustServe starts a server on backend with a temporary data directory and a sys-admin
// (admin@example.com / secret123) logged in. configure may adjust Main before it runs.
func MustServe(t *testing.T, backend string, configure ...func(*Main)) *server {
	t.Helper()
	m := NewMain()
	m.HTTPAddr = "127.0.0.1:0"
	m.DataDir = t.TempDir()
	m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &recorder{}
	m.Scripts = rec
	if backend == "postgres" {
		m.DB = freshPostgres(t)
	}
	for _, c := range configure {
		c(m)
	}
	ctx := context.Background()
	if err := m.Run(ctx); err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if err := createAdmin(ctx, m.Platform.Client, "admin@example.com", "secret123", "Admin"); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, m: m, rec: rec}
	s.admin = s.login("system/admin/session", "admin@example.com", "secret123", "")
	rec.take()
	return s
}

// restarted closes s's server and starts a new one on the same data directory and database,
// with the same logger and admin token (which a restart keeps). configure may adjust the new
// Main before it runs.
func (s *server) restarted(configure ...func(*Main)) *server {
	s.t.Helper()
	old := s.m
	if err := old.Close(); err != nil {
		s.t.Fatal(err)
	}
	m := NewMain()
	m.HTTPAddr, m.DataDir, m.DB, m.Logger = "127.0.0.1:0", old.DataDir, old.DB, old.Logger
	for _, c := range configure {
		c(m)
	}
	if err := m.Run(context.Background()); err != nil {
		s.t.Fatalf("restarting the server: %v", err)
	}
	s.t.Cleanup(func() { _ = m.Close() })
	return &server{t: s.t, m: m, rec: &recorder{}, admin: s.admin}
}

// storedConfig is the value of key in the config of service id as system/service answers it,
// printed.
func (s *server) storedConfig(id int, key string) string {
	s.t.Helper()
	c := s.must(200, "GET", fmt.Sprintf("/api/v2/system/service/%d", id), nil).(map[string]any)["config"].(map[string]any)
	return fmt.Sprint(c[key])
}

// withKeys returns a copy of m with the pairs of kv (key, value, …) set; a nil value removes
// the key.
func withKeys(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// headers builds request headers: a session token and/or an API key.
func creds(token, key string) map[string]string {
	h := map[string]string{}
	if token != "" {
		h["X-DreamFactory-Session-Token"] = token
	}
	if key != "" {
		h["X-DreamFactory-API-Key"] = key
	}
	return h
}

// do sends a request and returns the status and the decoded JSON body (nil when empty).
func (s *server) do(method, path string, body any, headers map[string]string) (int, any) {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, s.m.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: response is not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// must sends a request as the admin and fails the test unless the status is want.
func (s *server) must(want int, method, path string, body any) any {
	s.t.Helper()
	status, out := s.do(method, path, body, creds(s.admin, ""))
	if status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

// login starts a session and returns its token.
func (s *server) login(path, email, password, key string) string {
	s.t.Helper()
	status, out := s.do("POST", "/api/v2/"+path, map[string]any{"email": email, "password": password}, creds("", key))
	if status != 200 {
		s.t.Fatalf("login %s: status %d: %v", email, status, out)
	}
	return out.(map[string]any)["session_token"].(string)
}

// gql runs a GraphQL operation and returns data and errors.
func (s *server) gql(query string, vars map[string]any, headers map[string]string) (map[string]any, []any) {
	s.t.Helper()
	status, out := s.do("POST", "/graphql", map[string]any{"query": query, "variables": vars}, headers)
	m, _ := out.(map[string]any)
	if m == nil {
		s.t.Fatalf("graphql: status %d, body %v", status, out)
	}
	data, _ := m["data"].(map[string]any)
	errs, _ := m["errors"].([]any)
	return data, errs
}

// errorMessage returns error.message of a DreamFactory envelope.
func errorMessage(body any) string {
	m, _ := body.(map[string]any)
	e, _ := m["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

// firstID returns resource[0].id of a write response.
func firstID(body any) int {
	list := body.(map[string]any)["resource"].([]any)
	return int(list[0].(map[string]any)["id"].(float64))
}

// recordsOf returns the records of a {"resource": […]} body, or a bare record as one.
func recordsOf(body any) []map[string]any {
	m, _ := body.(map[string]any)
	list, ok := m["resource"].([]any)
	if !ok {
		return []map[string]any{m}
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = r.(map[string]any)
	}
	return out
}

// pluck renders each row's relation rel as the given field of its related rows, the rows named
// by key: "Jane:[a b]" for lists, "x:Jane" for an object, "x:<nil>" for null, "x:missing"
// when the row lacks rel.
func pluck(rows []map[string]any, key, rel, field string) string {
	var out []string
	for _, r := range rows {
		switch v := r[rel].(type) {
		case []any:
			var vals []string
			for _, x := range v {
				vals = append(vals, fmt.Sprint(x.(map[string]any)[field]))
			}
			out = append(out, fmt.Sprintf("%v:%v", r[key], vals))
		case map[string]any:
			out = append(out, fmt.Sprintf("%v:%v", r[key], v[field]))
		default:
			if _, ok := r[rel]; !ok {
				out = append(out, fmt.Sprintf("%v:missing", r[key]))
			} else {
				out = append(out, fmt.Sprintf("%v:%v", r[key], v))
			}
		}
	}
	return strings.Join(out, " ")
}

// count returns how many rows a system resource lists for the admin.
func (s *server) count(resource string) int {
	s.t.Helper()
	out := s.must(200, "GET", "/api/v2/system/"+resource+"?count_only=true", nil)
	return int(out.(float64))
}

// serviceID returns the id of a service by name.
func (s *server) serviceID(name string) int {
	s.t.Helper()
	out := s.must(200, "GET", "/api/v2/system/service?filter="+url.QueryEscape("name='"+name+"'")+"&fields=id", nil)
	return firstID(out)
}

// addressBookService registers the address book (addressBook) on kind as the service "db",
// with the pairs of kv (key, value, …) set in its config as withKeys does, and returns the
// service's id.
func (s *server) addressBookService(kind string, kv ...any) int {
	s.t.Helper()
	return s.dbService(kind, withKeys(addressBook(s.t, kind, s.m.DataDir), kv...))
}

// addressBookGroupsService is addressBookService with addressBookGroups' tables added.
func (s *server) addressBookGroupsService(kind string, kv ...any) int {
	s.t.Helper()
	cfg := addressBook(s.t, kind, s.m.DataDir)
	addressBookGroups(s.t, kind, s.m.DataDir, cfg)
	return s.dbService(kind, withKeys(cfg, kv...))
}

// dbService registers a database service "db" of kind with config cfg and returns its id.
func (s *server) dbService(kind string, cfg map[string]any) int {
	s.t.Helper()
	return firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg})))
}

// serviceInstance returns the running instance of service name (platform.ServiceInstance of
// its row), to tell whether a change kept or replaced it.
func (s *server) serviceInstance(name string) any {
	s.t.Helper()
	rows, err := s.m.Platform.ServiceRows(s.t.Context())
	if err != nil {
		s.t.Fatal(err)
	}
	inst, err := s.m.Platform.ServiceInstance(rows[name])
	if err != nil {
		s.t.Fatal(err)
	}
	return inst
}
