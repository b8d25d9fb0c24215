package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// mathScript is DreamFactory's math scripted-service sample (V8js), unchanged.
const mathScript = `var lodash = require("lodash.min.js");

if (event.request.method !== "GET") {
    throw "Only HTTP GET is allowed on this endpoint.";
}

// get query params from request
var params = event.request.parameters;

// required params
var required = ["n1", "n2"];

lodash._.each(required, function (element) {
    if (!params.hasOwnProperty(element) || !params[element]) {
        throw "Missing '" + element + "' in params";
    }
});

var result;

switch (event.resource) {
    case "add":
        result = (Number(params.n1) + Number(params.n2)).toString();
        break;
    case "subtract":
        result = (Number(params.n1) - Number(params.n2)).toString();
        break;
    case "multiply":
        result = (Number(params.n1) * Number(params.n2)).toString();
        break;
    case "divide":
        result = (Number(params.n1) / Number(params.n2)).toString();
        break;
    default:
        throw "Invalid or missing operation request.";
}

return result;`

// TestScriptedServices: v8js and nodejs services answer every verb and path with DreamFactory's
// response rules; platform.api does CRUD through the pipeline and returns errors as content.
func TestScriptedServices(t *testing.T) {
	s := scripted(t)
	s.scriptService("math", "v8js", mathScript)
	cases := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/v2/math/add?n1=2&n2=3", 200, "5"},
		{"GET", "/api/v2/math/divide?n1=1&n2=4", 200, "0.25"},
		{"GET", "/api/v2/math/add?n1=2", 500, "Missing 'n2' in params"},
		{"POST", "/api/v2/math/add?n1=2&n2=3", 500, "Only HTTP GET is allowed on this endpoint."},
		{"GET", "/api/v2/math/power?n1=2&n2=3", 500, "Invalid or missing operation request."},
	}
	for _, c := range cases {
		status, body := s.do(c.method, c.path, nil, creds(s.admin, ""))
		got := fmt.Sprint(body)
		if status >= 400 {
			got = errorMessage(body)
		}
		if status != c.status || got != c.body {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, status, got, c.status, c.body)
		}
	}

	t.Run("event.response sets status and content", func(t *testing.T) {
		s.scriptService("only_test", "v8js", `
if (event.resource !== "test") {
    event.response.status_code = 400;
    event.response.content = {"error": "Invalid resource requested."};
    return;
}
event.response.content = {"test": "value"};`)
		if body := s.must(200, "GET", "/api/v2/only_test/test", nil); fmt.Sprint(body) != "map[test:value]" {
			t.Errorf("got %v", body)
		}
		status, body := s.do("GET", "/api/v2/only_test/other", nil, creds(s.admin, ""))
		if status != 400 || fmt.Sprint(body) != "map[error:Invalid resource requested.]" {
			t.Errorf("got %d %v", status, body)
		}
	})

	t.Run("platform.api CRUD from a script, errors returned not thrown", func(t *testing.T) {
		s.scriptService("crud", "v8js", `
var created = platform.api.post("db/_table/contact", {resource: [{first_name: "Eve", last_name: event.request.payload.last_name}]});
var id = created.content.resource[0].id;
platform.api.patch("db/_table/contact/" + id, {notes: "patched by a script"});
var read = platform.api.get("db/_table/contact/" + id + "?fields=first_name,notes");
var missing = platform.api.get("db/_table/nope");
return {created_status: created.status_code, read: read.content, missing_status: missing.status_code,
        missing_message: missing.content.error.message};`)
		body := s.must(200, "POST", "/api/v2/crud", map[string]any{"last_name": "Adams"}).(map[string]any)
		if body["created_status"] != float64(200) || fmt.Sprint(body["read"]) != "map[first_name:Eve notes:patched by a script]" ||
			body["missing_status"] != float64(404) || body["missing_message"] != `Table "nope" does not exist in the database.` {
			t.Fatalf("got %v", body)
		}
		if got := s.contacts("last_name"); !strings.HasSuffix(got, ",Adams") {
			t.Fatalf("row not written: %s", got)
		}
	})

	t.Run("nodejs: callbacks and event.setResponse", func(t *testing.T) {
		s.scriptService("node", "nodejs", `
platform.api.get("db/_table/contact?filter=" + encodeURIComponent("first_name = 'Jane'"), {}, function (body, response) {
    var data = JSON.parse(body);
    console.log("got", data.resource.length, "rows");
    event.setResponse({count: data.resource.length, upstream: response.statusCode}, 201);
});`)
		status, body := s.do("GET", "/api/v2/node", nil, creds(s.admin, ""))
		if status != 201 || fmt.Sprint(body) != "map[count:1 upstream:200]" {
			t.Fatalf("got %d %v", status, body)
		}
	})

	t.Run("queued: 202 at once, the script runs afterwards", func(t *testing.T) {
		s.scriptService("later", "v8js", `platform.api.post("db/_table/contact", {resource: [{first_name: "Queued", last_name: "Run"}]});`,
			map[string]any{"queued": true})
		if body := s.must(202, "POST", "/api/v2/later", nil); fmt.Sprint(body) != "map[success:true]" {
			t.Fatalf("got %v", body)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.contacts("first_name"), "Queued") {
			if time.Now().After(deadline) {
				t.Fatal("the queued run never wrote its row")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("platform.store keeps values between runs; platform.session has no secrets", func(t *testing.T) {
		s.scriptService("counter", "v8js", `
var n = platform.store.get("hits", 0) + 1;
platform.store.set("hits", n);
return {hits: n, user: platform.session.user.email, token: platform.session.session_token === undefined ? "absent" : "present"};`)
		s.must(200, "GET", "/api/v2/counter", nil)
		body := s.must(200, "GET", "/api/v2/counter", nil)
		if fmt.Sprint(body) != "map[hits:2 token:absent user:admin@example.com]" {
			t.Fatalf("got %v", body)
		}
	})
}

// TestScriptRequestorPermissions: platform.api calls run as requestor SCRIPT with the caller's
// session, so the role's requestor mask decides.
func TestScriptRequestorPermissions(t *testing.T) {
	s := scripted(t)
	s.scriptService("proxy", "v8js", `var r = platform.api.get("db/_table/contact?fields=id"); return {status: r.status_code, error: r.content.error ? r.content.error.message : null};`)
	db, proxy, usr := s.serviceID("db"), s.serviceID("proxy"), s.serviceID("user")
	access := func(dbRequestor int) []any {
		return []any{
			map[string]any{"service_id": proxy, "component": "*", "verb_mask": 1, "requestor_mask": 1},
			map[string]any{"service_id": db, "component": "_table/*", "verb_mask": 1, "requestor_mask": dbRequestor},
			map[string]any{"service_id": usr, "component": "*", "verb_mask": 31, "requestor_mask": 1},
		}
	}
	roleID := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "api-only", "role_service_access_by_role_id": access(1)})))
	appID := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "web", "role_id": roleID})))
	key := s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", appID), nil).(map[string]any)["api_key"].(string)
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": "u@example.com", "password": "userpass1", "name": "U"}))
	token := s.login("user/session", "u@example.com", "userpass1", key)

	_, body := s.do("GET", "/api/v2/proxy", nil, creds(token, key))
	if fmt.Sprint(body) != "map[error:Access Forbidden. GET access to component '_table/contact' of service 'db' is not allowed by this user's role. status:403]" {
		t.Fatalf("API-only role through a script: %v", body)
	}
	if status, _ := s.do("GET", "/api/v2/db/_table/contact", nil, creds(token, key)); status != 200 {
		t.Fatalf("the same role over the API: %d", status)
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", roleID), map[string]any{"role_service_access_by_role_id": access(3)})
	_, body = s.do("GET", "/api/v2/proxy", nil, creds(token, key))
	if fmt.Sprint(body) != "map[error:<nil> status:200]" {
		t.Fatalf("API+SCRIPT role: %v", body)
	}
}

