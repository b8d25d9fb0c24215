package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestForeignKeyRelationshipExtras: DreamFactory's relationship extras on relationships
// derived from foreign keys, on every database kind — set by PUT (replace) and PATCH (merge),
// shown by _schema, applied to reads (always_fetch, flatten, the alias as the relation's key in
// records, related= and nested writes), kept across ?refresh=true and a restart, cleared by
// DELETE (the relationship stays, as in DreamFactory), and dropped with the foreign key; a
// change of what defines the relationship, and any other bad input, is a 400 that stores
// nothing.
func TestForeignKeyRelationshipExtras(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookGroupsService(kind)
			const belongs, hasMany, manyMany = "contact_info/_related/contact_by_contact_id", "contact/_related/contact_info_by_contact_id",
				"contact/_related/contact_group_by_contact_group_relationship"

			// As inspected: no extras.
			d := describedRelation(s, "contact_info", "contact_by_contact_id")
			if d["alias"] != nil || d["label"] != "Contact By Contact Id" || d["description"] != nil || d["always_fetch"] != false ||
				d["flatten"] != false || d["is_virtual"] != false || d["type"] != "belongs_to" {
				t.Fatalf("described before: %v", d)
			}

			// Bad input: a 400 naming the problem, and nothing stored.
			bad := []struct {
				method, path string
				body         any
				message      string
			}{
				{"PATCH", belongs, map[string]any{"type": "has_many"}, "so its type can not change here: change or drop the foreign key through " +
					"_schema/contact_info/_field (field 'contact_id', type 'reference')"},
				{"PATCH", belongs, map[string]any{"ref_table": "contact_group"}, "so its ref_table can not change here"},
				{"PUT", belongs, map[string]any{"ref_field": []any{"first_name"}}, "so its ref_field can not change here"},
				{"PATCH", hasMany, map[string]any{"field": "first_name"}, "so its field can not change here: change or drop the foreign key through " +
					"_schema/contact_info/_field (field 'contact_id'"},
				{"PATCH", manyMany, map[string]any{"junction_table": "contact_info"}, "so its junction_table can not change here: change or drop the " +
					"foreign key through _schema/contact_group_relationship/_field (field 'contact_id'"},
				{"PATCH", belongs, map[string]any{"ref_on_delete": "SET NULL"}, "so its ref_on_delete can not change here"},
				{"PATCH", belongs, map[string]any{"ref_service_id": 999}, "so its ref_service_id can not change here"},
				{"PATCH", hasMany, map[string]any{"flatten": true}, "flatten is only for belongs_to and has_one relationships (one related record), not has_many"},
				{"PATCH", manyMany, map[string]any{"flatten": true}, "flatten is only for belongs_to and has_one relationships (one related record), not many_many"},
				{"PATCH", belongs, map[string]any{"always_fetch": "maybe"}, "always_fetch must be true or false"},
				{"PATCH", belongs, map[string]any{"flatten_drop_prefix": true}, "flatten_drop_prefix only applies with flatten: true"},
				{"PATCH", belongs, map[string]any{"alias": "the owner"}, "alias 'the owner' is not a plain name"},
				{"PATCH", belongs, map[string]any{"label": 7}, "label must be text"},
				{"PATCH", hasMany, map[string]any{"alias": "First_Name"}, "Invalid relationship 'contact_info_by_contact_id' of table 'contact': " +
					"its alias 'First_Name' is already a field, or the name or alias of another relationship, of table 'contact'"},
				{"PATCH", hasMany, map[string]any{"alias": "contact_group_by_contact_group_relationship"}, "its alias 'contact_group_by_contact_group_relationship' is already a field"},
				{"PATCH", "contact/_related", map[string]any{"resource": []any{
					map[string]any{"name": "contact_info_by_contact_id", "alias": "mine"},
					map[string]any{"name": "contact_group_by_contact_group_relationship", "alias": "mine"}}}, "its alias 'mine' is already a field"},
				{"PATCH", "contact/_related", map[string]any{"resource": []any{
					map[string]any{"name": "contact_info_by_contact_id", "label": "Infos"},
					map[string]any{"name": "contact_info_by_contact_id", "description": "x"}}}, "listed twice"},
				{"PATCH", "contact/_related", map[string]any{"resource": []any{
					map[string]any{"name": "contact_info_by_contact_id", "label": "Infos"}, map[string]any{"name": "nope", "label": "x"}}},
					"Invalid relationship 'nope' of table 'contact': it is not virtual (is_virtual is not true), and the table has no relationship of that name derived from a foreign key"},
				{"PUT", "contact/_related/contact_info_by_contact_id", map[string]any{"name": "contact_group_by_contact_group_relationship", "label": "x"},
					"named 'contact_group_by_contact_group_relationship', not 'contact_info_by_contact_id' as in the path"},
				{"POST", "contact_info/_related", rec(map[string]any{"name": "contact_by_contact_id", "label": "Owner"}),
					"Relationship 'contact_by_contact_id' already exists in table 'contact_info' (derived from a foreign key). Use PUT or PATCH to set its extras"},
				{"PATCH", "contact/_related", rec(map[string]any{"label": "x"}), "it is not virtual (is_virtual is not true) and has no name"},
			}
			for _, c := range bad {
				status, body := s.do(c.method, "/api/v2/db/_schema/"+c.path, c.body, creds(s.admin, ""))
				if status != 400 || !strings.Contains(errorMessage(body), c.message) {
					t.Errorf("%s %s %v: %d %v, want 400 %q", c.method, c.path, c.body, status, body, c.message)
				}
			}
			if got := s.storedConfig(dbID, "relationship_extras"); got != "<nil>" {
				t.Errorf("bad input stored %s", got)
			}
			if d := describedRelation(s, "contact", "contact_info_by_contact_id"); d["label"] != "Contact Info By Contact Id" || d["alias"] != nil {
				t.Errorf("bad input changed the relationship: %v", d)
			}

			// PATCH with the described relationship sent back: its definition may be repeated.
			body := describedRelation(s, "contact_info", "contact_by_contact_id")
			body["label"], body["description"], body["always_fetch"], body["flatten"] = "Owner", "Who the info is about", true, true
			if got := s.must(200, "PATCH", "/api/v2/db/_schema/"+belongs, body); !reflect.DeepEqual(got, map[string]any{"name": "contact_by_contact_id"}) {
				t.Errorf("PATCH answer: %v", got)
			}
			d = describedRelation(s, "contact_info", "contact_by_contact_id")
			if d["label"] != "Owner" || d["description"] != "Who the info is about" || d["always_fetch"] != true || d["flatten"] != true ||
				d["flatten_drop_prefix"] != false || d["is_virtual"] != false || d["alias"] != nil || d["ref_table"] != "contact" {
				t.Errorf("described after PATCH: %v", d)
			}
			infos := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_info?order=id&fields=email", nil))
			if got, want := column(infos, "email", "contact_by_contact_id_first_name"), "jane@home.test:Jane jane@work.test:Jane john@home.test:John"; got != want {
				t.Errorf("always_fetch + flatten: %s, want %s", got, want)
			}
			if _, nested := infos[0]["contact_by_contact_id"]; nested {
				t.Errorf("flattened relation still nested: %v", infos[0])
			}
			// PATCH merges: the other extras stay.
			s.must(200, "PATCH", "/api/v2/db/_schema/"+belongs, map[string]any{"flatten_drop_prefix": true})
			if d := describedRelation(s, "contact_info", "contact_by_contact_id"); d["label"] != "Owner" || d["always_fetch"] != true ||
				d["flatten"] != true || d["flatten_drop_prefix"] != true {
				t.Errorf("described after a merging PATCH: %v", d)
			}
			infos = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_info?order=id", nil))
			if got, want := keysOf(infos[0]), "contact_id,email,first_name,id,info_type,last_name,notes"; got != want {
				t.Errorf("flatten without prefix, keys: %s, want %s", got, want)
			}
			if got, want := column(infos, "email", "first_name"), "jane@home.test:Jane jane@work.test:Jane john@home.test:John"; got != want {
				t.Errorf("flatten without prefix: %s, want %s", got, want)
			}
			if got, want := column(infos, "email", "id"), "jane@home.test:1 jane@work.test:2 john@home.test:3"; got != want {
				t.Errorf("the info's own id lost to the contact's: %s, want %s", got, want)
			}

			// PUT replaces: only the alias is left, and the relation is known by it on reads.
			s.must(200, "PUT", "/api/v2/db/_schema/"+belongs, map[string]any{"alias": "owner"})
			d = describedRelation(s, "contact_info", "contact_by_contact_id")
			if d["alias"] != "owner" || d["label"] != "Owner" || d["description"] != nil || d["always_fetch"] != false || d["flatten"] != false {
				t.Errorf("described after PUT: %v", d)
			}
			if got := keysOf(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_info?ids=1", nil))[0]); got != "contact_id,email,id,info_type" {
				t.Errorf("without always_fetch, a record still has relations: %s", got)
			}
			owned := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact_info?order=id&related=owner&owner.fields=last_name", nil))
			if got, want := relatedShape(owned, "email", "owner", "last_name"), "jane@home.test:{Doe} jane@work.test:{Doe} john@home.test:{Smith}"; got != want {
				t.Errorf("related=owner: %s, want %s", got, want)
			}
			if got := keysOf(owned[0]["owner"].(map[string]any)); got != "last_name" {
				t.Errorf("owner.fields=last_name: %s", got)
			}
			if _, ok := owned[0]["contact_by_contact_id"]; ok {
				t.Errorf("the relation's name is still a key: %v", owned[0])
			}
			if status, body := s.do("GET", "/api/v2/db/_table/contact_info?related=contact_by_contact_id", nil, creds(s.admin, "")); status != 400 ||
				errorMessage(body) != "Invalid relationship 'contact_by_contact_id' requested. Send one of: owner" {
				t.Errorf("related= by name with an alias set: %d %v", status, body)
			}
			// … and in nested writes.
			created := s.must(200, "POST", "/api/v2/db/_table/contact_info?fields=id", rec(map[string]any{"info_type": "home", "email": "zed@home.test",
				"owner": map[string]any{"first_name": "Zed", "last_name": "Zulu"}}))
			zed := recordsOf(s.must(200, "GET", fmt.Sprintf("/api/v2/db/_table/contact_info?ids=%d&related=owner", firstID(created)), nil))
			if got := relatedShape(zed, "email", "owner", "first_name"); got != "zed@home.test:{Zed}" {
				t.Errorf("nested write through the alias, read back: %s", got)
			}
			// GraphQL keeps the relation's name (see graph/data).
			data := s.mustData("db", `{ contact_info(order_by: [{id: asc}], limit: 1) { email contact_by_contact_id { first_name } } }`, nil)
			if got := fmt.Sprint(data["contact_info"]); got != "[map[contact_by_contact_id:map[first_name:Jane] email:jane@home.test]]" {
				t.Errorf("GraphQL: %s", got)
			}

			// has_many and many_many take extras too.
			s.must(200, "PUT", "/api/v2/db/_schema/contact/_related", map[string]any{"resource": []any{
				map[string]any{"name": "contact_info_by_contact_id", "alias": "infos", "always_fetch": true},
				map[string]any{"name": "contact_group_by_contact_group_relationship", "description": "groups the contact is in"}}})
			jane := s.must(200, "GET", "/api/v2/db/_table/contact/1?fields=first_name", nil).(map[string]any)
			if got := keysOf(jane); got != "first_name,infos" || len(jane["infos"].([]any)) != 2 {
				t.Errorf("always_fetch has_many under its alias: %v", jane)
			}
			if d := describedRelation(s, "contact", "contact_group_by_contact_group_relationship"); d["description"] != "groups the contact is in" || d["type"] != "many_many" {
				t.Errorf("many_many described: %v", d)
			}
			var listed []string
			for _, r := range s.must(200, "GET", "/api/v2/db/_schema/contact", nil).(map[string]any)["related"].([]any) {
				m := r.(map[string]any)
				listed = append(listed, fmt.Sprintf("%v/%v/%v", m["name"], m["alias"], m["always_fetch"]))
			}
			if got, want := strings.Join(listed, " "), "contact_group_relationship_by_contact_id/<nil>/false contact_info_by_contact_id/infos/true "+
				"contact_group_by_contact_group_relationship/<nil>/false"; got != want {
				t.Errorf("_schema/contact lists %s, want %s", got, want)
			}

			// Kept across ?refresh=true and a restart.
			if got := s.storedConfig(dbID, "relationship_extras"); !strings.Contains(got, "relationship:contact_by_contact_id") || !strings.Contains(got, "alias:infos") {
				t.Errorf("stored: %s", got)
			}
			if d := s.must(200, "GET", "/api/v2/db/_schema/contact_info?refresh=true", nil).(map[string]any)["related"].([]any)[0].(map[string]any); d["alias"] != "owner" {
				t.Errorf("after refresh=true: %v", d)
			}
			s2 := s.restarted()
			if d := describedRelation(s2, "contact_info", "contact_by_contact_id"); d["alias"] != "owner" || d["label"] != "Owner" {
				t.Errorf("after a restart: %v", d)
			}
			if got := relatedShape(recordsOf(s2.must(200, "GET", "/api/v2/db/_table/contact_info?ids=3&related=owner", nil)), "email", "owner", "first_name"); got != "john@home.test:{John}" {
				t.Errorf("after a restart, related=owner: %s", got)
			}
			if got := keysOf(s2.must(200, "GET", "/api/v2/db/_table/contact/2?fields=id", nil).(map[string]any)); got != "id,infos" {
				t.Errorf("after a restart, always_fetch: %s", got)
			}

			// DELETE clears a foreign-key relationship's extras; the relationship stays.
			if got := s2.must(200, "DELETE", "/api/v2/db/_schema/"+hasMany, nil); !reflect.DeepEqual(got, map[string]any{"success": true}) {
				t.Errorf("DELETE: %v", got)
			}
			if d := describedRelation(s2, "contact", "contact_info_by_contact_id"); d["alias"] != nil || d["always_fetch"] != false {
				t.Errorf("after DELETE: %v", d)
			}
			if got := keysOf(s2.must(200, "GET", "/api/v2/db/_table/contact/2?fields=id", nil).(map[string]any)); got != "id" {
				t.Errorf("after DELETE, a contact still has: %s", got)
			}
			if got := s2.storedConfig(dbID, "relationship_extras"); strings.Contains(got, "infos") || !strings.Contains(got, "owner") {
				t.Errorf("stored after DELETE: %s", got)
			}

			// The foreign key dropped through _field takes its extras along; back, it has none.
			s2.must(200, "PUT", "/api/v2/db/_schema/contact_info/_field/contact_id", map[string]any{"type": "integer", "allow_null": false})
			if status, _ := s2.do("GET", "/api/v2/db/_schema/contact_info/_related/contact_by_contact_id", nil, creds(s2.admin, "")); status != 404 {
				t.Errorf("the relationship outlived its foreign key: %d", status)
			}
			if got := s2.storedConfig(dbID, "relationship_extras"); strings.Contains(got, "contact_by_contact_id") {
				t.Errorf("the extras outlived the foreign key: %s", got)
			}
			s2.must(200, "PUT", "/api/v2/db/_schema/contact_info/_field/contact_id", map[string]any{"type": "reference", "ref_table": "contact",
				"ref_field": "id", "allow_null": false})
			if d := describedRelation(s2, "contact_info", "contact_by_contact_id"); d["alias"] != nil || d["label"] != "Contact By Contact Id" {
				t.Errorf("the foreign key back: %v", d)
			}
			if got := keysOf(recordsOf(s2.must(200, "GET", "/api/v2/db/_table/contact_info?ids=1&related="+url.QueryEscape("contact_by_contact_id"), nil))[0]); got != "contact_by_contact_id,contact_id,email,id,info_type" {
				t.Errorf("the foreign key back, read by name: %s", got)
			}
		})
	}
}
