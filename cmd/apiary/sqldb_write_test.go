package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestDatabaseServiceWrites: DreamFactory's SqlDbTest scenarios for writes on the address book,
// on every database kind: create (wrapped and bare, with fields), batch errors with and without
// continue/rollback, required and NOT NULL messages, duplicates, updates by id, ids, filter and
// records, deletes by id, ids, filter, records and force.
func TestDatabaseServiceWrites(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			base := "/api/v2/db/_table/contact"
			count := func() int {
				t.Helper()
				return int(s.must(200, "GET", base+"?count_only=true", nil).(float64))
			}
			// Create: wrapped, bare array, with fields.
			out := s.must(200, "POST", base, map[string]any{"resource": []any{
				map[string]any{"first_name": "Ann", "last_name": "Lee"}, map[string]any{"first_name": "Bob", "last_name": "Ray"}}})
			if fmt.Sprint(out) != "map[resource:[map[id:5] map[id:6]]]" {
				t.Fatalf("create: %v", out)
			}
			out = s.must(200, "POST", base+"?fields=first_name,last_name", []any{map[string]any{"first_name": "Cy", "last_name": "Twombly"}})
			if fmt.Sprint(out) != "map[resource:[map[first_name:Cy last_name:Twombly]]]" {
				t.Errorf("create with fields: %v", out)
			}
			// Bad records: nothing lands without continue.
			before := count()
			cases := []struct {
				name, query string
				body        any
				status      int
				message     string // exact, or prefix ending in …
			}{
				{"missing required field", "", rec(map[string]any{"first_name": "No"}), 400, "Batch Error: Not all records could be created. All changes rolled back."},
				{"null in a NOT NULL field", "", map[string]any{"resource": []any{map[string]any{"first_name": "Ok", "last_name": "Fine"}, map[string]any{"first_name": nil, "last_name": "X"}}}, 400, "Batch Error:…"},
				{"unknown field", "", rec(map[string]any{"first_name": "A", "last_name": "B", "nope": 1}), 400, "Batch Error:…"},
				{"wrong type", "", rec(map[string]any{"id": "abc", "first_name": "A", "last_name": "B"}), 400, "Batch Error:…"},
				{"duplicate key", "", rec(map[string]any{"id": 1, "first_name": "A", "last_name": "B"}), 400, "Batch Error:…"},
				{"bare object", "", map[string]any{"first_name": "A"}, 400, "No record(s) detected in request.…"},
				{"continue and rollback", "?continue=true&rollback=true", rec(map[string]any{"first_name": "A", "last_name": "B"}), 400,
					"Rollback and continue operations can not be requested at the same time."},
			}
			for _, c := range cases {
				status, body := s.do("POST", base+c.query, c.body, creds(s.admin, ""))
				msg := errorMessage(body)
				ok := status == c.status && (msg == c.message || (strings.HasSuffix(c.message, "…") && strings.HasPrefix(msg, strings.TrimSuffix(c.message, "…"))))
				if !ok {
					t.Errorf("%s: %d %v", c.name, status, body)
				}
			}
			if n := count(); n != before {
				t.Fatalf("failed creates wrote records: %d, want %d", n, before)
			}
			// The inner messages are DreamFactory's.
			_, body := s.do("POST", base, rec(map[string]any{"first_name": "No"}), creds(s.admin, ""))
			inner := body.(map[string]any)["error"].(map[string]any)["context"].(map[string]any)["resource"].([]any)[0].(map[string]any)["message"]
			if inner != "Required field 'last_name' can not be NULL." {
				t.Errorf("required field message: %v", inner)
			}
			// continue: the good record lands, the bad one is reported.
			status, body := s.do("POST", base+"?continue=true", map[string]any{"resource": []any{
				map[string]any{"first_name": "Dee", "last_name": "Good"}, map[string]any{"first_name": "Bad"}}}, creds(s.admin, ""))
			if status != 400 || count() != before+1 {
				t.Errorf("continue: %d %v; %d records", status, body, count())
			}
			// Update by id (bare), by ids, by filter, by records.
			if out := s.must(200, "PATCH", base+"/1", map[string]any{"notes": "updated"}); !reflect.DeepEqual(out, map[string]any{"id": float64(1)}) {
				t.Errorf("PATCH by id: %v", out)
			}
			s.must(200, "PUT", base+"/2?fields=notes", map[string]any{"notes": "put"})
			s.must(200, "PATCH", base+"?ids=3,4", map[string]any{"notes": "many"})
			s.must(200, "PATCH", base+"?filter="+url.QueryEscape("last_name = 'Lee'"), map[string]any{"notes": "filtered"})
			s.must(200, "PATCH", base, map[string]any{"resource": []any{map[string]any{"id": 6, "notes": "own"}}})
			got := s.must(200, "GET", base+"?fields=id,notes&ids=1,2,3,4,5,6", nil)
			want := "map[resource:[map[id:1 notes:updated] map[id:2 notes:put] map[id:3 notes:many] map[id:4 notes:many] map[id:5 notes:filtered] map[id:6 notes:own]]]"
			if fmt.Sprint(got) != want {
				t.Errorf("after updates: %v", got)
			}
			if status, body := s.do("PATCH", base+"/999", map[string]any{"notes": "x"}, creds(s.admin, "")); status != 404 || errorMessage(body) != "Record with identifier '999' not found." {
				t.Errorf("PATCH missing id: %d %v", status, body)
			}
			if status, _ := s.do("PATCH", base+"/1", map[string]any{"last_name": nil}, creds(s.admin, "")); status != 400 {
				t.Errorf("PATCH NULL into NOT NULL: %d", status)
			}
			// Delete by id, ids, records, filter; with fields the rows come back.
			if out := s.must(200, "DELETE", base+"/7?fields=first_name", nil); !reflect.DeepEqual(out, map[string]any{"first_name": "Cy"}) {
				t.Errorf("DELETE by id with fields: %v", out)
			}
			s.must(200, "DELETE", base+"?ids=5,6", nil)
			// Failed inserts may have used sequence values (PostgreSQL, MySQL): find Dee's id.
			dee := firstID(s.must(200, "GET", base+"?fields=id&filter="+url.QueryEscape("first_name = 'Dee'"), nil))
			s.must(200, "DELETE", base, map[string]any{"resource": []any{map[string]any{"id": dee}}})
			s.must(200, "DELETE", base+"?filter="+url.QueryEscape("notes = 'many'"), nil)
			if got := fmt.Sprint(s.must(200, "GET", base+"?as_list=true", nil)); got != "map[resource:[1 2]]" {
				t.Errorf("after deletes: %s", got)
			}
			if status, body := s.do("DELETE", base, nil, creds(s.admin, "")); status != 400 || errorMessage(body) != "No filter or records given for delete request." {
				t.Errorf("DELETE without target: %d %v", status, body)
			}
			// A foreign key refuses orphans; force empties the table.
			if status, _ := s.do("POST", "/api/v2/db/_table/contact_info", rec(map[string]any{"contact_id": 999, "info_type": "x"}), creds(s.admin, "")); status != 400 {
				t.Errorf("FK violation: %d", status)
			}
			s.must(200, "DELETE", "/api/v2/db/_table/contact_info?force=true", nil)
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_info?count_only=true", nil); n.(float64) != 0 {
				t.Errorf("force delete left %v rows", n)
			}
		})
	}
}