// TestHostileScripts: each hostile script ends with a clear error, and the server keeps serving.
func TestHostileScripts(t *testing.T) {
	s := scripted(t, func(m *Main) { m.ScriptConfig.HeapBudget = 48 << 20 })
	cases := []struct {
		name, content string
		status        int
		message       string
	}{
		{"loop", `while (true) {}`, 504, "Script 'service.loop' exceeded its time budget of 300 ms and was stopped."},
		{"repeat", `return 'x'.repeat(Math.pow(2, 40));`, 500, "Script 'service.repeat' failed: RangeError: repeat would create"},
		{"pad", `return 'x'.padStart(Math.pow(2, 33));`, 500, "Script 'service.pad' failed: RangeError: padStart would create"},
		{"fill", `return new Array(Math.pow(2, 31)).fill(0).length;`, 500, "Script 'service.fill' failed: RangeError: fill would create"},
		{"join", `return new Array(Math.pow(2, 31)).join('x').length;`, 500, "Script 'service.join' failed: RangeError: join would create"},
		{"grow", `var a = []; while (true) { a.push(new Array(200).join('x') + a.length); }`, 500, "Script 'service.grow' exceeded its memory budget and was stopped."},
		{"recursion", `function f(n) { return f(n + 1) + 1; } return f(0);`, 500, "Script 'service.recursion' exceeded the maximum call stack size."},
		{"selfie", `var r = platform.api.get("selfie"); if (r.content && r.content.error) throw {status_code: r.status_code, message: r.content.error.message}; return r.content;`,
			508, "platform.api calls are nested 6 deep, over the limit of 5: a script probably calls its own endpoint."},
	}
	for _, c := range cases {
		budget := 300
		if c.name == "grow" { // time enough to reach the memory budget first
			budget = 20000
		}
		s.scriptService(c.name, "v8js", c.content, map[string]any{"config": map[string]any{"timeout_ms": budget}})
	}
	for _, c := range cases {
		status, body := s.do("GET", "/api/v2/"+c.name, nil, creds(s.admin, ""))
		if status != c.status || !strings.HasPrefix(errorMessage(body), c.message) {
			t.Errorf("%s: %d %q, want %d %q", c.name, status, errorMessage(body), c.status, c.message)
		}
	}

	t.Run("what a run leaves in globals and prototypes does not reach the next", func(t *testing.T) {
		s.scriptService("polluter", "v8js", `
Object.prototype.polluted = "yes";
Array.prototype.push = function () { return "hijacked"; };
JSON.stringify = function () { return "hijacked"; };
leaked = 42;
return {done: true};`)
		s.scriptService("victim", "v8js", `
var a = []; a.push(1);
return {polluted: ({}).polluted === undefined ? "no" : "yes", pushed: a.length, json: JSON.stringify({a: 1}), leaked: typeof leaked};`)
		s.must(200, "GET", "/api/v2/polluter", nil)
		body := s.must(200, "GET", "/api/v2/victim", nil)
		if fmt.Sprint(body) != `map[json:{"a":1} leaked:undefined polluted:no pushed:1]` {
			t.Fatalf("the next run saw: %v", body)
		}
	})

	s.must(200, "GET", "/status", nil)
	s.scriptService("fine", "v8js", `return {ok: true};`)
	if body := s.must(200, "GET", "/api/v2/fine", nil); fmt.Sprint(body) != "map[ok:true]" {
		t.Fatalf("after the hostile scripts: %v", body)
	}
}

