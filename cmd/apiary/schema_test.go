package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// emptyDatabase creates an empty database of kind and returns the service config that reaches
// it: a new SQLite file, a fresh PostgreSQL database, or a throw-away MySQL database.
func emptyDatabase(t *testing.T, kind, dataDir string) map[string]any {
	t.Helper()
	var name string
	switch kind {
	case "sqlite":
		name = fmt.Sprintf("schema_%d.db", time.Now().UnixNano())
		if _, err := os.Stat(filepath.Join(dataDir, name)); err == nil {
			t.Fatalf("%s exists", name)
		}
	case "pgsql", "mysql":
	default:
		t.Fatalf("unknown kind %s", kind)
	}
	return freshDatabase(t, kind, name)
}

// addressBookSchema is DreamFactory's address-book sample schema in _schema's field JSON.
// contact_info comes first: it references contact, created by the same request.
func addressBookSchema() map[string]any {
	f := func(props ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(props); i += 2 {
			m[props[i].(string)] = props[i+1]
		}
		return m
	}
	id := f("name", "id", "type", "id")
	return map[string]any{"resource": []any{
		f("name", "contact_info", "label", "Contact Info", "field", []any{
			id,
			f("name", "ordinal", "type", "integer"),
			f("name", "contact_id", "type", "reference", "ref_table", "contact", "ref_field", "id", "ref_on_delete", "CASCADE", "allow_null", false),
			f("name", "info_type", "type", "string", "length", 32, "allow_null", false),
			f("name", "phone", "type", "string", "length", 32),
			f("name", "email", "type", "string", "length", 255),
			f("name", "address", "type", "string", "length", 255),
			f("name", "city", "type", "string", "length", 64),
			f("name", "state", "type", "string", "length", 64),
			f("name", "zip", "type", "string", "length", 16),
			f("name", "country", "type", "string", "length", 64),
		}),
		f("name", "contact", "label", "Contact", "plural", "Contacts", "field", []any{
			id,
			f("name", "first_name", "type", "string", "length", 40, "allow_null", false),
			f("name", "last_name", "type", "string", "length", 40, "allow_null", false),
			f("name", "image_url", "type", "text"),
			f("name", "twitter", "type", "string", "length", 18),
			f("name", "skype", "type", "string", "length", 255),
			f("name", "notes", "type", "text"),
		}),
		f("name", "contact_group", "field", []any{
			id,
			f("name", "name", "type", "string", "length", 128, "allow_null", false, "is_unique", true),
		}),
		f("name", "contact_group_relationship", "field", []any{
			id,
			f("name", "contact_id", "type", "reference", "ref_table", "contact", "ref_field", "id", "ref_on_delete", "CASCADE", "allow_null", false),
			f("name", "contact_group_id", "type", "reference", "ref_table", "contact_group", "ref_field", "id", "ref_on_delete", "CASCADE", "allow_null", false),
		}),
	}}
}

