package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // driver "mysql"

	"github.com/apiary/apiary/platform/store"
)

// dbBackends are the database kinds of database-service tests: sqlite always, pgsql and mysql
// when their DSNs are set.
func dbBackends(t *testing.T) []string {
	out := []string{"sqlite"}
	if os.Getenv("APIARY_TEST_POSTGRES_DSN") != "" {
		out = append(out, "pgsql")
	} else {
		t.Log("APIARY_TEST_POSTGRES_DSN is not set: skipping pgsql database services")
	}
	if os.Getenv("APIARY_TEST_MYSQL_DSN") != "" {
		out = append(out, "mysql")
	} else {
		t.Log("APIARY_TEST_MYSQL_DSN is not set: skipping mysql database services")
	}
	return out
}

// freshMySQL creates an empty MySQL/MariaDB database for one test, dropped afterwards, and
// returns its DSN.
func freshMySQL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("APIARY_TEST_MYSQL_DSN")
	admin, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("apiary_test_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating MySQL database: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE " + name); admin.Close() })
	return strings.Replace(base, "/test", "/"+name, 1)
}

// freshDatabase makes an empty database of kind — for SQLite the file sqliteFile under the
// data directory, which the service creates — and returns the service config that reaches it.
func freshDatabase(t *testing.T, kind, sqliteFile string) map[string]any {
	t.Helper()
	switch kind {
	case "pgsql":
		return map[string]any{"dsn": freshPostgres(t)}
	case "mysql":
		return map[string]any{"dsn": freshMySQL(t)}
	}
	return map[string]any{"database": sqliteFile}
}

// openDatabase opens the database a service config of kind reaches (a SQLite file relative
// to dataDir) and returns it with the column type of an auto-increment primary key there.
func openDatabase(t *testing.T, kind, dataDir string, cfg map[string]any) (*sql.DB, string) {
	t.Helper()
	var db *sql.DB
	var err error
	idType := "INTEGER PRIMARY KEY AUTOINCREMENT"
	switch kind {
	case "sqlite":
		db, err = sql.Open("sqlite", store.SQLiteDSN(filepath.Join(dataDir, cfg["database"].(string))))
	case "pgsql":
		db, err = sql.Open("pgx", cfg["dsn"].(string))
		idType = "SERIAL PRIMARY KEY"
	case "mysql":
		db, err = sql.Open("mysql", cfg["dsn"].(string))
		idType = "INT AUTO_INCREMENT PRIMARY KEY"
	}
	if err != nil {
		t.Fatal(err)
	}
	return db, idType
}

