package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRunScript: runScript on /graphql (POST system/script_run on REST) runs an unsaved
// script once: reads execute, writes are listed and not made — also the writes of saved
// scripts that the tried script's requests fire — and failures are part of the result.
func TestRunScript(t *testing.T) {
	s := scripted(t, func(m *Main) { m.Journal = "all" })
	const runQuery = `mutation($in: RunScriptInput!) { runScript(input: $in) {
		event request response returnValue console error { status code message } durationMs shortCircuit wouldCall } }`
	run := func(in map[string]any) map[string]any {
		t.Helper()
		data, errs := s.gql(runQuery, map[string]any{"in": in}, creds(s.admin, ""))
		if len(errs) != 0 {
			t.Fatalf("runScript: %v", errs)
		}
		return data["runScript"].(map[string]any)
	}

	t.Run("reads run, writes are listed, the request is rewritten", func(t *testing.T) {
		out := run(map[string]any{"event": "db._table.contact.get.pre_process", "content": `
var r = platform.api.get("db/_table/contact?fields=first_name&order=id");
print("first:", r.content.resource[0].first_name);
var w = platform.api.post("db/_table/contact", {resource: [{first_name: "Dry", last_name: "Run"}]});
print("write answered", w.status_code, w.content.dry_run);
platform.store.set("seen", 1);
event.request.parameters.fields = "id,first_name";`,
			"request": map[string]any{"resource": "_table/contact", "service": "db", "parameters": map[string]any{"limit": "2"}}})
		if out["error"] != nil {
			t.Fatalf("error: %v", out["error"])
		}
		if c := out["console"].(string); !strings.Contains(c, "first: Jane") || !strings.Contains(c, "write answered 200 true") {
			t.Fatalf("console: %q", c)
		}
		params := out["request"].(map[string]any)["parameters"].(map[string]any)
		if params["fields"] != "id,first_name" || params["limit"] != "2" {
			t.Fatalf("request parameters: %v", params)
		}
		calls := fmt.Sprint(out["wouldCall"])
		if !strings.Contains(calls, "method:POST") || !strings.Contains(calls, "path:db/_table/contact") || !strings.Contains(calls, "store:set") {
			t.Fatalf("wouldCall: %s", calls)
		}
		if out["response"] != nil || out["shortCircuit"] != false {
			t.Fatalf("a pre_process that did not answer: response %v, shortCircuit %v", out["response"], out["shortCircuit"])
		}
		if got := s.contacts("first_name"); got != "Jane,John,Jim,Alice" {
			t.Fatalf("a dry run wrote: %s", got)
		}
		s.scriptService("probe", "v8js", `return {seen: platform.store.get("seen", "never")};`)
		if got := s.must(200, "GET", "/api/v2/probe", nil).(map[string]any)["seen"]; got != "never" {
			t.Fatalf("a dry run changed platform.store: %v", got)
		}
	})

	t.Run("writes of saved scripts fired by the run's reads are listed too", func(t *testing.T) {
		s.script("db._table.contact.get.post_process", `platform.api.post("db/_table/contact", {resource: [{first_name: "Side", last_name: "Effect"}]});`, false)
		defer s.must(200, "DELETE", "/api/v2/system/event_script/db._table.contact.get.post_process", nil)
		out := run(map[string]any{"content": `platform.api.get("db/_table/contact");`})
		if calls := fmt.Sprint(out["wouldCall"]); !strings.Contains(calls, "Side") {
			t.Fatalf("wouldCall: %s", calls)
		}
		if got := s.contacts("first_name"); got != "Jane,John,Jim,Alice" {
			t.Fatalf("a nested script wrote during a dry run: %s", got)
		}
	})

	t.Run("from a journaled event, as post_process", func(t *testing.T) {
		s.must(200, "GET", "/api/v2/db/_table/contact/2", nil)
		var id any
		for deadline := time.Now().Add(5 * time.Second); id == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			list := s.must(200, "GET", "/api/v2/system/event_journal?order=id%20desc&filter="+url.QueryEscape("resource='_table/contact/2'"), nil).(map[string]any)["resource"].([]any)
			if len(list) > 0 {
				id = list[0].(map[string]any)["id"]
			}
		}
		if id == nil {
			t.Fatal("no journal entry")
		}
		out := run(map[string]any{"fromEvent": id, "event": "db._table.contact.get.post_process", "content": `
var c = event.response.content;
c.full_name = c.first_name + " " + c.last_name;`})
		resp, _ := out["response"].(map[string]any)
		content, _ := resp["content"].(map[string]any)
		if content["full_name"] != "John Smith" || resp["status_code"] != float64(200) {
			t.Fatalf("response: %v (error %v)", resp, out["error"])
		}
		if out["request"].(map[string]any)["resource"] != "_table/contact/2" {
			t.Fatalf("request: %v", out["request"])
		}
	})

	t.Run("a pre_process answer is a short circuit", func(t *testing.T) {
		out := run(map[string]any{"event": "db._table.contact.get.pre_process", "content": `event.response = {status_code: 202, content: {cached: true}};`})
		if out["shortCircuit"] != true || out["response"].(map[string]any)["status_code"] != float64(202) {
			t.Fatalf("got %v", out)
		}
	})

	t.Run("failures are reported, not raised", func(t *testing.T) {
		out := run(map[string]any{"content": `throw {status_code: 422, message: "notes are required"};`})
		if e, _ := out["error"].(map[string]any); e["status"] != float64(422) || e["message"] != "notes are required" {
			t.Fatalf("thrown: %v", out["error"])
		}
		out = run(map[string]any{"content": `while (true) {}`, "config": map[string]any{"timeout_ms": 100}})
		if e, _ := out["error"].(map[string]any); e["status"] != float64(504) || !strings.Contains(e["message"].(string), "time budget of 100 ms") {
			t.Fatalf("loop: %v", out["error"])
		}
	})

	t.Run("REST and bad input", func(t *testing.T) {
		out := s.must(200, "POST", "/api/v2/system/script_run", map[string]any{"content": `print("hi"); return {a: 1};`}).(map[string]any)
		if out["console"] != "hi\n" || fmt.Sprint(out["return"]) != "map[a:1]" {
			t.Fatalf("REST: %v", out)
		}
		for _, c := range []struct {
			body any
			msg  string
		}{
			{map[string]any{"type": "v8js"}, "The script's content is required."},
			{map[string]any{"type": "php", "content": "x"}, "Script type 'php' is not supported; use v8js or nodejs."},
			{map[string]any{"content": 5}, "'content' must be a string."},
			{map[string]any{"content": "x", "request": []any{}}, "'request' must be an object."},
		} {
			status, body := s.do("POST", "/api/v2/system/script_run", c.body, creds(s.admin, ""))
			if status != 400 || errorMessage(body) != c.msg {
				t.Errorf("%v: %d %v", c.body, status, body)
			}
		}
		if status, body := s.do("POST", "/api/v2/system/script_run", map[string]any{"content": "x", "from_event": 999999}, creds(s.admin, "")); status != 404 {
			t.Errorf("unknown journal entry: %d %v", status, body)
		}
		if status, body := s.do("GET", "/api/v2/system/script_run", nil, creds(s.admin, "")); status != 400 {
			t.Errorf("GET: %d %v", status, body)
		}
		if status, body := s.do("POST", "/api/v2/system/script_run", map[string]any{"content": "x"}, nil); status != 400 || !strings.Contains(errorMessage(body), "No session token") {
			t.Errorf("anonymous: %d %v", status, body) // as for every system resource without credentials
		}
	})
}