// fieldOf returns the field named name of a _schema/{table} body, or nil.
func fieldOf(desc any, name string) map[string]any {
	for _, f := range desc.(map[string]any)["field"].([]any) {
		if m := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

// relatedNames lists the relation names of a _schema/{table} body.
func relatedNames(desc any) []string {
	var out []string
	for _, r := range desc.(map[string]any)["related"].([]any) {
		out = append(out, r.(map[string]any)["name"].(string))
	}
	return out
}

func resourceNames(body any) string {
	var out []string
	for _, r := range body.(map[string]any)["resource"].([]any) {
		out = append(out, fmt.Sprint(r.(map[string]any)["name"]))
	}
	return strings.Join(out, ",")
}

// TestSchemaAddressBook is issue 3's _schema acceptance on every database kind: DreamFactory's
// address book created through POST _schema on an empty database, filled and read through
// _table, described, changed with PATCH, PUT and _field, dropped; bad requests are 400s that
// change nothing.
func TestSchemaAddressBook(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			cfg := emptyDatabase(t, kind, s.m.DataDir)
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_table", nil)); got != "map[resource:[]]" {
				t.Fatalf("the database is not empty: %s", got)
			}
			// Create the address book in one request.
			s.rec.take()
			out := s.must(200, "POST", "/api/v2/db/_schema", addressBookSchema())
			if got := resourceNames(out); got != "contact_info,contact,contact_group,contact_group_relationship" {
				t.Errorf("POST _schema answered %v", out)
			}
			if got := s.rec.take(); len(got) == 0 || got[0] != "db._schema.post.pre_process" {
				t.Errorf("POST _schema events: %v", got)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_table", nil)); got != "contact,contact_group,contact_group_relationship,contact_info" {
				t.Errorf("_table after create: %s", got)
			}

			// Records through _table.
			s.must(200, "POST", "/api/v2/db/_table/contact", map[string]any{"resource": []any{
				map[string]any{"first_name": "Jane", "last_name": "Doe", "notes": "first"},
				map[string]any{"first_name": "John", "last_name": "Smith"},
			}})
			s.must(200, "POST", "/api/v2/db/_table/contact_info", map[string]any{"resource": []any{
				map[string]any{"contact_id": 1, "info_type": "home", "email": "jane@home.test"},
				map[string]any{"contact_id": 1, "info_type": "work", "email": "jane@work.test"},
				map[string]any{"contact_id": 2, "info_type": "home", "email": "john@home.test"},
			}})
			s.must(200, "POST", "/api/v2/db/_table/contact_group", rec(map[string]any{"name": "Friends"}))
			s.must(200, "POST", "/api/v2/db/_table/contact_group_relationship", rec(map[string]any{"contact_id": 2, "contact_group_id": 1}))
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_info?count_only=true&filter=contact_id%3D1", nil); n.(float64) != 2 {
				t.Errorf("contact_info of contact 1: %v", n)
			}
			// The constraints exist: a unique name, a foreign key, NOT NULL.
			for _, c := range []struct {
				table  string
				record map[string]any
			}{
				{"contact_group", map[string]any{"name": "Friends"}},
				{"contact_info", map[string]any{"contact_id": 99, "info_type": "home"}},
				{"contact", map[string]any{"first_name": "No last name"}},
			} {
				if status, body := s.do("POST", "/api/v2/db/_table/"+c.table, rec(c.record), creds(s.admin, "")); status != 400 {
					t.Errorf("POST %s %v: %d %v, want 400", c.table, c.record, status, body)
				}
			}

			// Describe.
			contact := s.must(200, "GET", "/api/v2/db/_schema/contact", nil)
			if f := fieldOf(contact, "first_name"); f == nil || f["type"] != "string" || f["length"] != float64(40) || f["allow_null"] != false {
				t.Errorf("contact.first_name: %v", f)
			}
			if f := fieldOf(contact, "id"); f == nil || f["type"] != "id" || f["is_primary_key"] != true || f["auto_increment"] != true {
				t.Errorf("contact.id: %v", f)
			}
			rel := strings.Join(relatedNames(contact), ",")
			for _, want := range []string{"contact_info_by_contact_id", "contact_group_relationship_by_contact_id", "contact_group_by_contact_group_relationship"} {
				if !strings.Contains(rel, want) {
					t.Errorf("contact's relations %s lack %s", rel, want)
				}
			}
			info := fieldOf(s.must(200, "GET", "/api/v2/db/_schema/contact_info", nil), "contact_id")
			if info["type"] != "reference" || info["ref_table"] != "contact" || info["ref_field"] != "id" || info["is_foreign_key"] != true {
				t.Errorf("contact_info.contact_id: %v", info)
			}
			if f := fieldOf(s.must(200, "GET", "/api/v2/db/_schema/contact_group", nil), "name"); f["is_unique"] != true {
				t.Errorf("contact_group.name: %v", f)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_schema/contact/_field", nil)); got != "id,first_name,last_name,image_url,twitter,skype,notes" {
				t.Errorf("_field: %s", got)
			}
			for _, path := range []string{"_schema/contact/_field/last_name", "_schema/contact/last_name", "_schema/contact/_field?ids=last_name"} {
				body := fmt.Sprint(s.must(200, "GET", "/api/v2/db/"+path, nil))
				if !strings.Contains(body, "name:last_name") || strings.Contains(body, "name:first_name") {
					t.Errorf("GET %s: %s", path, body)
				}
			}
			if r := s.must(200, "GET", "/api/v2/db/_schema/contact/_related/contact_info_by_contact_id", nil).(map[string]any); r["type"] != "has_many" || r["ref_table"] != "contact_info" {
				t.Errorf("_related/contact_info_by_contact_id: %v", r)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_schema/contact/_related", nil)); !strings.Contains(got, "contact_info_by_contact_id") {
				t.Errorf("_related: %s", got)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_schema?ids=contact,contact_group", nil)); got != "contact,contact_group" {
				t.Errorf("_schema?ids: %s", got)
			}

			// PATCH merges: a new field, a changed one; the rows stay.
			s.must(200, "GET", "/api/v2/db/_table/contact", nil) // warm the statement cache
			out = s.must(200, "PATCH", "/api/v2/db/_schema/contact", map[string]any{"field": []any{
				map[string]any{"name": "birthday", "type": "date"},
				map[string]any{"name": "notes", "type": "string", "length": 500},
				map[string]any{"name": "twitter", "length": 32},
			}})
			if !reflect.DeepEqual(out, map[string]any{"name": "contact"}) {
				t.Errorf("PATCH _schema/contact answered %v", out)
			}
			contact = s.must(200, "GET", "/api/v2/db/_schema/contact", nil)
			if f := fieldOf(contact, "birthday"); f == nil || f["type"] != "date" {
				t.Errorf("birthday after PATCH: %v", f)
			}
			if f := fieldOf(contact, "notes"); f["type"] != "string" || f["length"] != float64(500) {
				t.Errorf("notes after PATCH: %v", f)
			}
			if f := fieldOf(contact, "twitter"); f["type"] != "string" || f["length"] != float64(32) || f["allow_null"] != true {
				t.Errorf("twitter after PATCH: %v", f)
			}
			if f := fieldOf(contact, "first_name"); f["allow_null"] != false || f["length"] != float64(40) {
				t.Errorf("first_name changed by PATCH: %v", f)
			}
			rows := s.must(200, "GET", "/api/v2/db/_table/contact?fields=first_name,notes,birthday&order=id", nil)
			if got := fmt.Sprint(rows); got != "map[resource:[map[birthday:<nil> first_name:Jane notes:first] map[birthday:<nil> first_name:John notes:<nil>]]]" {
				t.Errorf("contact rows after PATCH: %s", got)
			}
			s.must(200, "PATCH", "/api/v2/db/_table/contact/1", map[string]any{"birthday": "1990-05-17"})
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_table/contact/1?fields=birthday", nil)); !strings.Contains(got, "1990-05-17") {
				t.Errorf("birthday written: %s", got)
			}
			// Relations survive a rebuild of the referenced table (SQLite).
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_info?count_only=true", nil); n.(float64) != 3 {
				t.Errorf("contact_info rows after PATCH of contact: %v", n)
			}

			// A type change is seen by reads prepared before it (PostgreSQL refuses a cached plan
			// whose result type changed).
			for i := 0; i < 3; i++ {
				s.must(200, "GET", "/api/v2/db/_table/contact_info?fields=id,ordinal", nil)
			}
			s.must(200, "PATCH", "/api/v2/db/_schema/contact_info/_field/ordinal", map[string]any{"type": "bigint"})
			for i := 0; i < 3; i++ {
				s.must(200, "GET", "/api/v2/db/_table/contact_info?fields=id,ordinal", nil)
			}
			if f := s.must(200, "GET", "/api/v2/db/_schema/contact_info/_field/ordinal", nil).(map[string]any); f["type"] != "bigint" {
				t.Errorf("ordinal after PATCH: %v", f)
			}

			// A described table sent back with PUT changes nothing.
			for _, table := range []string{"contact", "contact_info", "contact_group_relationship"} {
				desc := s.must(200, "GET", "/api/v2/db/_schema/"+table, nil)
				s.must(200, "PUT", "/api/v2/db/_schema/"+table, desc)
				if again := s.must(200, "GET", "/api/v2/db/_schema/"+table, nil); !reflect.DeepEqual(again, desc) {
					t.Errorf("PUT of the described %s changed it:\nbefore %v\nafter  %v", table, desc, again)
				}
			}
			s.must(200, "DELETE", "/api/v2/db/_table/contact/2", nil) // the cascade survives a round trip
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_group_relationship?count_only=true", nil); n.(float64) != 0 {
				t.Errorf("ON DELETE CASCADE lost: %v relationship rows left", n)
			}
			s.must(200, "POST", "/api/v2/db/_table/contact", rec(map[string]any{"id": 2, "first_name": "John", "last_name": "Smith"}))
			s.must(200, "POST", "/api/v2/db/_table/contact_info", rec(map[string]any{"contact_id": 2, "info_type": "home", "email": "john@home.test"}))
			s.must(200, "POST", "/api/v2/db/_table/contact_group_relationship", rec(map[string]any{"contact_id": 2, "contact_group_id": 1}))

			// A table of its own: POST _schema/{table} with a bare object.
			s.rec.take()
			out = s.must(200, "POST", "/api/v2/db/_schema/todo", map[string]any{"field": []any{
				map[string]any{"name": "id", "type": "id"},
				map[string]any{"name": "name", "type": "string", "length": 64, "is_unique": true, "allow_null": false},
				map[string]any{"name": "complete", "type": "boolean", "default": false},
				map[string]any{"name": "owner_id", "type": "reference", "ref_table": "contact", "ref_field": "id", "allow_null": true},
				map[string]any{"name": "note", "type": "string", "default": "it's a \\ 'default'); DROP TABLE contact; --"},
			}})
			if !reflect.DeepEqual(out, map[string]any{"name": "todo"}) {
				t.Errorf("POST _schema/todo answered %v", out)
			}
			want := []string{"db._schema.{table_name}.post.pre_process", "db._schema.todo.post.pre_process",
				"db._schema.{table_name}.post.post_process", "db._schema.todo.post.post_process",
				"db._schema.{table_name}.post.queued", "db._schema.todo.post.queued"}
			if got := s.rec.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("events %v, want %v", got, want)
			}
			s.must(200, "POST", "/api/v2/db/_table/todo", map[string]any{"resource": []any{
				map[string]any{"name": "Buy milk", "owner_id": 1}, map[string]any{"name": "Walk"}}})
			todo := s.must(200, "GET", "/api/v2/db/_table/todo?order=id", nil).(map[string]any)["resource"].([]any)
			first := todo[0].(map[string]any)
			if first["complete"] != false || first["note"] != "it's a \\ 'default'); DROP TABLE contact; --" {
				t.Errorf("todo defaults: %v", first)
			}
			if got := strings.Join(relatedNames(s.must(200, "GET", "/api/v2/db/_schema/contact", nil)), ","); !strings.Contains(got, "todo_by_owner_id") {
				t.Errorf("contact's relations lack todo_by_owner_id: %s", got)
			}
			if status, _ := s.do("POST", "/api/v2/db/_table/todo", rec(map[string]any{"name": "Walk"}), creds(s.admin, "")); status != 400 {
				t.Errorf("duplicate todo name: %d", status)
			}

			// PUT replaces: owner_id and note left out are dropped.
			s.must(200, "PUT", "/api/v2/db/_schema/todo", map[string]any{"field": []any{
				map[string]any{"name": "id", "type": "id"},
				map[string]any{"name": "name", "type": "string", "length": 64, "allow_null": false},
				map[string]any{"name": "complete", "type": "boolean", "default": false},
			}})
			desc := s.must(200, "GET", "/api/v2/db/_schema/todo", nil)
			if fieldOf(desc, "owner_id") != nil || fieldOf(desc, "note") != nil || fieldOf(desc, "complete") == nil {
				t.Errorf("fields after PUT: %v", desc)
			}
			if f := fieldOf(desc, "name"); f["is_unique"] != true {
				t.Errorf("PUT without is_unique dropped the unique index: %v", f)
			}
			if got := strings.Join(relatedNames(s.must(200, "GET", "/api/v2/db/_schema/contact", nil)), ","); strings.Contains(got, "todo_by_owner_id") {
				t.Errorf("todo_by_owner_id survived the PUT: %s", got)
			}
			if n := s.must(200, "GET", "/api/v2/db/_table/todo?count_only=true", nil); n.(float64) != 2 {
				t.Errorf("todo rows after PUT: %v", n)
			}

			// _field: add, change, drop.
			out = s.must(200, "POST", "/api/v2/db/_schema/todo/_field", map[string]any{"resource": []any{
				map[string]any{"name": "created", "type": "timestamp_on_create"},
				map[string]any{"name": "priority", "type": "integer", "default": 3, "allow_null": false},
			}})
			if got := resourceNames(out); got != "created,priority" {
				t.Errorf("POST _field answered %v", out)
			}
			s.must(200, "POST", "/api/v2/db/_table/todo", rec(map[string]any{"name": "Sleep"}))
			got := s.must(200, "GET", "/api/v2/db/_table/todo?filter=name%3D'Sleep'", nil).(map[string]any)["resource"].([]any)[0].(map[string]any)
			if got["created"] == nil || got["priority"] != float64(3) {
				t.Errorf("timestamp_on_create and default: %v", got)
			}
			if status, body := s.do("POST", "/api/v2/db/_schema/todo/_field", rec(map[string]any{"name": "priority", "type": "integer"}), creds(s.admin, "")); status != 400 {
				t.Errorf("POST an existing field: %d %v", status, body)
			}
			s.must(200, "PATCH", "/api/v2/db/_schema/todo/_field/name", map[string]any{"length": 128})
			if f := s.must(200, "GET", "/api/v2/db/_schema/todo/_field/name", nil).(map[string]any); f["length"] != float64(128) || f["allow_null"] != false || f["is_unique"] != true {
				t.Errorf("name after PATCH _field: %v", f)
			}
			if out := s.must(200, "DELETE", "/api/v2/db/_schema/todo/_field/priority", nil); !reflect.DeepEqual(out, map[string]any{"success": true}) {
				t.Errorf("DELETE _field answered %v", out)
			}
			if fieldOf(s.must(200, "GET", "/api/v2/db/_schema/todo", nil), "priority") != nil {
				t.Errorf("priority survived DELETE _field")
			}
			if status, _ := s.do("DELETE", "/api/v2/db/_schema/todo/_field/priority", nil, creds(s.admin, "")); status != 404 {
				t.Errorf("DELETE a missing field: %d", status)
			}
			desc = s.must(200, "GET", "/api/v2/db/_schema/todo", nil)
			s.must(200, "PUT", "/api/v2/db/_schema/todo", desc)
			if again := s.must(200, "GET", "/api/v2/db/_schema/todo", nil); !reflect.DeepEqual(again, desc) {
				t.Errorf("PUT of the described todo changed it:\nbefore %v\nafter  %v", desc, again)
			}

			// Bad requests: 4xx, and nothing changes.
			before := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_schema?ids=contact,contact_info,contact_group,todo", nil))
			tables := resourceNames(s.must(200, "GET", "/api/v2/db/_table", nil))
			bad := []struct {
				method, path string
				body         any
				status       int
				message      string
			}{
				{"POST", "_schema", rec(map[string]any{"name": "bad-name", "field": []any{map[string]any{"name": "id", "type": "id"}}}), 400, "Invalid table name 'bad-name'"},
				{"POST", "_schema", map[string]any{"resource": []any{
					map[string]any{"name": "ok_table", "field": []any{map[string]any{"name": "id", "type": "id"}}},
					map[string]any{"name": "other", "field": []any{map[string]any{"name": "x", "type": "strin"}}},
				}}, 400, "unknown type 'strin'. The types are: id, bigid"},
				{"POST", "_schema", rec(map[string]any{"field": []any{map[string]any{"name": "id", "type": "id"}}}), 400, "does not have a valid name"},
				{"POST", "_schema", rec(map[string]any{"name": "t2", "field": []any{map[string]any{"type": "id"}}}), 400, "does not have a valid name"},
				{"POST", "_schema", rec(map[string]any{"name": "t2", "field": []any{map[string]any{"name": "a b", "type": "string"}}}), 400, "Invalid field name 'a b'"},
				{"POST", "_schema", rec(map[string]any{"name": "contact", "field": []any{map[string]any{"name": "id", "type": "id"}}}), 400, "already exist"},
				{"POST", "_schema", rec(map[string]any{"name": "t2", "field": []any{map[string]any{"name": "a", "db_type": "varchar(10); DROP TABLE contact"}}}), 400, "db_type"},
				{"POST", "_schema", rec(map[string]any{"name": "t2", "field": []any{map[string]any{"name": "a", "type": "reference", "ref_table": "nope"}}}), 400, "does not exist"},
				{"POST", "_schema", rec(map[string]any{"name": "t2", "field": []any{map[string]any{"name": "a", "type": "integer", "default": "1; DROP TABLE contact"}}}), 400, "Invalid default"},
				{"PATCH", "_schema/nope", map[string]any{"field": []any{map[string]any{"name": "a", "type": "string"}}}, 404, `Table &quot;nope&quot; does not exist in the database.`},
				{"DELETE", "_schema/nope", nil, 404, `Table &quot;nope&quot; does not exist in the database.`},
				{"PATCH", "_schema/todo", map[string]any{"field": []any{map[string]any{"name": "a", "type": "strin"}}}, 400, "unknown type"},
				{"DELETE", "_schema/contact", nil, 400, "is referenced by contact_group_relationship.contact_id, contact_info.contact_id"},
				{"DELETE", "_schema/contact/_field/id", nil, 400, "primary key"},
				{"PATCH", "_schema/contact/_field/id", map[string]any{"type": "bigint"}, 400, "primary key"},
				{"PATCH", "_schema/contact_group", map[string]any{"field": []any{
					map[string]any{"name": "extra", "type": "string"},
					map[string]any{"name": "created", "type": "id"},
				}}, 400, "Primary key fields can not be added"},
				{"POST", "_schema/contact/_related", rec(map[string]any{"name": "x"}), 400, "it is not virtual (is_virtual is not true), and the table has no relationship of that name derived from a foreign key"},
			}
			for _, c := range bad {
				status, body := s.do(c.method, "/api/v2/db/"+c.path, c.body, creds(s.admin, ""))
				if status != c.status || !strings.Contains(errorMessage(body), c.message) {
					t.Errorf("%s %s: %d %v, want %d %q", c.method, c.path, status, body, c.status, c.message)
				}
			}
			// A change the database refuses half-way (a NOT NULL field without a default on a
			// table with rows) rolls the whole request back on SQLite and PostgreSQL; MySQL fills
			// such a column with '' and does not refuse it.
			if kind != "mysql" {
				status, body := s.do("PATCH", "/api/v2/db/_schema", map[string]any{"resource": []any{
					map[string]any{"name": "contact_group", "field": []any{map[string]any{"name": "extra", "type": "string"}}},
					map[string]any{"name": "contact", "field": []any{map[string]any{"name": "required_thing", "type": "string", "allow_null": false}}},
				}}, creds(s.admin, ""))
				if status != 400 {
					t.Errorf("PATCH that the database refuses: %d %v", status, body)
				}
			}
			if after := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_schema?ids=contact,contact_info,contact_group,todo", nil)); after != before {
				t.Errorf("a refused request changed the schema:\nbefore %s\nafter  %s", before, after)
			}
			if after := resourceNames(s.must(200, "GET", "/api/v2/db/_table", nil)); after != tables {
				t.Errorf("a refused request changed the tables: %s → %s", tables, after)
			}

			// DELETE drops tables.
			if out := s.must(200, "DELETE", "/api/v2/db/_schema/todo", nil); !reflect.DeepEqual(out, map[string]any{"success": true}) {
				t.Errorf("DELETE _schema/todo answered %v", out)
			}
			if status, _ := s.do("GET", "/api/v2/db/_schema/todo", nil, creds(s.admin, "")); status != 404 {
				t.Errorf("todo after DELETE: %d", status)
			}
			if status, _ := s.do("GET", "/api/v2/db/_table/todo", nil, creds(s.admin, "")); status != 404 {
				t.Errorf("_table/todo after DELETE: %d", status)
			}
			out = s.must(200, "DELETE", "/api/v2/db/_schema?ids=contact_group,contact_group_relationship", nil)
			if got := resourceNames(out); got != "contact_group,contact_group_relationship" {
				t.Errorf("DELETE _schema?ids answered %v", out)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_table", nil)); got != "contact,contact_info" {
				t.Errorf("tables after the drops: %s", got)
			}
			// The cascade still works after the rebuilds.
			s.must(200, "DELETE", "/api/v2/db/_table/contact/2", nil)
			if n := s.must(200, "GET", "/api/v2/db/_table/contact_info?count_only=true", nil); n.(float64) != 2 {
				t.Errorf("contact_info rows after deleting contact 2: %v", n)
			}
		})
	}
}

