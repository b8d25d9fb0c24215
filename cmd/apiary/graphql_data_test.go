package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apiary/apiary/platform/sqldb"
	"github.com/apiary/apiary/platform/store"
	"github.com/apiary/apiary/platform/store/storetest"
)

// gqlData runs an operation on /graphql/{service} and returns data and errors.
func (s *server) gqlData(service, query string, vars map[string]any, headers map[string]string) (map[string]any, []any) {
	s.t.Helper()
	status, out := s.do("POST", "/graphql/"+service, map[string]any{"query": query, "variables": vars}, headers)
	m, _ := out.(map[string]any)
	if m == nil {
		s.t.Fatalf("graphql/%s: status %d, body %v", service, status, out)
	}
	data, _ := m["data"].(map[string]any)
	errs, _ := m["errors"].([]any)
	return data, errs
}

// mustData runs an operation as the admin and fails on any error.
func (s *server) mustData(service, query string, vars map[string]any) map[string]any {
	s.t.Helper()
	data, errs := s.gqlData(service, query, vars, creds(s.admin, ""))
	if len(errs) > 0 {
		s.t.Fatalf("graphql/%s %s: %v", service, query, errs)
	}
	return data
}

// project keeps the given keys of each REST record (JSON round trip, so numbers compare).
func project(list any, keys ...string) []any {
	var out []any
	for _, r := range list.([]any) {
		m := r.(map[string]any)
		p := map[string]any{}
		for _, k := range keys {
			p[k] = m[k]
		}
		out = append(out, p)
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestGraphQLDataParity: the address book through /graphql/db — filters, ordering, paging,
// _by_pk, _aggregate and nested belongs_to / has_many / many_many relations — answers the rows
// REST answers for the same calls, on every database kind.
func TestGraphQLDataParity(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookGroupsService(kind)
			q := url.QueryEscape

			// Filters with quotes, parentheses, IN lists, LIKE, IS NULL, NOT and OR.
			cases := []struct{ where, filter string }{
				{`{last_name: {_in: ["Doe", "Smith"]}}`, "last_name IN ('Doe','Smith')"},
				{`{notes: {_eq: "O'Brien's friend"}}`, "notes = 'O''Brien''s friend'"},
				{`{notes: {_like: "%(parentheses)%"}}`, "notes LIKE '%(parentheses)%'"},
				{`{notes: {_is_null: true}}`, "notes IS NULL"},
				{`{_not: {first_name: {_eq: "Jane"}}, id: {_gt: 1}}`, "(NOT (first_name = 'Jane')) AND (id > 1)"},
				{`{_or: [{first_name: {_eq: "Jim"}}, {last_name: {_nin: ["Doe", "Smith", "Beam"]}}]}`, "(first_name = 'Jim') OR (last_name NOT IN ('Doe','Smith','Beam'))"},
				{`{first_name: {_eq: "x' OR 1=1 --"}}`, "first_name = 'x'' OR 1=1 --'"},
			}
			for _, c := range cases {
				data := s.mustData("db", `{ contact(where: `+c.where+`, order_by: [{last_name: desc}]) { id first_name last_name notes } }`, nil)
				rest := s.must(200, "GET", "/api/v2/db/_table/contact?order=last_name+desc&fields=id,first_name,last_name,notes&filter="+q(c.filter), nil)
				if want := rest.(map[string]any)["resource"]; !jsonEqual(data["contact"], want) {
					t.Errorf("where %s:\n graphql %v\n rest    %v", c.where, data["contact"], want)
				}
			}

			// Nested has_many with its own where / order_by / limit, belongs_to, many_many.
			data := s.mustData("db", `{
				contact(order_by: {id: asc}, limit: 3, offset: 0) {
					id first_name
					contact_info_by_contact_id(order_by: [{info_type: desc}]) { info_type email }
					work: contact_info_by_contact_id(where: {info_type: {_eq: "work"}}) { email }
					contact_group_by_contact_group_relationship(order_by: {name: asc}) { name }
				}
				contact_info(order_by: {id: asc}) { id contact_by_contact_id { first_name } }
				contact_by_pk(id: 2) { first_name contact_info_by_contact_id { email } }
				missing: contact_by_pk(id: 999) { id }
				contact_aggregate(where: {notes: {_is_null: true}}) { count }
			}`, nil)
			rest := s.must(200, "GET", "/api/v2/db/_table/contact?order=id&limit=3&related="+q("contact_info_by_contact_id,contact_group_by_contact_group_relationship"), nil).(map[string]any)["resource"].([]any)
			got := data["contact"].([]any)
			if len(got) != len(rest) {
				t.Fatalf("contact: %d rows, REST %d", len(got), len(rest))
			}
			for i, r := range rest {
				rm, gm := r.(map[string]any), got[i].(map[string]any)
				infos := project(rm["contact_info_by_contact_id"], "info_type", "email")
				sort.Slice(infos, func(a, b int) bool {
					return infos[a].(map[string]any)["info_type"].(string) > infos[b].(map[string]any)["info_type"].(string)
				})
				if infos == nil {
					infos = []any{}
				}
				if rm["id"] != gm["id"] || !jsonEqual(gm["contact_info_by_contact_id"], infos) {
					t.Errorf("contact %v infos: graphql %v, REST %v", rm["id"], gm["contact_info_by_contact_id"], infos)
				}
				var work []any
				for _, in := range infos {
					if in.(map[string]any)["info_type"] == "work" {
						work = append(work, map[string]any{"email": in.(map[string]any)["email"]})
					}
				}
				if work == nil {
					work = []any{}
				}
				if !jsonEqual(gm["work"], work) {
					t.Errorf("contact %v work: %v, want %v", rm["id"], gm["work"], work)
				}
				groups := project(rm["contact_group_by_contact_group_relationship"], "name")
				sort.Slice(groups, func(a, b int) bool {
					return groups[a].(map[string]any)["name"].(string) < groups[b].(map[string]any)["name"].(string)
				})
				if groups == nil {
					groups = []any{}
				}
				if !jsonEqual(gm["contact_group_by_contact_group_relationship"], groups) {
					t.Errorf("contact %v groups: graphql %v, REST %v", rm["id"], gm["contact_group_by_contact_group_relationship"], groups)
				}
			}
			restInfo := s.must(200, "GET", "/api/v2/db/_table/contact_info?order=id&related=contact_by_contact_id", nil).(map[string]any)["resource"].([]any)
			for i, r := range restInfo {
				rm, gm := r.(map[string]any), data["contact_info"].([]any)[i].(map[string]any)
				want := rm["contact_by_contact_id"].(map[string]any)["first_name"]
				if gm["contact_by_contact_id"].(map[string]any)["first_name"] != want {
					t.Errorf("info %v contact: %v, want %v", rm["id"], gm["contact_by_contact_id"], want)
				}
			}
			if got := fmt.Sprint(data["contact_by_pk"]); got != "map[contact_info_by_contact_id:[map[email:john@home.test]] first_name:John]" {
				t.Errorf("contact_by_pk: %s", got)
			}
			if data["missing"] != nil {
				t.Errorf("missing row: %v", data["missing"])
			}
			n := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true&filter="+q("notes IS NULL"), nil)
			if c := data["contact_aggregate"].(map[string]any)["count"]; c != n {
				t.Errorf("aggregate count %v, REST %v", c, n)
			}

			// Errors: an unknown field is a validation error; a limit over the page size is refused.
			if _, errs := s.gqlData("db", `{ contact { nope } }`, nil, creds(s.admin, "")); len(errs) == 0 {
				t.Error("unknown field accepted")
			}
			_, errs := s.gqlData("db", `{ contact(limit: 5000) { id } }`, nil, creds(s.admin, ""))
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), "PAGE_SIZE_LIMIT_EXCEEDED") {
				t.Errorf("limit over the page size: %v", errs)
			}
			if !reflect.DeepEqual(s.mustData("db", `{ contact(limit: 0) { id } }`, nil)["contact"], []any{}) {
				t.Error("limit 0")
			}
		})
	}
}

