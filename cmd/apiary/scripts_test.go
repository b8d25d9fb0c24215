package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scripted starts a server whose scripts run on the embedded engine, with the address book
// (contact, contact_info; SQLite) as service "db" and lodash in the module folder.
func scripted(t *testing.T, configure ...func(*Main)) *server {
	t.Helper()
	engine := func(m *Main) { m.Scripts = nil; m.ScriptConfig.Timeout = 3 * time.Second }
	s := MustServe(t, "sqlite", append([]func(*Main){engine}, configure...)...)
	s.addressBookService("sqlite")
	lodash, err := os.ReadFile(filepath.Join("testdata", "scripting", "lodash.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.m.DataDir, "scripting", "lodash.min.js"), lodash, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// script saves an active event script, replacing one of the same name.
func (s *server) script(name, content string, modify bool, extra ...map[string]any) {
	s.t.Helper()
	body := map[string]any{"name": name, "type": "v8js", "content": content, "is_active": true, "allow_event_modification": modify}
	for _, e := range extra {
		for k, v := range e {
			body[k] = v
		}
	}
	if status, _ := s.do("GET", "/api/v2/system/event_script/"+name, nil, creds(s.admin, "")); status == 200 {
		s.must(200, "PATCH", "/api/v2/system/event_script/"+name, body)
		return
	}
	s.must(201, "POST", "/api/v2/system/event_script", rec(body))
}

// scriptService saves a scripted service.
func (s *server) scriptService(name, typ, content string, extra ...map[string]any) {
	s.t.Helper()
	cfg := map[string]any{"content": content}
	for _, e := range extra {
		for k, v := range e {
			cfg[k] = v
		}
	}
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": name, "type": typ, "config": cfg}))
}

// rows lists field of every contact, in id order.
func (s *server) contacts(field string) string {
	s.t.Helper()
	var out []string
	for _, r := range s.must(200, "GET", "/api/v2/db/_table/contact?order=id", nil).(map[string]any)["resource"].([]any) {
		out = append(out, fmt.Sprint(r.(map[string]any)[field]))
	}
	return strings.Join(out, ",")
}

// TestEventScriptSamples: DreamFactory's published kinds of event scripts — pre_process
// validation, payload rewriting, post_process enrichment and field scrambling — behave as its
// documentation says, unchanged, on REST.
func TestEventScriptSamples(t *testing.T) {
	s := scripted(t)
	post := func(first, last, notes string) (int, any) {
		return s.do("POST", "/api/v2/db/_table/contact", rec(map[string]any{"first_name": first, "last_name": last, "notes": notes}), creds(s.admin, ""))
	}

	t.Run("validation with lodash: throw is a 500 with the message; nothing is written", func(t *testing.T) {
		s.script("db._table.contact.post.pre_process", `
var lodash = require("lodash.min.js");
if (event.request.payload.resource) {
    lodash._.each(event.request.payload.resource, function (record) {
        if (record.notes && record.notes.indexOf("spam") >= 0) {
            throw "Spam is not allowed in notes.";
        }
    });
}`, false)
		status, body := post("Sam", "Spammer", "buy spam now")
		if status != 500 || errorMessage(body) != "Spam is not allowed in notes." {
			t.Fatalf("got %d %v", status, body)
		}
		if got := s.contacts("first_name"); got != "Jane,John,Jim,Alice" {
			t.Fatalf("a refused record was written: %s", got)
		}
		if status, body := post("Ann", "Lee", "fine"); status != 200 {
			t.Fatalf("a valid record: %d %v", status, body)
		}
	})

	t.Run("a thrown object with status_code answers with that status", func(t *testing.T) {
		s.script("db._table.contact.post.pre_process", `
if (!event.request.payload.resource[0].notes) throw {status_code: 422, message: "notes are required"};`, false)
		status, body := post("Bo", "Bee", "")
		if status != 422 || errorMessage(body) != "notes are required" {
			t.Fatalf("got %d %v", status, body)
		}
	})

	t.Run("payload rewriting needs allow_event_modification", func(t *testing.T) {
		upper := `event.request.payload.resource.forEach(function (r) { r.last_name = r.last_name.toUpperCase(); });`
		s.script("db._table.contact.post.pre_process", upper, false)
		post("Cy", "quiet", "x")
		s.script("db._table.contact.post.pre_process", upper, true)
		post("Di", "loud", "x")
		got := s.contacts("last_name")
		if !strings.HasSuffix(got, ",quiet,LOUD") {
			t.Fatalf("last names: %s", got)
		}
	})

	t.Run("post_process enrichment and field scrambling", func(t *testing.T) {
		s.script("db._table.contact.get.post_process", `
var lodash = require("lodash.min.js");
lodash._.each(event.response.content.resource, function (record) {
    record.full_name = record.first_name + " " + record.last_name;
    if (record.notes) record.notes = record.notes.replace(/./g, "*");
});`, true)
		first := s.must(200, "GET", "/api/v2/db/_table/contact?ids=1", nil).(map[string]any)["resource"].([]any)[0].(map[string]any)
		if first["full_name"] != "Jane Doe" || first["notes"] != strings.Repeat("*", len("likes (parentheses) and = signs")) {
			t.Fatalf("record: %v", first)
		}
		s.must(200, "PATCH", "/api/v2/system/event_script/db._table.contact.get.post_process", map[string]any{"is_active": false})
		first = s.must(200, "GET", "/api/v2/db/_table/contact?ids=1", nil).(map[string]any)["resource"].([]any)[0].(map[string]any)
		if _, ok := first["full_name"]; ok {
			t.Fatalf("an inactive script ran: %v", first)
		}
	})

	t.Run("a pre_process script answers the request itself; the handler is skipped", func(t *testing.T) {
		s.script("db._table.contact.{id}.delete.pre_process", `
event.response = {status_code: 409, content: {error: {message: "Contacts are never deleted."}}};`, true)
		status, body := s.do("DELETE", "/api/v2/db/_table/contact/1", nil, creds(s.admin, ""))
		if status != 409 || errorMessage(body) != "Contacts are never deleted." {
			t.Fatalf("got %d %v", status, body)
		}
		s.must(200, "GET", "/api/v2/db/_table/contact/1", nil)
	})

	t.Run("templated then concrete: both fire, in that order, on the same request", func(t *testing.T) {
		s.script("db._table.{table_name}.get.pre_process", `event.request.parameters.filter = "first_name = 'Jim'";`, true)
		s.script("db._table.contact.get.pre_process", `
if (event.request.parameters.filter !== "first_name = 'Jim'") throw {status_code: 400, message: "the templated script did not run first"};
event.request.parameters.fields = "first_name";`, true)
		list := s.must(200, "GET", "/api/v2/db/_table/contact", nil).(map[string]any)["resource"].([]any)
		if len(list) != 1 || fmt.Sprint(list[0]) != "map[first_name:Jim]" {
			t.Fatalf("got %v", list)
		}
		s.must(200, "DELETE", "/api/v2/system/event_script/db._table.{table_name}.get.pre_process", nil)
		s.must(200, "DELETE", "/api/v2/system/event_script/db._table.contact.get.pre_process", nil)
	})

	t.Run("post_process runs after an error and may answer instead", func(t *testing.T) {
		s.script("db._table.contact_info.get.pre_process", `throw new Error("lookup service down");`, false)
		status, body := s.do("GET", "/api/v2/db/_table/contact_info", nil, creds(s.admin, ""))
		if status != 500 || errorMessage(body) != "lookup service down" {
			t.Fatalf("got %d %v", status, body)
		}
		s.script("db._table.contact_info.get.post_process", `
if (event.response.status_code >= 400) {
    event.response.status_code = 200;
    event.response.content = {resource: [], warning: event.response.content.error.message};
}`, true)
		body = s.must(200, "GET", "/api/v2/db/_table/contact_info", nil)
		if body.(map[string]any)["warning"] != "lookup service down" {
			t.Fatalf("got %v", body)
		}
	})

	t.Run("return values: an error key fails, a scalar is refused, engine errors name the line", func(t *testing.T) {
		cases := []struct{ content, message string }{
			{`return {error: "quota exceeded"};`, "quota exceeded"},
			{`return {error: {message: "quota exceeded again"}};`, "quota exceeded again"},
			{`return 42;`, "Script 'db._table.contact.get.pre_process' did not return an array: 42"},
			{"var a = 1;\nundefinedFunction();", "Script 'db._table.contact.get.pre_process' failed: ReferenceError: undefinedFunction is not defined (line 2"},
			{`var x = ;`, "Script 'db._table.contact.get.pre_process' has a syntax error"},
		}
		for _, c := range cases {
			s.script("db._table.contact.get.pre_process", c.content, false)
			status, body := s.do("GET", "/api/v2/db/_table/contact", nil, creds(s.admin, ""))
			if status != 500 || !strings.HasPrefix(errorMessage(body), c.message) {
				t.Errorf("%q: got %d %q, want 500 %q", c.content, status, errorMessage(body), c.message)
			}
		}
		s.must(200, "DELETE", "/api/v2/system/event_script/db._table.contact.get.pre_process", nil)
	})
}

// TestScriptsOnGraphQL: the same script fires for REST and GraphQL, with the same answer.
func TestScriptsOnGraphQL(t *testing.T) {
	s := scripted(t)
	s.script("system.role.post.pre_process", `
var r = event.request.payload.resource[0];
if (r.name.indexOf("team-") !== 0) throw {status_code: 400, message: "Role names start with team-."};`, false)
	_, errs := s.gql(`mutation { createRole(input: {name: "ops"}) { id } }`, nil, creds(s.admin, ""))
	if len(errs) != 1 || errs[0].(map[string]any)["message"] != "Role names start with team-." {
		t.Fatalf("graphql errors: %v", errs)
	}
	ext := errs[0].(map[string]any)["extensions"].(map[string]any)
	if ext["status"] != float64(400) {
		t.Fatalf("extensions: %v", ext)
	}
	status, body := s.do("POST", "/api/v2/system/role", rec(map[string]any{"name": "ops"}), creds(s.admin, ""))
	if status != 400 || errorMessage(body) != "Role names start with team-." {
		t.Fatalf("REST: %d %v", status, body)
	}
	data, errs := s.gql(`mutation { createRole(input: {name: "team-ops"}) { name } }`, nil, creds(s.admin, ""))
	if len(errs) != 0 || data["createRole"].(map[string]any)["name"] != "team-ops" {
		t.Fatalf("allowed role: %v %v", data, errs)
	}
}

// TestScriptJournal: a run's console output and outcome land in the event journal, with the
// script's name.
func TestScriptJournal(t *testing.T) {
	s := scripted(t, func(m *Main) { m.Journal = "all" })
	s.script("db._table.contact.get.pre_process", `print("checking", event.request.parameters.limit); var_dump({a: 1});`, false)
	s.must(200, "GET", "/api/v2/db/_table/contact?limit=2", nil)
	var entry map[string]any
	deadline := time.Now().Add(5 * time.Second)
	for entry == nil && time.Now().Before(deadline) {
		list := s.must(200, "GET", "/api/v2/system/event_journal?filter="+url.QueryEscape("name='db._table.contact.get'"), nil).(map[string]any)["resource"].([]any)
		if len(list) > 0 {
			entry = list[0].(map[string]any)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if entry == nil {
		t.Fatal("no journal entry")
	}
	console, _ := entry["console"].(string)
	if !strings.Contains(console, "[db._table.contact.get.pre_process] checking 2") || !strings.Contains(console, `"a": 1`) {
		t.Fatalf("console: %q", console)
	}
	scripts := fmt.Sprint(entry["scripts"])
	if !strings.Contains(scripts, "db._table.contact.get.pre_process") || !strings.Contains(scripts, "outcome:ok") {
		t.Fatalf("scripts: %s", scripts)
	}
}

// TestEventResource: event.resource is what DreamFactory gives each event (reference §6.1):
// the path after the resource handler, after the table too for a concrete table's {id} event.
func TestEventResource(t *testing.T) {
	s := scripted(t)
	mark := func(key string) string {
		return `event.response.content["` + key + `"] = event.resource === undefined ? "undefined" : event.resource;`
	}
	s.script("db._table.{table_name}.get.post_process", mark("templated"), true)
	s.script("db._table.contact.get.post_process", mark("concrete"), true)
	s.script("db._table.{table_name}.{id}.get.post_process", mark("templated_id"), true)
	s.script("db._table.contact.{id}.get.post_process", mark("concrete_id"), true)
	s.script("system.role.get.post_process", mark("system"), true)
	out := s.must(200, "GET", "/api/v2/db/_table/contact?limit=1", nil).(map[string]any)
	if out["templated"] != "contact" || out["concrete"] != "contact" {
		t.Errorf("list: %v / %v", out["templated"], out["concrete"])
	}
	out = s.must(200, "GET", "/api/v2/db/_table/contact/2", nil).(map[string]any)
	if out["templated_id"] != "contact/2" || out["concrete_id"] != "2" {
		t.Errorf("by id: %v / %v", out["templated_id"], out["concrete_id"])
	}
	id := s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "r"})).(map[string]any)["resource"].([]any)[0].(map[string]any)["id"]
	out = s.must(200, "GET", fmt.Sprintf("/api/v2/system/role/%v", id), nil).(map[string]any)
	if out["system"] != fmt.Sprint(id) {
		t.Errorf("system/role/{id}: %v", out["system"])
	}
}
