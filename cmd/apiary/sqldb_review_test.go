package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestRowFilterDodges: the ways around a role's row filters found in review are closed.
func TestRowFilterDodges(t *testing.T) {
	s := MustServe(t, "sqlite")
	dbID := s.addressBookService("sqlite")
	f := s.readerFixture()
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": dbID, "component": "_table/contact_info/*", "verb_mask": 31, "requestor_mask": 1,
			"filters": []any{map[string]any{"name": "contact_id", "operator": "=", "value": "1"}}},
		map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 31, "requestor_mask": 1},
	}})
	as := creds(f.token, f.key)
	base := "/api/v2/db/_table/contact_info"
	// The same field twice, in two spellings.
	if status, _ := s.do("PATCH", base+"/1", map[string]any{"contact_id": 1, "CONTACT_ID": 2}, as); status != 400 {
		t.Errorf("a field given twice: %d, want 400", status)
	}
	// A nested belongs_to parent that moves the record outside the filters.
	status, body := s.do("POST", base, rec(map[string]any{"info_type": "x", "contact_id": 1,
		"contact_by_contact_id": map[string]any{"id": 2, "first_name": "John", "last_name": "Smith"}}), as)
	if status != 400 || !strings.Contains(fmt.Sprint(body), "Denied access") {
		t.Errorf("nested parent outside the filters: %d %v", status, body)
	}
	// A create that leaves the filtered field out.
	if status, _ := s.do("POST", base, rec(map[string]any{"info_type": "no contact"}), as); status != 400 {
		t.Errorf("create without the filtered field: %d", status)
	}
	rows := s.must(200, "GET", base+"?fields=contact_id&filter=contact_id%20!=%201", nil)
	if n := len(rows.(map[string]any)["resource"].([]any)); n != 1 { // only John's original row
		t.Errorf("rows outside the filters: %d, want 1", n)
	}
}

// TestOddNames: tables and columns whose names look like SQL are quoted, never run; names with
// quote characters are left out.
func TestOddNames(t *testing.T) {
	kinds := []string{"sqlite"}
	if os.Getenv("APIARY_TEST_POSTGRES_DSN") != "" {
		kinds = append(kinds, "pgsql")
	}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			var db *sql.DB
			var cfg map[string]any
			var err error
			if kind == "sqlite" {
				db, err = sql.Open("sqlite", s.m.DataDir+"/odd.db")
				cfg = map[string]any{"database": "odd.db"}
			} else {
				dsn := freshPostgres(t)
				db, err = sql.Open("pgx", dsn)
				cfg = map[string]any{"dsn": dsn}
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			execAll(t, db,
				`CREATE TABLE "ALLOC" (id INTEGER PRIMARY KEY, "ALLOWED" INTEGER, "(select 1)" INTEGER, "distinct x" TEXT, "bad""quote" TEXT)`,
				`INSERT INTO "ALLOC" (id, "ALLOWED", "(select 1)", "distinct x", "bad""quote") VALUES (1, 7, 42, 'd', 'q')`,
			)
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "odd", "type": kind, "config": cfg}))
			got := fmt.Sprint(s.must(200, "GET", "/api/v2/odd/_table/ALLOC?order=ALLOWED", nil))
			if got != "map[resource:[map[(select 1):42 ALLOWED:7 distinct x:d id:1]]]" {
				t.Errorf("odd names read: %s", got)
			}
			s.must(200, "PATCH", "/api/v2/odd/_table/ALLOC/1", map[string]any{"(select 1)": 43, "ALLOWED": 8})
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/odd/_table/ALLOC/1?fields="+url.QueryEscape("(select 1),ALLOWED"), nil)); got != "map[(select 1):43 ALLOWED:8]" {
				t.Errorf("odd names after update: %s", got)
			}
		})
	}
}

// TestPoolsSurviveFlushes: a write elsewhere (any user's profile change flushes the caches)
// keeps a database service's pool, and so does a change to the service's row that leaves its
// connection as it is; a change to the connection replaces it.
func TestPoolsSurviveFlushes(t *testing.T) {
	s := MustServe(t, "sqlite")
	cfg := addressBook(t, "sqlite", s.m.DataDir)
	id := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": "sqlite", "config": cfg})))
	instance := func() any {
		t.Helper()
		s.must(200, "GET", "/api/v2/db/_table/contact?limit=1", nil)
		return s.serviceInstance("db")
	}
	first := instance()
	s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "unrelated"}))
	if instance() != first {
		t.Error("an unrelated write replaced the database service (and its pool)")
	}
	// A change that leaves the connection as it is (here the description) keeps the instance
	// and its pool (platform.Reconfigurer); one that changes the connection replaces it.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", id), map[string]any{"description": "changed"})
	if instance() != first {
		t.Error("a change that keeps the connection replaced the database service (and its pool)")
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", id), map[string]any{"config": withKeys(cfg, "max_records", 50)})
	if instance() == first {
		t.Error("a change to the service's connection kept the old instance")
	}
}

// TestClientMistakesAreNot500: values out of a column's range and repeated ids.
func TestClientMistakesAreNot500(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			if status, _ := s.do("GET", "/api/v2/db/_table/contact/99999999999", nil, creds(s.admin, "")); status != 404 {
				t.Errorf("id out of range: %d, want 404", status)
			}
			if status, _ := s.do("GET", "/api/v2/db/_table/contact?filter="+url.QueryEscape("id = 99999999999"), nil, creds(s.admin, "")); status >= 500 {
				t.Errorf("filter value out of range: %d", status)
			}
			if out := s.must(200, "GET", "/api/v2/db/_table/contact?ids=1,1,2&fields=id", nil); fmt.Sprint(out) != "map[resource:[map[id:1] map[id:2]]]" {
				t.Errorf("repeated ids: %v", out)
			}
		})
	}
}