// TestRowFilters: a role's server-side filters (reference §5.4) limit reads, updates and
// deletes, check writes, and resolve lookups such as {user.id}.
func TestRowFilters(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookService(kind)
			f := s.readerFixture() // the fixture's user has id 2
			s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
				map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 31, "requestor_mask": 1,
					"filter_op": "OR", "filters": []any{
						map[string]any{"name": "last_name", "operator": "=", "value": "Doe"},
						map[string]any{"name": "id", "operator": "=", "value": "{user.id}"},
					}},
				map[string]any{"service_id": dbID, "component": "_table/contact_info/*", "verb_mask": 1, "requestor_mask": 1,
					"filters": []any{map[string]any{"name": "info_type", "operator": "=", "value": "home"}}},
			}})
			as := creds(f.token, f.key)
			base := "/api/v2/db/_table/contact"
			status, body := s.do("GET", base+"?fields=first_name", nil, as)
			if status != 200 || fmt.Sprint(body) != "map[resource:[map[first_name:Jane] map[first_name:John]]]" {
				t.Errorf("filtered read: %d %v", status, body)
			}
			if status, _ := s.do("GET", base+"/3", nil, as); status != 404 {
				t.Errorf("a row outside the filters by id: %d, want 404", status)
			}
			if status, _ := s.do("PATCH", base+"/3", map[string]any{"notes": "x"}, as); status != 404 {
				t.Errorf("update outside the filters: %d, want 404", status)
			}
			if status, _ := s.do("DELETE", base+"?ids=3", nil, as); status != 400 {
				t.Errorf("delete outside the filters: %d, want a batch error", status)
			}
			status, body = s.do("POST", base, rec(map[string]any{"first_name": "Eve", "last_name": "Other"}), as)
			if status != 400 || !strings.Contains(fmt.Sprint(body), "Denied access to some of the requested fields.") {
				t.Errorf("create outside the filters: %d %v", status, body)
			}
			if status, _ := s.do("POST", base, rec(map[string]any{"first_name": "Jo", "last_name": "Doe"}), as); status != 200 {
				t.Errorf("create inside the filters: %d", status)
			}
			// The related table's filters apply to related rows too.
			status, body = s.do("GET", base+"/1?related=contact_info_by_contact_id&contact_info_by_contact_id.fields=info_type", nil, as)
			if status != 200 || !strings.Contains(fmt.Sprint(body), "contact_info_by_contact_id:[map[info_type:home]]") {
				t.Errorf("related rows under the related table's filters: %d %v", status, body)
			}
			// The admin sees everything.
			if n := s.must(200, "GET", base+"?count_only=true", nil); n.(float64) != 5 {
				t.Errorf("admin count: %v", n)
			}
		})
	}
}