// TestGraphQLDataAccessAndEvents: a role sees only the tables and operations it may use (in the
// schema and at run time); GraphQL reads and writes fire the REST event names; a real
// pre_process script on db._table.contact.get rewrites a GraphQL query; a mutation is one
// transaction.
func TestGraphQLDataAccessAndEvents(t *testing.T) {
	s := scripted(t)
	dbID := s.serviceID("db")
	// A role that reads and inserts contact, reads nothing else of db.
	role := firstID(s.must(201, "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{
		"name": "contacts", "role_service_access_by_role_id": []any{
			map[string]any{"service_id": dbID, "component": "_table/contact", "verb_mask": 1 | 2, "requestor_mask": 1},
			map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1},
		}}}}))
	app := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "web", "role_id": role})))
	key := s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", app), nil).(map[string]any)["api_key"].(string)
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": "u@example.com", "password": "userpass1", "name": "U"}))
	user := creds(s.login("user/session", "u@example.com", "userpass1", key), key)

	types := func(h map[string]string) string {
		data, errs := s.gqlData("db", `{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`, nil, h)
		if len(errs) > 0 {
			t.Fatalf("introspection: %v", errs)
		}
		return fmt.Sprint(data["__schema"])
	}
	if got := types(user); !strings.Contains(got, "name:contact_by_pk") || strings.Contains(got, "contact_info") ||
		!strings.Contains(got, "insert_contact_one") || strings.Contains(got, "update_contact") || strings.Contains(got, "delete_contact") {
		t.Errorf("the role's schema: %s", got)
	}
	if got := types(creds(s.admin, "")); !strings.Contains(got, "contact_info") || !strings.Contains(got, "delete_contact_by_pk") {
		t.Errorf("the admin's schema: %s", got)
	}
	// contact_info is not in the role's schema: a validation error, not data.
	data, errs := s.gqlData("db", `{ contact_info { id } }`, nil, user)
	if len(errs) == 0 || data != nil {
		t.Errorf("contact_info for the role: %v %v", data, errs)
	}
	// Nor is the relation to it.
	if _, errs := s.gqlData("db", `{ contact { contact_info_by_contact_id { id } } }`, nil, user); len(errs) == 0 {
		t.Error("relation to an invisible table accepted")
	}
	// No credentials at all: REST's message and status.
	status, out := s.do("POST", "/graphql/db", map[string]any{"query": "{ contact { id } }"}, nil)
	if status != 400 || !strings.Contains(fmt.Sprint(out), "No session token (JWT) or API Key") {
		t.Errorf("no credentials: %d %v", status, out)
	}
	// An unknown service.
	if status, _ := s.do("POST", "/graphql/nope", map[string]any{"query": "{ x }"}, creds(s.admin, "")); status != 404 {
		t.Errorf("unknown service: %d", status)
	}

	// A pre_process script on the concrete REST event name rewrites the GraphQL query's request.
	s.script("db._table.contact.get.pre_process", `event.request.parameters.filter = "first_name = 'Jim'";`, true)
	data, errs = s.gqlData("db", `{ contact { first_name } }`, nil, user)
	if len(errs) > 0 || fmt.Sprint(data["contact"]) != "[map[first_name:Jim]]" {
		t.Errorf("with the pre_process script: %v %v", data, errs)
	}
	s.must(200, "DELETE", "/api/v2/system/event_script/db._table.contact.get.pre_process", nil)

	// Mutations: insert_contact is one transaction; the second record fails (its id is taken),
	// so neither is written.
	before := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil)
	_, errs = s.gqlData("db", `mutation { insert_contact(objects: [{first_name: "A", last_name: "B"}, {first_name: "C", last_name: "D", id: 1}]) { affected_rows } }`, nil, user)
	if len(errs) == 0 {
		t.Error("a failing batch succeeded")
	}
	if after := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil); after != before {
		t.Errorf("a failed insert wrote rows: %v → %v", before, after)
	}
	data, errs = s.gqlData("db", `mutation($o: [contact_insert_input!]!) { insert_contact(objects: $o) { affected_rows returning { id first_name } } }`,
		map[string]any{"o": []any{map[string]any{"first_name": "Ann", "last_name": "Lee"}, map[string]any{"first_name": "Bo", "last_name": "Ek"}}}, user)
	if len(errs) > 0 || !strings.Contains(fmt.Sprint(data), "affected_rows:2") || !strings.Contains(fmt.Sprint(data), "first_name:Bo") {
		t.Errorf("insert_contact: %v %v", data, errs)
	}
	// The role may not update: the field is not in its schema.
	if _, errs := s.gqlData("db", `mutation { update_contact_by_pk(id: 1, _set: {first_name: "X"}) { id } }`, nil, user); len(errs) == 0 {
		t.Error("update without the verb")
	}
	// The admin updates and deletes; rows come back.
	data = s.mustData("db", `mutation { update_contact(where: {last_name: {_eq: "Lee"}}, _set: {notes: "it's new"}) { affected_rows returning { notes } } }`, nil)
	if fmt.Sprint(data) != "map[update_contact:map[affected_rows:1 returning:[map[notes:it's new]]]]" {
		t.Errorf("update_contact: %v", data)
	}
	data = s.mustData("db", `mutation { a: update_contact_by_pk(id: 999, _set: {notes: "x"}) { id } b: delete_contact(where: {first_name: {_in: ["Ann", "Bo"]}}) { affected_rows returning { first_name } } }`, nil)
	if fmt.Sprint(data) != "map[a:<nil> b:map[affected_rows:2 returning:[map[first_name:Ann] map[first_name:Bo]]]]" {
		t.Errorf("update missing / delete: %v", data)
	}

	// Through the recorder: the REST event names, in REST's order.
	s2 := MustServe(t, "sqlite")
	s2.addressBookService("sqlite")
	s2.rec.take()
	s2.mustData("db", `{ contact(limit: 2) { id contact_info_by_contact_id { email } } contact_by_pk(id: 1) { id } }`, nil)
	got := strings.Join(s2.rec.take(), "\n")
	want := strings.Join([]string{
		"db._table.{table_name}.get.pre_process", "db._table.contact.get.pre_process",
		"db._table.{table_name}.get.post_process", "db._table.contact.get.post_process",
		"db._table.{table_name}.get.queued", "db._table.contact.get.queued",
		"db._table.{table_name}.get.pre_process", "db._table.contact_info.get.pre_process",
		"db._table.{table_name}.get.post_process", "db._table.contact_info.get.post_process",
		"db._table.{table_name}.get.queued", "db._table.contact_info.get.queued",
		"db._table.{table_name}.{id}.get.pre_process", "db._table.contact.{id}.get.pre_process",
		"db._table.{table_name}.{id}.get.post_process", "db._table.contact.{id}.get.post_process",
		"db._table.{table_name}.{id}.get.queued", "db._table.contact.{id}.get.queued",
	}, "\n")
	if got != want {
		t.Errorf("events:\n%s\nwant\n%s", got, want)
	}
}

