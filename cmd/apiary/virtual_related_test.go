package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestVirtualRelationships: virtual relationships declared through _schema/{table}/_related
// on every database kind — created (belongs_to, has_many, many_many, DreamFactory's names),
// described, read with related= (per-relation options too) and through /graphql/{service},
// kept without rebuilding the service's pool, kept across a restart, deleted; bad input is a
// 400 that stores nothing.
func TestVirtualRelationships(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookService(kind)
			// Tables without foreign keys: notes of contacts, tags of notes through note_tag.
			s.must(200, "POST", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "note", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "contact_ref", "type": "integer"}, map[string]any{"name": "body", "type": "string"}}},
				map[string]any{"name": "tag", "field": []any{map[string]any{"name": "id", "type": "id"}, map[string]any{"name": "label", "type": "string"}}},
				map[string]any{"name": "note_tag", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "note_ref", "type": "integer"}, map[string]any{"name": "tag_ref", "type": "integer"}}},
			}})
			s.must(200, "POST", "/api/v2/db/_table/note", map[string]any{"resource": []any{
				map[string]any{"contact_ref": 1, "body": "n1"}, map[string]any{"contact_ref": 1, "body": "n2"}, map[string]any{"contact_ref": 2, "body": "n3"}}})
			s.must(200, "POST", "/api/v2/db/_table/tag", map[string]any{"resource": []any{map[string]any{"label": "a"}, map[string]any{"label": "b"}}})
			s.must(200, "POST", "/api/v2/db/_table/note_tag", map[string]any{"resource": []any{
				map[string]any{"note_ref": 1, "tag_ref": 1}, map[string]any{"note_ref": 1, "tag_ref": 2}, map[string]any{"note_ref": 3, "tag_ref": 2}}})
			s.must(200, "GET", "/api/v2/db/_table/note", nil) // the pool is open
			before := s.serviceInstance("db")
			// The GraphQL data API before: no such relation.
			if _, errs := s.gqlData("db", `{ contact { note_by_contact_ref { body } } }`, nil, creds(s.admin, "")); len(errs) == 0 {
				t.Error("GraphQL knows note_by_contact_ref before it is declared")
			}

			// Bad input: a 400 naming the problem, and nothing stored.
			belongsTo := map[string]any{"type": "belongs_to", "field": "contact_ref", "ref_table": "contact", "ref_field": "id", "is_virtual": true}
			bad := []struct {
				path    string
				body    any
				status  int
				message string
			}{
				{"note/_related", rec(withKeys(belongsTo, "ref_table", "nope")), 400, "ref_table 'nope' does not exist"},
				{"note/_related", rec(withKeys(belongsTo, "field", "nope")), 400, "field 'nope' does not exist in table 'note'"},
				{"note/_related", rec(withKeys(belongsTo, "ref_field", "nope")), 400, "ref_field 'nope' does not exist in table 'contact'"},
				{"note/_related", rec(withKeys(belongsTo, "field", "body")), 400, "fields 'note.body' (type string) and 'contact.id' (type id) hold different kinds of values"},
				{"note/_related", rec(withKeys(belongsTo, "is_virtual", nil)), 400, "it is not virtual (is_virtual is not true)"},
				{"note/_related", rec(withKeys(belongsTo, "is_virtual", false)), 400, "through a field of type 'reference'"},
				{"note/_related", rec(withKeys(belongsTo, "type", "has_two")), 400, "type 'has_two' is not supported: send belongs_to, has_one, has_many or many_many"},
				{"note/_related", rec(withKeys(belongsTo, "name", "my_contact")), 400, "this one is named 'contact_by_contact_ref'"},
				{"note/_related", rec(map[string]any{"type": "many_many", "field": "id", "ref_table": "tag", "ref_field": "id", "junction_table": "note_tag",
					"junction_field": "note_ref", "junction_ref_field": "tag_ref", "is_virtual": true, "flatten": true}), 400,
					"flatten is only for belongs_to and has_one relationships (one related record), not many_many"},
				{"note/_related", rec(withKeys(belongsTo, "ref_service_id", 999)), 400, "ref_service_id 999 names no service"},
				{"note/_related", rec(withKeys(belongsTo, "field", []any{"contact_ref", "body"})), 400, "relationships over several fields are not supported"},
				{"note/_related", rec(withKeys(belongsTo, "junction_table", "note_tag")), 400, "junction_table is only for many_many relationships"},
				{"note/_related", rec(map[string]any{"type": "many_many", "field": "id", "ref_table": "tag", "ref_field": "id", "junction_table": "note_tag",
					"junction_field": "note_ref", "is_virtual": true}), 400, "junction_ref_field is required"},
				{"note/_related", rec(map[string]any{"type": "many_many", "field": "id", "ref_table": "tag", "ref_field": "id", "junction_table": "nope",
					"junction_field": "note_ref", "junction_ref_field": "tag_ref", "is_virtual": true}), 400, "junction_table 'nope' does not exist"},
				// One bad relationship in a list stores none of them.
				{"note/_related", map[string]any{"resource": []any{belongsTo, withKeys(belongsTo, "ref_table", "nope")}}, 400, "ref_table 'nope' does not exist"},
				{"note/_related", map[string]any{"resource": []any{belongsTo, belongsTo}}, 400, "listed twice"},
				{"contact_info/_related", rec(map[string]any{"type": "belongs_to", "field": "contact_id", "ref_table": "contact", "ref_field": "id", "is_virtual": true}), 400,
					"already has relationship 'contact_by_contact_id', derived from a foreign key"},
				{"nope/_related", rec(belongsTo), 404, "Table &quot;nope&quot; does not exist in the database."},
				{"note/_related", map[string]any{}, 400, "No data in schema create request."},
				{"note/_related/contact_by_contact_ref", map[string]any{"resource": []any{withKeys(belongsTo, "field", "id")}}, 400, "named 'contact_by_id', not 'contact_by_contact_ref'"},
			}
			for _, c := range bad {
				status, body := s.do("POST", "/api/v2/db/_schema/"+c.path, c.body, creds(s.admin, ""))
				if status != c.status || !strings.Contains(errorMessage(body), c.message) {
					t.Errorf("POST %s %v: %d %v, want %d %q", c.path, c.body, status, body, c.status, c.message)
				}
			}
			if got := s.storedConfig(dbID, "virtual_relationships"); got != "<nil>" {
				t.Errorf("bad input stored %s", got)
			}

			// Create: DreamFactory's names, in the answer and in _schema.
			if got := s.must(200, "POST", "/api/v2/db/_schema/note/_related", rec(belongsTo)); !reflect.DeepEqual(got, map[string]any{"resource": []any{map[string]any{"name": "contact_by_contact_ref"}}}) {
				t.Errorf("POST belongs_to: %v", got)
			}
			if got := s.must(200, "POST", "/api/v2/db/_schema/contact/_related", rec(map[string]any{"type": "has_many", "field": []any{"id"},
				"ref_table": "note", "ref_field": []any{"contact_ref"}, "is_virtual": true, "always_fetch": false, "label": "Notes"})); !reflect.DeepEqual(got,
				map[string]any{"resource": []any{map[string]any{"name": "note_by_contact_ref"}}}) {
				t.Errorf("POST has_many: %v", got)
			}
			mm := s.must(200, "POST", "/api/v2/db/_schema/note/_related?fields=*", rec(map[string]any{"type": "many_many", "field": "id", "ref_table": "tag", "ref_field": "id",
				"junction_table": "note_tag", "junction_field": "note_ref", "junction_ref_field": "tag_ref", "is_virtual": true, "name": "tag_by_note_tag"}))
			rel := mm.(map[string]any)["resource"].([]any)[0].(map[string]any)
			if rel["name"] != "tag_by_note_tag" || rel["is_virtual"] != true || rel["type"] != "many_many" || rel["junction_table"] != "note_tag" ||
				!reflect.DeepEqual(rel["field"], []any{"id"}) || !reflect.DeepEqual(rel["ref_field"], []any{"id"}) {
				t.Errorf("POST many_many with fields=*: %v", rel)
			}
			if status, body := s.do("POST", "/api/v2/db/_schema/note/_related", rec(belongsTo), creds(s.admin, "")); status != 400 ||
				!strings.Contains(errorMessage(body), "Relationship 'contact_by_contact_ref' already exists in table 'note'") {
				t.Errorf("POST twice: %d %v", status, body)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_schema/note/_related", nil)); got != "contact_by_contact_ref,tag_by_note_tag" {
				t.Errorf("note's relationships: %s", got)
			}
			one := s.must(200, "GET", "/api/v2/db/_schema/contact/_related/note_by_contact_ref", nil).(map[string]any)
			if one["is_virtual"] != true || one["type"] != "has_many" || one["ref_table"] != "note" {
				t.Errorf("GET _related/note_by_contact_ref: %v", one)
			}
			var fk map[string]any
			for _, r := range s.must(200, "GET", "/api/v2/db/_schema/contact", nil).(map[string]any)["related"].([]any) {
				if m := r.(map[string]any); m["name"] == "contact_info_by_contact_id" {
					fk = m
				}
			}
			if fk == nil || fk["is_virtual"] != false {
				t.Errorf("the foreign-key relationship in _schema/contact: %v", fk)
			}
			// PUT replaces (and keeps) one of the same name.
			s.must(200, "PUT", "/api/v2/db/_schema/note/_related/contact_by_contact_ref", belongsTo)
			if s.serviceInstance("db") != before {
				t.Error("a relationship change rebuilt the service (and its pool)")
			}

			// Reads with related=, like relationships from foreign keys.
			reads := func(s *server) {
				t.Helper()
				q := url.QueryEscape
				if got, want := pluck(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=note_by_contact_ref", nil)), "first_name", "note_by_contact_ref", "body"),
					"Jane:[n1 n2] John:[n3] Jim:[] Alice:[]"; got != want {
					t.Errorf("has_many: %s, want %s", got, want)
				}
				if got, want := pluck(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=note_by_contact_ref&note_by_contact_ref.limit=1&note_by_contact_ref.order="+q("body desc"), nil)),
					"first_name", "note_by_contact_ref", "body"), "Jane:[n2] John:[n3] Jim:[] Alice:[]"; got != want {
					t.Errorf("has_many with a limit: %s, want %s", got, want)
				}
				notes := recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id&related="+q("contact_by_contact_ref,tag_by_note_tag"), nil))
				if got, want := pluck(notes, "body", "contact_by_contact_ref", "first_name"), "n1:Jane n2:Jane n3:John"; got != want {
					t.Errorf("belongs_to: %s, want %s", got, want)
				}
				if got, want := pluck(notes, "body", "tag_by_note_tag", "label"), "n1:[a b] n2:[] n3:[b]"; got != want {
					t.Errorf("many_many: %s, want %s", got, want)
				}
			}
			reads(s)
			// The GraphQL data API has them too (its schema is swapped after the change).
			data := s.mustData("db", `{ contact(order_by: [{id: asc}], limit: 2) { first_name note_by_contact_ref(order_by: {body: desc}) { body tag_by_note_tag { label } } } }`, nil)
			if got, want := fmt.Sprint(data["contact"]), "[map[first_name:Jane note_by_contact_ref:[map[body:n2 tag_by_note_tag:[]] map[body:n1 tag_by_note_tag:[map[label:a] map[label:b]]]]] "+
				"map[first_name:John note_by_contact_ref:[map[body:n3 tag_by_note_tag:[map[label:b]]]]]]"; got != want {
				t.Errorf("GraphQL:\n got %s\nwant %s", got, want)
			}

			// Kept across a restart (in the service's config).
			if got := s.storedConfig(dbID, "virtual_relationships"); !strings.Contains(got, "contact_ref") || !strings.Contains(got, "note_tag") {
				t.Errorf("stored: %s", got)
			}
			s2 := s.restarted()
			reads(s2)

			// Delete: virtual ones go; a foreign-key one stays (DELETE clears its extras, see
			// TestForeignKeyRelationshipExtras); unknown names are refused.
			if got := s2.must(200, "DELETE", "/api/v2/db/_schema/contact/_related/note_by_contact_ref", nil); !reflect.DeepEqual(got, map[string]any{"success": true}) {
				t.Errorf("DELETE: %v", got)
			}
			if status, body := s2.do("GET", "/api/v2/db/_table/contact?related=note_by_contact_ref", nil, creds(s2.admin, "")); status != 400 ||
				!strings.HasPrefix(errorMessage(body), "Invalid relationship 'note_by_contact_ref' requested.") {
				t.Errorf("related= after DELETE: %d %v", status, body)
			}
			s2.must(200, "DELETE", "/api/v2/db/_schema/contact/_related/contact_info_by_contact_id", nil)
			if got := resourceNames(s2.must(200, "GET", "/api/v2/db/_schema/contact/_related", nil)); got != "contact_info_by_contact_id" {
				t.Errorf("contact's relationships after DELETE of its foreign-key one: %s", got)
			}
			if status, body := s2.do("DELETE", "/api/v2/db/_schema/contact/_related/nope", nil, creds(s2.admin, "")); status != 404 {
				t.Errorf("DELETE of an unknown relationship: %d %v", status, body)
			}
			s2.must(200, "DELETE", "/api/v2/db/_schema/note/_related?ids=contact_by_contact_ref,tag_by_note_tag", nil)
			if got := resourceNames(s2.must(200, "GET", "/api/v2/db/_schema/note/_related", nil)); got != "" {
				t.Errorf("note's relationships after DELETE: %q", got)
			}
		})
	}
}