// TestSchemaTypes creates a field of every simple type on every database kind and reads the
// types back.
func TestSchemaTypes(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": emptyDatabase(t, kind, s.m.DataDir)}))
			types := []struct {
				simple, want string
				extra        map[string]any
			}{
				{"id", "id", nil},
				{"string", "string", map[string]any{"length": 20}},
				{"text", "text", nil},
				{"integer", "integer", nil},
				{"bigint", "bigint", nil},
				{"smallint", "smallint", nil},
				{"boolean", "boolean", map[string]any{"default": true}},
				{"decimal", "decimal", map[string]any{"precision": 10, "scale": 2, "default": 1.5}},
				{"double", "double", nil},
				{"float", "float", nil},
				{"money", "decimal", nil},
				{"date", "date", nil},
				{"time", "time", nil},
				{"datetime", map[string]string{"sqlite": "datetime", "pgsql": "timestamp", "mysql": "datetime"}[kind], nil},
				{"timestamp", "timestamp", nil},
				{"timestamp_on_create", "timestamp", nil},
				{"timestamp_on_update", "timestamp", nil},
				{"json", "json", nil},
				{"binary", "binary", nil},
				{"uuid", map[string]string{"sqlite": "uuid", "pgsql": "uuid", "mysql": "string"}[kind], nil},
			}
			var fields []any
			for _, ty := range types {
				f := map[string]any{"name": "f_" + ty.simple, "type": ty.simple}
				for k, v := range ty.extra {
					f[k] = v
				}
				fields = append(fields, f)
			}
			fields = append(fields, map[string]any{"name": "native", "db_type": "varchar(12)"})
			s.must(200, "POST", "/api/v2/db/_schema", rec(map[string]any{"name": "everything", "field": fields}))
			desc := s.must(200, "GET", "/api/v2/db/_schema/everything", nil)
			for _, ty := range types {
				f := fieldOf(desc, "f_"+ty.simple)
				if f == nil || f["type"] != ty.want {
					t.Errorf("%s: %v, want type %s", ty.simple, f, ty.want)
				}
			}
			if f := fieldOf(desc, "f_boolean"); f["default"] != true {
				t.Errorf("boolean default: %v", f["default"])
			}
			if f := fieldOf(desc, "f_decimal"); f["precision"] != float64(10) || f["scale"] != float64(2) {
				t.Errorf("decimal: %v", f)
			}
			if f := fieldOf(desc, "f_timestamp_on_create"); f["default"] == nil {
				t.Errorf("timestamp_on_create has no default: %v", f)
			}
			if f := fieldOf(desc, "native"); f["type"] != "string" || f["length"] != float64(12) {
				t.Errorf("db_type varchar(12): %v", f)
			}
			s.must(200, "POST", "/api/v2/db/_table/everything", rec(map[string]any{"f_string": "x", "f_json": map[string]any{"a": 1}}))
			row := s.must(200, "GET", "/api/v2/db/_table/everything/1", nil).(map[string]any)
			if row["f_boolean"] != true || row["f_timestamp_on_create"] == nil {
				t.Errorf("row with defaults: %v", row)
			}
		})
	}
}

