package main

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestVirtualRelationshipExtras: DreamFactory's relationship extras and has_one on virtual
// relationships, on every database kind — always_fetch (list and by id, with and without
// related=, under the related table's RBAC), flatten with and without flatten_drop_prefix on belongs_to and has_one (a parent
// column wins a name clash), has_one as an object or null on REST, in GraphQL and in nested
// writes, the values in _schema, across a restart; bad input is a 400 that stores nothing.
func TestVirtualRelationshipExtras(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookService(kind)
			// note belongs to a contact (or none); profile is a contact's has_one (Jane has two, Dee and Janie:
			// the first by id is hers).
			s.must(200, "POST", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "note", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "contact_ref", "type": "integer"}, map[string]any{"name": "body", "type": "string"}}},
				map[string]any{"name": "profile", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "contact_ref", "type": "integer"}, map[string]any{"name": "nickname", "type": "string"}}},
			}})
			s.must(200, "POST", "/api/v2/db/_table/note", map[string]any{"resource": []any{
				map[string]any{"contact_ref": 1, "body": "n1"}, map[string]any{"contact_ref": 1, "body": "n2"},
				map[string]any{"contact_ref": 2, "body": "n3"}, map[string]any{"body": "n4"}}})
			s.must(200, "POST", "/api/v2/db/_table/profile", map[string]any{"resource": []any{
				map[string]any{"contact_ref": 1, "nickname": "Dee"}, map[string]any{"contact_ref": 2, "nickname": "Johnny"},
				map[string]any{"contact_ref": 1, "nickname": "Janie"}}})
			belongsTo := map[string]any{"type": "belongs_to", "field": "contact_ref", "ref_table": "contact", "ref_field": "id", "is_virtual": true}
			hasOne := map[string]any{"type": "has_one", "field": "id", "ref_table": "profile", "ref_field": "contact_ref", "is_virtual": true}
			hasMany := map[string]any{"type": "has_many", "field": "id", "ref_table": "note", "ref_field": "contact_ref", "is_virtual": true}

			// Bad input: a 400 naming the problem, and nothing stored.
			bad := []struct {
				path    string
				rel     map[string]any
				message string
			}{
				{"contact", withKeys(hasMany, "flatten", true), "flatten is only for belongs_to and has_one relationships (one related record), not has_many"},
				{"contact", withKeys(hasMany, "flatten", true, "flatten_drop_prefix", true), "flatten is only for belongs_to and has_one relationships"},
				{"note", withKeys(belongsTo, "flatten_drop_prefix", true), "flatten_drop_prefix only applies with flatten: true"},
				{"note", withKeys(belongsTo, "always_fetch", "maybe"), "always_fetch must be true or false"},
				{"note", withKeys(belongsTo, "flatten", 2), "flatten must be true or false"},
				{"contact", withKeys(hasOne, "junction_table", "note"), "junction_table is only for many_many relationships"},
				{"contact", withKeys(hasOne, "ref_field", "nope"), "ref_field 'nope' does not exist in table 'profile'"},
				{"contact", withKeys(hasOne, "ref_field", "nickname"), "hold different kinds of values"},
				{"contact", withKeys(hasOne, "name", "my_profile"), "this one is named 'profile_by_contact_ref'"},
				{"contact", withKeys(hasOne, "type", "has_two"), "type 'has_two' is not supported: send belongs_to, has_one, has_many or many_many"},
			}
			for _, c := range bad {
				status, body := s.do("POST", "/api/v2/db/_schema/"+c.path+"/_related", rec(c.rel), creds(s.admin, ""))
				if status != 400 || !strings.Contains(errorMessage(body), c.message) {
					t.Errorf("POST %s/_related %v: %d %v, want 400 %q", c.path, c.rel, status, body, c.message)
				}
			}
			if got := s.storedConfig(dbID, "virtual_relationships"); got != "<nil>" {
				t.Errorf("bad input stored %s", got)
			}

			// has_one: DreamFactory's name, the related object or null.
			if got := s.must(200, "POST", "/api/v2/db/_schema/contact/_related", rec(hasOne)); !reflect.DeepEqual(got,
				map[string]any{"resource": []any{map[string]any{"name": "profile_by_contact_ref"}}}) {
				t.Errorf("POST has_one: %v", got)
			}
			s.must(200, "POST", "/api/v2/db/_schema/note/_related", rec(belongsTo))
			contacts := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=profile_by_contact_ref", nil))
			if got, want := relatedShape(contacts, "first_name", "profile_by_contact_ref", "nickname"), "Jane:{Dee} John:{Johnny} Jim:null Alice:null"; got != want {
				t.Errorf("has_one: %s, want %s", got, want)
			}
			one := s.must(200, "GET", "/api/v2/db/_table/contact/2?related=profile_by_contact_ref&profile_by_contact_ref.fields=nickname", nil).(map[string]any)
			if !reflect.DeepEqual(one["profile_by_contact_ref"], map[string]any{"nickname": "Johnny"}) {
				t.Errorf("has_one by id with fields: %v", one)
			}
			if got := relatedShape(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=profile_by_contact_ref&profile_by_contact_ref.order="+
				url.QueryEscape("nickname desc"), nil)), "first_name", "profile_by_contact_ref", "nickname"); got != "Jane:{Janie} John:{Johnny} Jim:null Alice:null" {
				t.Errorf("has_one in another order: %s", got)
			}
			if d := describedRelation(s, "contact", "profile_by_contact_ref"); d["type"] != "has_one" || d["is_virtual"] != true ||
				!reflect.DeepEqual(d["field"], []any{"id"}) || d["ref_table"] != "profile" || !reflect.DeepEqual(d["ref_field"], []any{"contact_ref"}) ||
				d["always_fetch"] != false || d["flatten"] != false || d["flatten_drop_prefix"] != false {
				t.Errorf("_schema/contact has_one: %v", d)
			}

			// has_one in nested writes: one object, written after the record and pointing at it.
			created := s.must(200, "POST", "/api/v2/db/_table/contact?fields=id", rec(map[string]any{"first_name": "Bob", "last_name": "Lee",
				"profile_by_contact_ref": map[string]any{"nickname": "Bobby"}}))
			bob := fmt.Sprint(firstID(created))
			if got := relatedShape(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?ids="+bob+"&related=profile_by_contact_ref", nil)),
				"first_name", "profile_by_contact_ref", "nickname"); got != "Bob:{Bobby}" {
				t.Errorf("nested has_one write, read back: %s", got)
			}
			if status, body := s.do("POST", "/api/v2/db/_table/contact", rec(map[string]any{"first_name": "Eve", "last_name": "Moe",
				"profile_by_contact_ref": []any{map[string]any{"nickname": "E"}}}), creds(s.admin, "")); status != 400 ||
				!strings.Contains(fmt.Sprint(body), "Related record 'profile_by_contact_ref' must be a JSON object.") {
				t.Errorf("nested has_one write of an array: %d %v", status, body)
			}
			if n := len(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?filter="+url.QueryEscape("first_name = 'Eve'"), nil))); n != 0 {
				t.Errorf("the refused nested write stored %d contacts", n)
			}
			s.must(200, "DELETE", "/api/v2/db/_table/profile?filter="+url.QueryEscape("nickname = 'Bobby'"), nil)
			s.must(200, "DELETE", "/api/v2/db/_table/contact/"+bob, nil)

			// GraphQL: a has_one field is one object or null, and can be filtered on.
			data := s.mustData("db", `{ contact(order_by: [{id: asc}]) { first_name profile_by_contact_ref { nickname } } }`, nil)
			if got, want := fmt.Sprint(data["contact"]), "[map[first_name:Jane profile_by_contact_ref:map[nickname:Dee]] map[first_name:John profile_by_contact_ref:map[nickname:Johnny]] "+
				"map[first_name:Jim profile_by_contact_ref:<nil>] map[first_name:Alice profile_by_contact_ref:<nil>]]"; got != want {
				t.Errorf("GraphQL has_one:\n got %s\nwant %s", got, want)
			}
			data = s.mustData("db", `{ contact(where: {profile_by_contact_ref: {nickname: {_eq: "Johnny"}}}) { first_name } }`, nil)
			if got := fmt.Sprint(data["contact"]); got != "[map[first_name:John]]" {
				t.Errorf("GraphQL where on has_one: %s", got)
			}
			if _, errs := s.gqlData("db", `{ contact { profile_by_contact_ref(limit: 1) { nickname } } }`, nil, creds(s.admin, "")); len(errs) == 0 {
				t.Error("GraphQL takes list arguments on a has_one field")
			}

			// always_fetch: every read of notes has the contact, by id too, once with related=.
			s.must(200, "PATCH", "/api/v2/db/_schema/note/_related/contact_by_contact_ref", withKeys(belongsTo, "always_fetch", true))
			notes := recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id", nil))
			if got, want := relatedShape(notes, "body", "contact_by_contact_ref", "first_name"), "n1:{Jane} n2:{Jane} n3:{John} n4:null"; got != want {
				t.Errorf("always_fetch list: %s, want %s", got, want)
			}
			if asked := recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id&related=contact_by_contact_ref", nil)); !reflect.DeepEqual(asked, notes) {
				t.Errorf("always_fetch and related= differ:\n%v\n%v", asked, notes)
			}
			byID := s.must(200, "GET", "/api/v2/db/_table/note/3?fields=body", nil).(map[string]any)
			if got := keysOf(byID); got != "body,contact_by_contact_ref" || fmt.Sprint(byID["contact_by_contact_ref"].(map[string]any)["last_name"]) != "Smith" {
				t.Errorf("always_fetch by id with fields=body: %v", byID)
			}
			if got := keysOf(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?ids=1", nil))[0]); got != "first_name,id,last_name,notes" {
				t.Errorf("contact without related= got relations: %s", got)
			}
			if got := keysOf(recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?ids=1&related=*", nil))[0]); got != "body,contact_by_contact_ref,contact_ref,id" {
				t.Errorf("related=* with always_fetch: %s", got)
			}
			if d := describedRelation(s, "note", "contact_by_contact_ref"); d["always_fetch"] != true || d["flatten"] != false {
				t.Errorf("_schema/note always_fetch: %v", d)
			}
			// … through the related table's RBAC, as with related=: a role that may read notes but
			// not contacts gets the 403 of the contact read.
			f := s.readerFixture()
			access := func(tables ...string) {
				var rows []any
				for _, tb := range tables {
					rows = append(rows, map[string]any{"service_id": dbID, "component": "_table/" + tb, "verb_mask": 1, "requestor_mask": 1},
						map[string]any{"service_id": dbID, "component": "_table/" + tb + "/*", "verb_mask": 1, "requestor_mask": 1})
				}
				s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": rows})
			}
			access("note")
			if status, body := s.do("GET", "/api/v2/db/_table/note/1", nil, creds(f.token, f.key)); status != 403 ||
				errorMessage(body) != "Access Forbidden. GET access to component '_table/contact' of service 'db' is not allowed by this user's role." {
				t.Errorf("always_fetch without access to the related table: %d %v", status, body)
			}
			access("contact")
			if status, body := s.do("GET", "/api/v2/db/_table/note/1", nil, creds(f.token, f.key)); status != 200 ||
				relatedShape(recordsOf(body), "body", "contact_by_contact_ref", "first_name") != "n1:{Jane}" {
				t.Errorf("always_fetch with access to the related table: %d %v", status, body)
			}

			// flatten (with always_fetch): {relation}_{field} in the record, null without a contact.
			s.must(200, "PUT", "/api/v2/db/_schema/note/_related/contact_by_contact_ref", withKeys(belongsTo, "always_fetch", true, "flatten", true))
			flat := recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id&fields=body", nil))
			if got, want := keysOf(flat[0]), "body,contact_by_contact_ref_first_name,contact_by_contact_ref_id,contact_by_contact_ref_last_name,contact_by_contact_ref_notes"; got != want {
				t.Errorf("flatten keys: %s, want %s", got, want)
			}
			if got, want := column(flat, "body", "contact_by_contact_ref_first_name"), "n1:Jane n2:Jane n3:John n4:<nil>"; got != want {
				t.Errorf("flatten belongs_to: %s, want %s", got, want)
			}
			if got := column(recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id&contact_by_contact_ref.fields=last_name", nil)), "body", "contact_by_contact_ref_last_name"); got != "n1:Doe n2:Doe n3:Smith n4:<nil>" {
				t.Errorf("flatten with the relation's fields: %s", got)
			}
			// … without the prefix: the note keeps its own id, the contact's goes.
			s.must(200, "PUT", "/api/v2/db/_schema/note/_related/contact_by_contact_ref", withKeys(belongsTo, "always_fetch", true, "flatten", true, "flatten_drop_prefix", true))
			flat = recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id", nil))
			if got, want := keysOf(flat[0]), "body,contact_ref,first_name,id,last_name,notes"; got != want {
				t.Errorf("flatten_drop_prefix keys: %s, want %s", got, want)
			}
			if got, want := column(flat, "id", "first_name"), "1:Jane 2:Jane 3:John 4:<nil>"; got != want {
				t.Errorf("flatten_drop_prefix belongs_to: %s, want %s", got, want)
			}

			// flatten on has_one, with and without the prefix.
			s.must(200, "PUT", "/api/v2/db/_schema/contact/_related/profile_by_contact_ref", withKeys(hasOne, "flatten", true))
			pc := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=profile_by_contact_ref", nil))
			if got, want := column(pc, "first_name", "profile_by_contact_ref_nickname"), "Jane:Dee John:Johnny Jim:<nil> Alice:<nil>"; got != want {
				t.Errorf("flatten has_one: %s, want %s", got, want)
			}
			if _, nested := pc[0]["profile_by_contact_ref"]; nested {
				t.Errorf("flattened has_one still nested: %v", pc[0])
			}
			s.must(200, "PUT", "/api/v2/db/_schema/contact/_related/profile_by_contact_ref", withKeys(hasOne, "flatten", true, "flatten_drop_prefix", true))
			pc = recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact/1?related=profile_by_contact_ref", nil).(map[string]any))
			if got, want := keysOf(pc[0]), "contact_ref,first_name,id,last_name,nickname,notes"; got != want || fmt.Sprintf("%v %v", pc[0]["id"], pc[0]["nickname"]) != "1 Dee" {
				t.Errorf("flatten_drop_prefix has_one by id: %v, want keys %s", pc[0], want)
			}

			// GraphQL nests them still, whatever the REST shape.
			data = s.mustData("db", `{ note(order_by: [{id: asc}]) { body contact_by_contact_ref { first_name } } }`, nil)
			if got, want := fmt.Sprint(data["note"]), "[map[body:n1 contact_by_contact_ref:map[first_name:Jane]] map[body:n2 contact_by_contact_ref:map[first_name:Jane]] "+
				"map[body:n3 contact_by_contact_ref:map[first_name:John]] map[body:n4 contact_by_contact_ref:<nil>]]"; got != want {
				t.Errorf("GraphQL with flattened relations:\n got %s\nwant %s", got, want)
			}

			// Kept across a restart (in the service's config), and shown by _schema.
			if got := s.storedConfig(dbID, "virtual_relationships"); !strings.Contains(got, "always_fetch:true") || !strings.Contains(got, "flatten_drop_prefix:true") || !strings.Contains(got, "type:has_one") {
				t.Errorf("stored: %s", got)
			}
			s2 := s.restarted()
			if d := describedRelation(s2, "note", "contact_by_contact_ref"); d["always_fetch"] != true || d["flatten"] != true || d["flatten_drop_prefix"] != true {
				t.Errorf("after a restart, _schema/note/_related: %v", d)
			}
			var listed map[string]any
			for _, r := range s2.must(200, "GET", "/api/v2/db/_schema/contact", nil).(map[string]any)["related"].([]any) {
				if r.(map[string]any)["name"] == "profile_by_contact_ref" {
					listed = r.(map[string]any)
				}
			}
			if listed["type"] != "has_one" || listed["flatten"] != true || listed["flatten_drop_prefix"] != true || listed["always_fetch"] != false {
				t.Errorf("after a restart, _schema/contact lists: %v", listed)
			}
			if got := column(recordsOf(s2.must(200, "GET", "/api/v2/db/_table/note?order=id", nil)), "id", "first_name"); got != "1:Jane 2:Jane 3:John 4:<nil>" {
				t.Errorf("after a restart, always_fetch and flatten: %s", got)
			}

			// alias, label and description are part of a virtual relationship; the alias is its
			// key in records and related=, and must not be a field of the table.
			if status, body := s2.do("PUT", "/api/v2/db/_schema/contact/_related/profile_by_contact_ref", withKeys(hasOne, "alias", "notes"),
				creds(s2.admin, "")); status != 400 || !strings.Contains(errorMessage(body), "its alias 'notes' is already a field") {
				t.Errorf("PUT of an alias that is a field: %d %v", status, body)
			}
			s2.must(200, "PUT", "/api/v2/db/_schema/contact/_related/profile_by_contact_ref", withKeys(hasOne, "alias", "profile", "description", "Nickname"))
			if d := describedRelation(s2, "contact", "profile_by_contact_ref"); d["alias"] != "profile" || d["label"] != "Profile" ||
				d["description"] != "Nickname" || d["flatten"] != false {
				t.Errorf("virtual relationship with an alias, described: %v", d)
			}
			if got := relatedShape(recordsOf(s2.must(200, "GET", "/api/v2/db/_table/contact?order=id&related=profile", nil)), "first_name", "profile", "nickname"); got != "Jane:{Dee} John:{Johnny} Jim:null Alice:null" {
				t.Errorf("related= by a virtual relationship's alias: %s", got)
			}
		})
	}
}

