package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// addressBookGroups adds DreamFactory's contact_group and the junction
// contact_group_relationship to an address book made by addressBook: groups Family and Work;
// Jane in both, John in Work.
func addressBookGroups(t *testing.T, kind, dataDir string, cfg map[string]any) {
	t.Helper()
	if kind == "sqlite" { // the address book's file, whatever cfg the caller has
		cfg = map[string]any{"database": "addressbook.db"}
	}
	db, idType := openDatabase(t, kind, dataDir, cfg)
	defer db.Close()
	execAll(t, db,
		"CREATE TABLE contact_group (id "+idType+", name VARCHAR(128) NOT NULL)",
		"CREATE TABLE contact_group_relationship (id "+idType+", contact_id INTEGER NOT NULL, contact_group_id INTEGER NOT NULL, "+
			"FOREIGN KEY (contact_id) REFERENCES contact(id) ON DELETE CASCADE, FOREIGN KEY (contact_group_id) REFERENCES contact_group(id) ON DELETE CASCADE)",
		"INSERT INTO contact_group (name) VALUES ('Family'), ('Work')",
		"INSERT INTO contact_group_relationship (contact_id, contact_group_id) VALUES (1, 1), (1, 2), (2, 2)",
	)
}

// TestDatabaseServiceRelated: related=… on the address book, on every database kind —
// belongs_to, has_many and many_many (DreamFactory's names), *, per-relation options in both
// spellings, by id, unknown names, and the related table's RBAC.
func TestDatabaseServiceRelated(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookGroupsService(kind)
			q := url.QueryEscape

			// has_many
			rows := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?related=contact_info_by_contact_id&order=id", nil))
			if got, want := pluck(rows, "first_name", "contact_info_by_contact_id", "email"),
				"Jane:[jane@home.test jane@work.test] John:[john@home.test] Jim:[] Alice:[]"; got != want {
				t.Errorf("has_many: %s, want %s", got, want)
			}
			if info := rows[0]["contact_info_by_contact_id"].([]any)[0].(map[string]any); len(info) != 4 || info["info_type"] != "home" {
				t.Errorf("has_many row: %v", info)
			}
			// belongs_to
			rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_info?related=contact_by_contact_id", nil))
			if got, want := pluck(rows, "email", "contact_by_contact_id", "first_name"),
				"jane@home.test:Jane jane@work.test:Jane john@home.test:John"; got != want {
				t.Errorf("belongs_to: %s, want %s", got, want)
			}
			for _, r := range rows {
				if c := r["contact_by_contact_id"].(map[string]any); c["id"] != r["contact_id"] || c["last_name"] == nil {
					t.Errorf("belongs_to object of %v: %v", r["id"], c)
				}
			}
			// many_many through the junction table
			rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?related=contact_group_by_contact_group_relationship", nil))
			if got, want := pluck(rows, "first_name", "contact_group_by_contact_group_relationship", "name"),
				"Jane:[Family Work] John:[Work] Jim:[] Alice:[]"; got != want {
				t.Errorf("many_many: %s, want %s", got, want)
			}
			rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_group?related=contact_by_contact_group_relationship&"+
				"contact_by_contact_group_relationship.order="+q("first_name desc"), nil))
			if got, want := pluck(rows, "name", "contact_by_contact_group_relationship", "first_name"),
				"Family:[Jane] Work:[John Jane]"; got != want {
				t.Errorf("many_many mirror: %s, want %s", got, want)
			}
			// related=*: every relation of the table, by DreamFactory's names.
			rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?related=*&filter="+q("id = 1"), nil))
			for _, rel := range []string{"contact_info_by_contact_id", "contact_group_relationship_by_contact_id", "contact_group_by_contact_group_relationship"} {
				if list, ok := rows[0][rel].([]any); !ok || len(list) != 2 {
					t.Errorf("related=*: %s = %v", rel, rows[0][rel])
				}
			}
			// Per-relation fields, order and limit (per parent row), dot and underscore forms;
			// fields on the parent leave out the key but the relation still loads.
			for _, sep := range []string{".", "_"} {
				p := "contact_info_by_contact_id" + sep
				rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?fields=first_name&related=contact_info_by_contact_id&"+
					p+"fields=email&"+p+"order="+q("email desc")+"&"+p+"limit=1", nil))
				want := []map[string]any{
					{"first_name": "Jane", "contact_info_by_contact_id": []any{map[string]any{"email": "jane@work.test"}}},
					{"first_name": "John", "contact_info_by_contact_id": []any{map[string]any{"email": "john@home.test"}}},
					{"first_name": "Jim", "contact_info_by_contact_id": []any{}},
					{"first_name": "Alice", "contact_info_by_contact_id": []any{}},
				}
				if !reflect.DeepEqual(rows, want) {
					t.Errorf("options with %q: %v", sep, rows)
				}
			}
			// A per-parent limit on many_many, in the relation's order (read in SQL, one row per
			// parent here).
			rows = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_group?related=contact_by_contact_group_relationship&"+
				"contact_by_contact_group_relationship.order="+q("first_name desc")+"&contact_by_contact_group_relationship.limit=1", nil))
			if got, want := pluck(rows, "name", "contact_by_contact_group_relationship", "first_name"), "Family:[Jane] Work:[John]"; got != want {
				t.Errorf("many_many with a limit: %s, want %s", got, want)
			}
			// By id, with a list of relations.
			one := s.must(200, "GET", "/api/v2/db/_table/contact_info/3?fields=email&related="+q("contact_by_contact_id")+"&contact_by_contact_id.fields=first_name", nil)
			if want := map[string]any{"email": "john@home.test", "contact_by_contact_id": map[string]any{"first_name": "John"}}; !reflect.DeepEqual(one, want) {
				t.Errorf("by id: %v", one)
			}
			one = s.must(200, "GET", "/api/v2/db/_table/contact/1?related="+q("contact_info_by_contact_id, contact_group_by_contact_group_relationship"), nil)
			if m := one.(map[string]any); len(m["contact_info_by_contact_id"].([]any)) != 2 || len(m["contact_group_by_contact_group_relationship"].([]any)) != 2 {
				t.Errorf("by id with two relations: %v", one)
			}
			// Bad input.
			status, body := s.do("GET", "/api/v2/db/_table/contact?related=nope", nil, creds(s.admin, ""))
			if msg := errorMessage(body); status != 400 || !strings.HasPrefix(msg, "Invalid relationship 'nope' requested. Send one of: ") ||
				!strings.Contains(msg, "contact_info_by_contact_id") {
				t.Errorf("unknown relation: %d %v", status, body)
			}
			for _, bad := range []string{"contact_info_by_contact_id.fields=nope", "contact_info_by_contact_id.order=" + q("id; DROP TABLE contact"),
				"contact_info_by_contact_id.limit=x"} {
				if status, body := s.do("GET", "/api/v2/db/_table/contact?related=contact_info_by_contact_id&"+bad, nil, creds(s.admin, "")); status != 400 {
					t.Errorf("%s: %d %v", bad, status, body)
				}
			}
			// The related table's RBAC: a role that reaches contact but not contact_info.
			f := s.readerFixture()
			s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
				map[string]any{"service_id": dbID, "component": "_table/contact", "verb_mask": 1, "requestor_mask": 1},
				map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1},
				map[string]any{"service_id": dbID, "component": "_table/contact_group", "verb_mask": 1, "requestor_mask": 1},
			}})
			as := creds(f.token, f.key)
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related=contact_info_by_contact_id", nil, as); status != 403 ||
				errorMessage(body) != "Access Forbidden. GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role." {
				t.Errorf("related table without access: %d %v", status, body)
			}
			if status, body := s.do("GET", "/api/v2/db/_table/contact/1?related=*", nil, as); status != 403 {
				t.Errorf("related=* without access: %d %v", status, body)
			}
			// many_many reads the junction table as an internal GET would: it needs access too.
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related=contact_group_by_contact_group_relationship", nil, as); status != 403 ||
				errorMessage(body) != "Access Forbidden. GET access to component '_table/contact_group_relationship' of service 'db' is not allowed by this user's role." {
				t.Errorf("many_many without access to the junction: %d %v", status, body)
			}
			s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
				map[string]any{"service_id": dbID, "component": "_table/contact_group_relationship", "verb_mask": 1, "requestor_mask": 1},
			}})
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related=contact_group_by_contact_group_relationship", nil, as); status != 200 ||
				pluck(recordsOf(body), "first_name", "contact_group_by_contact_group_relationship", "name") != "Jane:[Family Work] John:[Work] Jim:[] Alice:[]" {
				t.Errorf("many_many with access to the target and the junction: %d %v", status, body)
			}
			// The per-parent limit counts only the rows the role's filters leave.
			s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
				map[string]any{"service_id": dbID, "component": "_table/contact_info", "verb_mask": 1, "requestor_mask": 1,
					"filters": []any{map[string]any{"name": "info_type", "operator": "=", "value": "work"}}},
			}})
			if status, body := s.do("GET", "/api/v2/db/_table/contact?order=id&related=contact_info_by_contact_id&contact_info_by_contact_id.limit=1", nil, as); status != 200 ||
				pluck(recordsOf(body), "first_name", "contact_info_by_contact_id", "email") != "Jane:[jane@work.test] John:[] Jim:[] Alice:[]" {
				t.Errorf("a limit under row filters: %d %v", status, body)
			}
		})
	}
}