// execAll runs each statement on db in turn and fails the test on the first error.
func execAll(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, st := range stmts {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

// addressBook creates DreamFactory's sample tables (contact, contact_info) in a fresh database
// of kind, fills them, and returns the service config that reaches it.
func addressBook(t *testing.T, kind, dataDir string) map[string]any {
	t.Helper()
	cfg := freshDatabase(t, kind, "addressbook.db")
	db, idType := openDatabase(t, kind, dataDir, cfg)
	defer db.Close()
	execAll(t, db,
		"CREATE TABLE contact (id "+idType+", first_name VARCHAR(40) NOT NULL, last_name VARCHAR(40) NOT NULL, notes TEXT)",
		"CREATE TABLE contact_info (id "+idType+", contact_id INTEGER NOT NULL, info_type VARCHAR(32) NOT NULL, email VARCHAR(255), "+
			"FOREIGN KEY (contact_id) REFERENCES contact(id) ON DELETE CASCADE)",
		"INSERT INTO contact (first_name, last_name, notes) VALUES ('Jane', 'Doe', 'likes (parentheses) and = signs'), ('John', 'Smith', NULL), ('Jim', 'Beam', NULL), ('Alice', 'Jones', 'O''Brien''s friend')",
		"INSERT INTO contact_info (contact_id, info_type, email) VALUES (1, 'home', 'jane@home.test'), (1, 'work', 'jane@work.test'), (2, 'home', 'john@home.test')",
	)
	return cfg
}

// TestDatabaseServiceReads: the address book through /api/v2/{db}/_table and _schema, with
// DreamFactory's parameters, events and messages, on every database kind.
func TestDatabaseServiceReads(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			names := func(body any, field string) string {
				var out []string
				for _, r := range body.(map[string]any)["resource"].([]any) {
					out = append(out, fmt.Sprint(r.(map[string]any)[field]))
				}
				return strings.Join(out, ",")
			}
			root := "_schema,_table"
			if kind != "sqlite" {
				root += ",_proc,_func"
			}
			if got := names(s.must(200, "GET", "/api/v2/db", nil), "name"); got != root {
				t.Errorf("service root: %s", got)
			}
			if got := names(s.must(200, "GET", "/api/v2/db/_table", nil), "name"); got != "contact,contact_info" {
				t.Errorf("_table: %s", got)
			}
			q := url.QueryEscape
			cases := []struct{ query, want string }{
				{"", "Jane,John,Jim,Alice"},
				{"order=last_name", "Jim,Jane,Alice,John"},
				{"order=" + q("last_name desc") + "&limit=2&offset=1", "Jones,Doe"},
				{"filter=" + q("first_name like J%"), "Jane,John,Jim"},
				{"filter=" + q("(first_name like 'J%') AND (last_name != 'Smith')"), "Jane,Jim"},
				{"filter=" + q("first_name = 'Jane' or last_name = 'Jones'"), "Jane,Alice"},
				{"filter=" + q("notes = 'likes (parentheses) and = signs'"), "Jane"},
				{"filter=" + q("notes contains 'O''Brien'"), "Alice"},
				{"filter=" + q("notes is null"), "John,Jim"},
				{"filter=" + q("id in (2,4)"), "John,Alice"},
				{"ids=3,1", "Jane,Jim"},
			}
			for _, c := range cases {
				field := "first_name"
				if strings.Contains(c.query, "desc") {
					field = "last_name"
				}
				if got := names(s.must(200, "GET", "/api/v2/db/_table/contact?"+c.query, nil), field); got != c.want {
					t.Errorf("contact?%s = %s, want %s", c.query, got, c.want)
				}
			}
			body := s.must(200, "GET", "/api/v2/db/_table/contact?include_count=true&limit=1&fields=first_name", nil).(map[string]any)
			if body["meta"].(map[string]any)["count"].(float64) != 4 || !reflect.DeepEqual(body["resource"], []any{map[string]any{"first_name": "Jane"}}) {
				t.Errorf("include_count with fields: %v", body)
			}
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_info?count_only=true&filter="+q("contact_id = 1"), nil); n.(float64) != 2 {
				t.Errorf("count_only: %v", n)
			}
			one := s.must(200, "GET", "/api/v2/db/_table/contact/2?fields=id,last_name", nil)
			if !reflect.DeepEqual(one, map[string]any{"id": float64(2), "last_name": "Smith"}) {
				t.Errorf("by id: %v", one)
			}
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_table/contact?as_list=true", nil)); got != "map[resource:[1 2 3 4]]" {
				t.Errorf("as_list: %s", got)
			}
			errs := []struct {
				path    string
				status  int
				message string
			}{
				{"/api/v2/db/_table/contact/99", 404, "Record with identifier '99' not found."},
				{"/api/v2/db/_table/nope", 404, `Table &quot;nope&quot; does not exist in the database.`},
				{"/api/v2/db/_table/contact?fields=nope", 400, "Invalid field requested: nope"},
				{"/api/v2/db/_table/contact?filter=" + q("nope = 1"), 400, "Invalid or unparsable field in filter request: 'nope'"},
				{"/api/v2/db/_table/contact?filter=" + q("id = 1 OR 1=1"), 400, ""},
				{"/api/v2/db/_table/contact?filter=" + q("first_name = (SELECT 1)"), 400, ""},
				{"/api/v2/db/_table/contact?order=" + q("id; DROP TABLE contact"), 400, ""},
				{"/api/v2/db/_table/contact?ids=1,99", 400, "Batch Error: Not all requested records could be retrieved."},
				{"/api/v2/db/nope", 404, "Resource 'nope' not found for service 'db'."},
			}
			for _, c := range errs {
				status, body := s.do("GET", c.path, nil, creds(s.admin, ""))
				if status != c.status || (c.message != "" && errorMessage(body) != c.message) {
					t.Errorf("GET %s: %d %v, want %d %q", c.path, status, body, c.status, c.message)
				}
			}
			// The schema describes tables and DreamFactory-named relations.
			desc := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_schema/contact", nil))
			for _, want := range []string{"name:contact_info_by_contact_id", "type:has_many", "primary_key:id", "name:first_name"} {
				if !strings.Contains(desc, want) {
					t.Errorf("_schema/contact lacks %s", want)
				}
			}
			// Events: the templated name, then the concrete one.
			s.rec.take()
			s.must(200, "GET", "/api/v2/db/_table/contact/1", nil)
			want := []string{"db._table.{table_name}.{id}.get.pre_process", "db._table.contact.{id}.get.pre_process",
				"db._table.{table_name}.{id}.get.post_process", "db._table.contact.{id}.get.post_process",
				"db._table.{table_name}.{id}.get.queued", "db._table.contact.{id}.get.queued"}
			if got := s.rec.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
		})
	}
}