// relatedShape renders each record as "key:{field}" for an object under rel, "key:null" for
// null, and "key:list" for anything else (an array is the wrong shape for a single relation).
func relatedShape(rows []map[string]any, key, rel, field string) string {
	out := make([]string, len(rows))
	for i, r := range rows {
		v, present := r[rel]
		switch o := v.(type) {
		case map[string]any:
			out[i] = fmt.Sprintf("%v:{%v}", r[key], o[field])
		case nil:
			out[i] = fmt.Sprintf("%v:null", r[key])
			if !present {
				out[i] = fmt.Sprintf("%v:absent", r[key])
			}
		default:
			out[i] = fmt.Sprintf("%v:%T", r[key], v)
		}
	}
	return strings.Join(out, " ")
}

// column renders each record as "key:value of field", "<nil>" for null and "absent" when the
// record has no such key.
func column(rows []map[string]any, key, field string) string {
	out := make([]string, len(rows))
	for i, r := range rows {
		v, ok := r[field]
		if !ok {
			out[i] = fmt.Sprintf("%v:absent", r[key])
			continue
		}
		out[i] = fmt.Sprintf("%v:%v", r[key], v)
	}
	return strings.Join(out, " ")
}

// keysOf is a record's keys, sorted and comma-separated.
func keysOf(r map[string]any) string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// describedRelation is GET _schema/{table}/_related/{name}.
func describedRelation(s *server, table, name string) map[string]any {
	s.t.Helper()
	return s.must(200, "GET", "/api/v2/db/_schema/"+table+"/_related/"+name, nil).(map[string]any)
}