// TestScriptExternalCalls: scripts reach public hosts only, unless the server allows private
// addresses; the response is capped and errors are clear.
func TestScriptExternalCalls(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/big" {
			_, _ = w.Write([]byte(`"` + strings.Repeat("x", 1<<20) + `"`))
			return
		}
		_, _ = fmt.Fprintf(w, `{"path": %q, "q": %q, "key": %q}`, r.URL.Path, r.URL.Query().Get("q"), r.Header.Get("X-Key"))
	}))
	defer upstream.Close()
	call := `return platform.api.get("` + upstream.URL + `/hello", null, {parameters: {q: "bees"}, headers: {"X-Key": "k1"}}).content;`

	s := scripted(t)
	s.scriptService("ext", "v8js", call)
	status, body := s.do("GET", "/api/v2/ext", nil, creds(s.admin, ""))
	if status != 500 || !strings.Contains(errorMessage(body), "not allowed for script calls") {
		t.Fatalf("loopback by default: %d %v", status, body)
	}

	open := scripted(t, func(m *Main) { m.ScriptConfig.HTTP.AllowPrivate = true; m.ScriptConfig.HTTP.MaxResponse = 64 << 10 })
	open.scriptService("ext", "v8js", call)
	if body := open.must(200, "GET", "/api/v2/ext", nil); fmt.Sprint(body) != "map[key:k1 path:/hello q:bees]" {
		t.Fatalf("allowed call: %v", body)
	}
	open.scriptService("big", "v8js", `return platform.api.get("`+upstream.URL+`/big").content;`)
	status, body = open.do("GET", "/api/v2/big", nil, creds(open.admin, ""))
	if status != 500 || !strings.Contains(errorMessage(body), "is larger than 65536 bytes") {
		t.Fatalf("capped response: %d %v", status, body)
	}

	listed := scripted(t, func(m *Main) { m.ScriptConfig.HTTP.AllowPrivate = true; m.ScriptHosts = "api.example.com" })
	listed.scriptService("ext", "v8js", call)
	status, body = listed.do("GET", "/api/v2/ext", nil, creds(listed.admin, ""))
	if status != 500 || !strings.Contains(errorMessage(body), `is not in the server's list of hosts scripts may call`) {
		t.Fatalf("host list: %d %v", status, body)
	}
}

// TestPlatformConfigAndSession: platform.config carries the server's version (the runtimes
// are pre-built, so this checks they are built with the platform's settings) and
// platform.session names the caller without secrets.
func TestPlatformConfigAndSession(t *testing.T) {
	s := scripted(t)
	s.scriptService("whoami", "v8js", `return {config: platform.config, session: platform.session};`)
	out := s.must(200, "GET", "/api/v2/whoami", nil).(map[string]any)
	_, health := s.do("GET", "/status", nil, nil)
	version := health.(map[string]any)["version"]
	cfg := out["config"].(map[string]any)
	if version == nil || version == "" || cfg["version"] != version || cfg["api_version"] != "2.0" {
		t.Errorf("platform.config = %v, server version %v", cfg, version)
	}
	sess := out["session"].(map[string]any)
	user, _ := sess["user"].(map[string]any)
	if user["is_sys_admin"] != true || user["email"] == nil || strings.Contains(fmt.Sprint(sess), s.admin) {
		t.Errorf("platform.session = %v", sess)
	}
}