// TestDatabaseServiceAccess: a role that reaches one table sees only it; the service's
// password is never returned; a database that is down answers 503.
func TestDatabaseServiceAccess(t *testing.T) {
	s := MustServe(t, "sqlite")
	dbID := s.addressBookService("sqlite")
	f := s.readerFixture()
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": dbID, "component": "_table", "verb_mask": 1, "requestor_mask": 1},
		map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1},
	}})
	as := creds(f.token, f.key)
	if status, body := s.do("GET", "/api/v2/db/_table", nil, as); status != 200 || fmt.Sprint(body) != "map[resource:[map[name:contact]]]" {
		t.Errorf("_table for the role: %d %v", status, body)
	}
	if status, _ := s.do("GET", "/api/v2/db/_table/contact", nil, as); status != 200 {
		t.Errorf("contact: %d", status)
	}
	if status, body := s.do("GET", "/api/v2/db/_table/contact_info", nil, as); status != 403 ||
		errorMessage(body) != "Access Forbidden. GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role." {
		t.Errorf("contact_info: %d %v", status, body)
	}

	pg := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "down", "type": "pgsql",
		"config": map[string]any{"host": "127.0.0.1", "port": 1, "database": "x", "username": "u", "password": "s3cret"}})))
	svc := fmt.Sprint(s.must(200, "GET", fmt.Sprintf("/api/v2/system/service/%d", pg), nil))
	if strings.Contains(svc, "s3cret") || !strings.Contains(svc, "password:**********") {
		t.Errorf("service config exposes the password: %s", svc)
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", pg), map[string]any{"config": map[string]any{
		"host": "127.0.0.1", "port": 1, "database": "x", "username": "u", "password": "**********"}})
	if row, _ := s.m.Platform.Client.Service.Get(t.Context(), pg); row.Config["password"] != "s3cret" {
		t.Errorf("writing the mask back changed the password to %v", row.Config["password"])
	}
	status, body := s.do("GET", "/api/v2/down/_table", nil, creds(s.admin, ""))
	if status != 503 || !strings.HasPrefix(errorMessage(body), "Database service 'down' is unavailable") {
		t.Errorf("database down: %d %v", status, body)
	}
}

// TestGetWithBody: POST with X-HTTP-Method: GET reads with the parameters in the body, as
// DreamFactory clients send long filters and id lists.
func TestGetWithBody(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")
	h := creds(s.admin, "")
	h["X-HTTP-Method"] = "GET"
	status, body := s.do("POST", "/api/v2/db/_table/contact", map[string]any{
		"filter": "last_name = :ln OR first_name = :fn", "params": map[string]any{":ln": "Doe", "fn": "Jim"}, "fields": "first_name"}, h)
	if status != 200 || fmt.Sprint(body) != "map[resource:[map[first_name:Jane] map[first_name:Jim]]]" {
		t.Errorf("GET with a body: %d %v", status, body)
	}
	status, body = s.do("POST", "/api/v2/db/_table/contact", map[string]any{"ids": "2,4", "fields": "id"}, h)
	if status != 200 || fmt.Sprint(body) != "map[resource:[map[id:2] map[id:4]]]" {
		t.Errorf("GET ids with a body: %d %v", status, body)
	}
}

// TestGroupedReads: group with aggregates, on every database kind.
func TestGroupedReads(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			q := url.QueryEscape
			out := s.must(200, "GET", "/api/v2/db/_table/contact_info?group=contact_id&fields="+q("contact_id,COUNT(*),MAX(id)")+"&order=contact_id", nil)
			if got := fmt.Sprint(out); got != "map[resource:[map[COUNT_ALL:2 MAX_id:2 contact_id:1] map[COUNT_ALL:1 MAX_id:3 contact_id:2]]]" {
				t.Errorf("grouped read: %s", got)
			}
			for _, bad := range []string{"group=nope", "group=contact_id&fields=email", "group=contact_id&fields=" + q("SUM(nope)"), "group=" + q("contact_id; DROP TABLE contact")} {
				if status, _ := s.do("GET", "/api/v2/db/_table/contact_info?"+bad, nil, creds(s.admin, "")); status != 400 {
					t.Errorf("%s: %d, want 400", bad, status)
				}
			}
		})
	}
}