// TestNestedWrites: DreamFactory's sample apps create a contact with its contact_info in one
// request (rollback=true); a bad child rolls the parent back too.
func TestNestedWrites(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			out := s.must(200, "POST", "/api/v2/db/_table/contact?rollback=true", rec(map[string]any{
				"first_name": "Nia", "last_name": "Nested",
				"contact_info_by_contact_id": []any{
					map[string]any{"info_type": "home", "email": "nia@home.test"},
					map[string]any{"info_type": "work", "email": "nia@work.test"},
				}}))
			id := firstID(out)
			got := s.must(200, "GET", fmt.Sprintf("/api/v2/db/_table/contact/%d?related=contact_info_by_contact_id&contact_info_by_contact_id.fields=email&contact_info_by_contact_id.order=email", id), nil)
			if !strings.Contains(fmt.Sprint(got), "contact_info_by_contact_id:[map[email:nia@home.test] map[email:nia@work.test]]") {
				t.Errorf("nested create: %v", got)
			}
			before := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil)
			status, body := s.do("POST", "/api/v2/db/_table/contact?rollback=true", rec(map[string]any{
				"first_name": "Bad", "last_name": "Child",
				"contact_info_by_contact_id": []any{map[string]any{"email": "no type"}}}), creds(s.admin, ""))
			if status != 400 {
				t.Errorf("a bad child: %d %v", status, body)
			}
			if after := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("the parent of a bad child was kept: %v -> %v", before, after)
			}
			// belongs_to: a contact_info created with its new contact.
			s.must(200, "POST", "/api/v2/db/_table/contact_info", rec(map[string]any{"info_type": "home",
				"contact_by_contact_id": map[string]any{"first_name": "Pa", "last_name": "Rent"}}))
			if n := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true&filter="+url.QueryEscape("last_name = 'Rent'"), nil); n.(float64) != 1 {
				t.Errorf("belongs_to parent not created: %v", n)
			}
		})
	}
}