// countingSQLite makes sqlite services created until the test ends open "sqlite-counting".
func countingSQLite(t *testing.T) *storetest.CountingDriver {
	t.Helper()
	d, err := storetest.CountingSQLite()
	if err != nil {
		t.Fatal(err)
	}
	prev := sqldb.SQLiteDriver
	sqldb.SQLiteDriver = "sqlite-counting"
	t.Cleanup(func() { sqldb.SQLiteDriver = prev })
	return d
}

// TestGraphQLDataStatements: a 20-row list with a nested has_many runs 2 SQL statements (the
// list, then every child row of the 20 parents at once), and a many_many adds 2 more; a where
// on a relation adds one statement (two for many_many); an aggregate field is one statement.
func TestGraphQLDataStatements(t *testing.T) {
	d := countingSQLite(t)
	s := MustServe(t, "sqlite")
	s.addressBookGroupsService("sqlite")
	var recs []any
	for i := 0; i < 16; i++ {
		recs = append(recs, map[string]any{"first_name": fmt.Sprint("F", i), "last_name": "L",
			"contact_info_by_contact_id": []any{map[string]any{"info_type": "home", "email": fmt.Sprint("f", i, "@x.test")},
				map[string]any{"info_type": "work", "email": fmt.Sprint("f", i, "@y.test")}}})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact", map[string]any{"resource": recs})
	const list = `{ contact(limit: 20, order_by: {id: asc}) { id first_name contact_info_by_contact_id { email } } }`
	s.mustData("db", list, nil) // warm: introspection, prepared statements
	for _, c := range []struct {
		query string
		want  int64
		rows  int // contacts returned
	}{
		{list, 2, 20},
		{`{ contact(limit: 20) { id contact_group_by_contact_group_relationship { name } } }`, 3, 20},
		{`{ contact_info(limit: 20) { id contact_by_contact_id { first_name contact_info_by_contact_id { id } } } }`, 3, 0},
		// A where on a relation: the matching keys (one grouped read), then the list.
		{`{ contact(limit: 20, where: {contact_info_by_contact_id: {info_type: {_eq: "home"}}}) { id } }`, 2, 18},
		{`{ contact(limit: 20, where: {contact_group_by_contact_group_relationship: {name: {_eq: "Work"}}}) { id } }`, 3, 2},
		// Every aggregate of a field in one statement.
		{`{ contact_info_aggregate { count sum { id } avg { id } min { email } max { email contact_id } } }`, 1, 0},
	} {
		n0 := d.Queries()
		data := s.mustData("db", c.query, nil)
		if n := d.Queries() - n0; n != c.want {
			t.Errorf("%s: %d statements, want %d", c.query, n, c.want)
		}
		if rows := data["contact"]; rows != nil && len(rows.([]any)) != c.rows {
			t.Errorf("%d contacts", len(rows.([]any)))
		}
	}
	got := s.mustData("db", list, nil)["contact"].([]any)
	for _, r := range got {
		if n := len(r.(map[string]any)["contact_info_by_contact_id"].([]any)); n > 2 {
			t.Errorf("contact %v has %d infos", r.(map[string]any)["id"], n)
		}
	}
}

// TestGraphQLDataSchemaChange: a _schema write is seen by the next GraphQL request (a new
// handler built and swapped in); an outside change after ?refresh=true.
func TestGraphQLDataSchemaChange(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")
	s.mustData("db", `{ contact(limit: 1) { id } }`, nil)
	if _, errs := s.gqlData("db", `{ contact(limit: 1) { twitter } }`, nil, creds(s.admin, "")); len(errs) == 0 {
		t.Fatal("twitter before it exists")
	}
	s.must(200, "PATCH", "/api/v2/db/_schema/contact", map[string]any{"field": []any{map[string]any{"name": "twitter", "type": "string", "length": 32}}})
	s.must(200, "PATCH", "/api/v2/db/_table/contact/1", map[string]any{"twitter": "@jane"})
	if got := fmt.Sprint(s.mustData("db", `{ contact_by_pk(id: 1) { twitter } }`, nil)); got != "map[contact_by_pk:map[twitter:@jane]]" {
		t.Errorf("after the _schema change: %s", got)
	}
	// An outside change: seen after refresh=true.
	db, err := sql.Open("sqlite", store.SQLiteDSN(filepath.Join(s.m.DataDir, "addressbook.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE tag (id INTEGER PRIMARY KEY, label TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, errs := s.gqlData("db", `{ tag { id } }`, nil, creds(s.admin, "")); len(errs) == 0 {
		t.Error("tag seen before refresh")
	}
	status, out := s.do("POST", "/graphql/db?refresh=true", map[string]any{"query": `{ tag { id label } }`}, creds(s.admin, ""))
	if status != 200 || fmt.Sprint(out) != "map[data:map[tag:[]]]" {
		t.Errorf("tag after refresh: %d %v", status, out)
	}
}

// TestGraphQLDataHTTPAndLimits: GraphQL over HTTP as /graphql does it, the per-service depth,
// complexity and page-size limits, and the standard introspection query, checked by graphql-js
// buildClientSchema when node and the graphql package are available (NODE_PATH or
// web/playground/node_modules).
func TestGraphQLDataHTTPAndLimits(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookGroupsService("sqlite", "graphql_max_depth", 3, "graphql_max_complexity", 8, "graphql_max_limit", 2)
	h := creds(s.admin, "")
	h["Accept"] = "application/graphql-response+json"
	get := rawRequest(t, "GET", s.m.URL+"/graphql/db?query="+url.QueryEscape("{ contact { id } }"), "", h)
	body, _ := io.ReadAll(get.Body)
	if get.StatusCode != 200 || get.Header.Get("Content-Type") != "application/graphql-response+json" || string(body) != `{"data":{"contact":[{"id":1},{"id":2}]}}` {
		t.Errorf("GET: %d %s %s", get.StatusCode, get.Header.Get("Content-Type"), body)
	}
	mut := rawRequest(t, "GET", s.m.URL+"/graphql/db?query="+url.QueryEscape(`mutation { delete_contact_by_pk(id: 4) { id } }`), "", h)
	if mut.StatusCode < 400 {
		t.Errorf("a mutation over GET: %d", mut.StatusCode)
	}
	h["Content-Type"] = "application/json"
	bad := rawRequest(t, "POST", s.m.URL+"/graphql/db", `{"query": "{ contact { nope } }"}`, h)
	if bad.StatusCode != 400 && bad.StatusCode != 422 {
		t.Errorf("invalid query: %d", bad.StatusCode)
	}
	big := rawRequest(t, "POST", s.m.URL+"/graphql/db", `{"query": "`+strings.Repeat(" ", int(s.m.MaxBodyBytes)+1)+`{ contact { id } }"}`, h)
	if big.StatusCode != 413 {
		t.Errorf("oversized body: %d", big.StatusCode)
	}
	for _, c := range []struct{ query, code string }{
		{`{ contact { contact_info_by_contact_id { contact_by_contact_id { id } } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{`{ contact { id first_name last_name notes contact_info_by_contact_id { id email info_type } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{`{ contact(limit: 3) { id } }`, "PAGE_SIZE_LIMIT_EXCEEDED"},
		{`{ contact { contact_info_by_contact_id(limit: 3) { id } } }`, "PAGE_SIZE_LIMIT_EXCEEDED"},
	} {
		_, errs := s.gqlData("db", c.query, nil, creds(s.admin, ""))
		if !strings.Contains(fmt.Sprint(errs), c.code) {
			t.Errorf("%s: %v, want %s", c.query, errs, c.code)
		}
	}

	// The standard introspection query (the one GraphiQL sends), within the limits above.
	status, out := s.do("POST", "/graphql/db", map[string]any{"query": introspectionQuery}, creds(s.admin, ""))
	if status != 200 || out.(map[string]any)["errors"] != nil {
		t.Fatalf("introspection: %d %v", status, out)
	}
	sch := out.(map[string]any)["data"].(map[string]any)["__schema"].(map[string]any)
	names := map[string]map[string]any{}
	for _, ty := range sch["types"].([]any) {
		names[ty.(map[string]any)["name"].(string)] = ty.(map[string]any)
	}
	for _, n := range []string{"contact", "contact_bool_exp", "contact_order_by", "contact_insert_input", "Int_comparison_exp", "JSON", "DateTime", "Decimal", "order_by", "__Schema"} {
		if names[n] == nil {
			t.Errorf("introspection lacks type %s", n)
		}
	}
	if sch["queryType"].(map[string]any)["name"] != "Query" || sch["mutationType"].(map[string]any)["name"] != "Mutation" {
		t.Errorf("root types: %v %v", sch["queryType"], sch["mutationType"])
	}
	if f := names["contact"]["inputFields"]; f != nil {
		t.Errorf("an object type's inputFields must be null: %v", f)
	}
	raw, _ := json.Marshal(out)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: graphql-js buildClientSchema not run")
	}
	cmd := exec.Command(node, filepath.Join("testdata", "graphql", "client_schema.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+strings.Join([]string{os.Getenv("NODE_PATH"), filepath.Join("..", "..", "web", "playground", "node_modules")}, string(os.PathListSeparator)))
	cmd.Stdin = bytes.NewReader(raw)
	res, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(res), "Cannot find module 'graphql'") {
		t.Skip("the graphql package is not installed (set NODE_PATH or run make web): buildClientSchema not run")
	}
	if err != nil {
		t.Fatalf("graphql-js buildClientSchema: %v\n%s", err, res)
	}
	t.Logf("graphql-js buildClientSchema: %s", res)
}

// introspectionQuery is graphql-js's getIntrospectionQuery() (descriptions on), as GraphiQL sends it.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`

// TestDataRelationsAreBounded: a relation that would load more than 10 × max_records rows for
// one level of a query is refused with a clear error instead of loading a whole table.
func TestDataRelationsAreBounded(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite", "max_records", 1)
	var infos []any
	for i := range 9 {
		infos = append(infos, map[string]any{"contact_id": 1, "info_type": "extra", "email": fmt.Sprintf("x%d@jane.test", i)})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact_info", map[string]any{"resource": infos})
	q := `{ contact(where: {id: {_eq: 1}}) { contact_info_by_contact_id { id } } }`
	if _, errs := s.gqlData("db", q, nil, creds(s.admin, "")); len(errs) != 0 { // Jane has 11 rows, over 10 × 1
		if ext := errs[0].(map[string]any)["extensions"].(map[string]any); ext["code"] != "TOO_MANY_ROWS" {
			t.Fatalf("errors: %v", errs)
		}
	} else {
		t.Fatal("11 related rows loaded with max_records 1")
	}
	q = `{ contact(where: {id: {_eq: 2}}) { contact_info_by_contact_id { id } } }`
	if _, errs := s.gqlData("db", q, nil, creds(s.admin, "")); len(errs) != 0 {
		t.Fatalf("1 related row: %v", errs)
	}
}