// TestSchemaChanges covers the rest of the change paths on every database kind: PUT and PATCH
// on the collection creating tables, tables referencing each other, reference and index
// changes, dropping several fields and tables that reference each other.
func TestSchemaChanges(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": emptyDatabase(t, kind, s.m.DataDir)}))
			// Two new tables that reference each other, created by PUT on the collection.
			out := s.must(200, "PUT", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "author", "field": []any{
					map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "name", "type": "string", "length": 50},
					map[string]any{"name": "best_book_id", "type": "reference", "ref_table": "book"},
				}},
				map[string]any{"name": "book", "field": []any{
					map[string]any{"name": "id", "type": "bigid"},
					map[string]any{"name": "title", "type": "string"},
					map[string]any{"name": "author_id", "type": "reference", "ref_table": "author", "ref_on_delete": "set null"},
					map[string]any{"name": "isbn", "type": "string", "length": 13},
				}},
			}})
			if got := resourceNames(out); got != "author,book" {
				t.Errorf("PUT _schema answered %v", out)
			}
			author := s.must(200, "GET", "/api/v2/db/_schema/author", nil)
			if f := fieldOf(author, "best_book_id"); f["ref_table"] != "book" || f["type"] != "bigint" && f["type"] != "reference" {
				t.Errorf("author.best_book_id: %v", f)
			}
			if got := strings.Join(relatedNames(author), ","); !strings.Contains(got, "book_by_best_book_id") || !strings.Contains(got, "book_by_author_id") {
				t.Errorf("author's relations: %s", got)
			}
			s.must(200, "POST", "/api/v2/db/_table/author", rec(map[string]any{"name": "Ann"}))
			s.must(200, "POST", "/api/v2/db/_table/book", rec(map[string]any{"title": "One", "author_id": 1, "isbn": "123"}))

			// PATCH on the collection: change one table, create another.
			s.must(200, "PATCH", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "book", "field": []any{
					map[string]any{"name": "isbn", "is_unique": true},
					map[string]any{"name": "title", "is_index": true},
					map[string]any{"name": "author_id", "ref_on_delete": "CASCADE"},
				}},
				map[string]any{"name": "review", "field": []any{
					map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "book_id", "type": "reference", "ref_table": "book", "ref_on_delete": "cascade"},
					map[string]any{"name": "stars", "type": "tinyint", "default": 3},
					map[string]any{"name": "body", "type": "text"},
					map[string]any{"name": "extra", "type": "string"},
				}},
			}})
			book := s.must(200, "GET", "/api/v2/db/_schema/book", nil)
			if f := fieldOf(book, "isbn"); f["is_unique"] != true {
				t.Errorf("book.isbn after PATCH: %v", f)
			}
			if f := fieldOf(book, "title"); f["is_index"] != true {
				t.Errorf("book.title after PATCH: %v", f)
			}
			if f := fieldOf(s.must(200, "GET", "/api/v2/db/_schema/review", nil), "book_id"); f["ref_table"] != "book" {
				t.Errorf("review.book_id: %v", f)
			}
			s.must(200, "POST", "/api/v2/db/_table/review", rec(map[string]any{"book_id": 1, "body": "Good"}))
			// author_id is now ON DELETE CASCADE: deleting the author deletes the book and its review.
			s.must(200, "DELETE", "/api/v2/db/_table/author/1", nil)
			if n := s.must(200, "GET", "/api/v2/db/_table/book?count_only=true", nil); n.(float64) != 0 {
				t.Errorf("books after deleting their author: %v", n)
			}
			if n := s.must(200, "GET", "/api/v2/db/_table/review?count_only=true", nil); n.(float64) != 0 {
				t.Errorf("reviews after the cascade: %v", n)
			}
			// is_index false drops the index; is_unique false drops the unique one.
			s.must(200, "PATCH", "/api/v2/db/_schema/book/_field", map[string]any{"resource": []any{
				map[string]any{"name": "title", "is_index": false},
				map[string]any{"name": "isbn", "is_unique": false},
			}})
			book = s.must(200, "GET", "/api/v2/db/_schema/book", nil)
			if f := fieldOf(book, "title"); f["is_index"] != false {
				t.Errorf("book.title after is_index false: %v", f)
			}
			if f := fieldOf(book, "isbn"); f["is_unique"] != false {
				t.Errorf("book.isbn after is_unique false: %v", f)
			}
			// A referenced field is not dropped; several fields are.
			if status, body := s.do("DELETE", "/api/v2/db/_schema/book/_field/id", nil, creds(s.admin, "")); status != 400 {
				t.Errorf("dropping book.id: %d %v", status, body)
			}
			if status, body := s.do("DELETE", "/api/v2/db/_schema/author/_field/id", nil, creds(s.admin, "")); status != 400 ||
				!strings.Contains(errorMessage(body), "primary key") {
				t.Errorf("dropping author.id: %d %v", status, body)
			}
			if out := s.must(200, "DELETE", "/api/v2/db/_schema/review/_field?ids=extra,stars", nil); !reflect.DeepEqual(out, map[string]any{"success": true}) {
				t.Errorf("DELETE _field?ids answered %v", out)
			}
			if got := resourceNames(s.must(200, "GET", "/api/v2/db/_schema/review/_field", nil)); got != "id,book_id,body" {
				t.Errorf("review fields: %s", got)
			}
			if status, body := s.do("PATCH", "/api/v2/db/_schema/book/_related/x", map[string]any{"name": "x"}, creds(s.admin, "")); status != 400 {
				t.Errorf("PATCH _related: %d %v", status, body)
			}
			// Tables that reference each other are dropped together.
			if status, body := s.do("DELETE", "/api/v2/db/_schema?ids=author", nil, creds(s.admin, "")); status != 400 {
				t.Errorf("dropping author alone: %d %v", status, body)
			}
			s.must(200, "DELETE", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "review"}, map[string]any{"name": "author"}, map[string]any{"name": "book"}}})
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_table", nil)); got != "map[resource:[]]" {
				t.Errorf("tables left: %s", got)
			}
		})
	}
}
