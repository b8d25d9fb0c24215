package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestSystemCollections covers the collection behaviour of reference §3.2 on system resources.
func TestSystemCollections(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := MustServe(t, backend)
		out := s.must(201, "POST", "/api/v2/system/role?fields=id,name", map[string]any{"resource": []any{
			map[string]any{"name": "alpha", "description": "first"},
			map[string]any{"name": "beta", "description": "second", "is_active": false},
			map[string]any{"name": "gamma", "description": "third"},
		}})
		if fmt.Sprint(out) != "map[resource:[map[id:1 name:alpha] map[id:2 name:beta] map[id:3 name:gamma]]]" {
			t.Fatalf("POST with fields: %v", out)
		}
		get := func(query string) any {
			t.Helper()
			return s.must(200, "GET", "/api/v2/system/role?"+query, nil)
		}
		names := func(body any) string {
			var out []string
			for _, r := range body.(map[string]any)["resource"].([]any) {
				if m, ok := r.(map[string]any); ok {
					out = append(out, fmt.Sprint(m["name"]))
				} else {
					out = append(out, fmt.Sprint(r))
				}
			}
			return strings.Join(out, ",")
		}
		q := url.QueryEscape
		cases := []struct{ query, want string }{
			{"", "alpha,beta,gamma"},
			{"order=name%20desc", "gamma,beta,alpha"},
			{"limit=2&offset=1", "beta,gamma"},
			{"filter=" + q("is_active = false"), "beta"},
			{"filter=" + q("name like 'a%' or description = 'third'"), "alpha,gamma"},
			{"filter=" + q("(name = 'alpha') OR (name = 'beta')"), "alpha,beta"},
			{"filter=" + q("name in ('beta','gamma') and is_active = true"), "gamma"},
			{"filter=" + q("description contains 'ir'"), "alpha,gamma"},
			{"ids=3,1", "alpha,gamma"},
			{"as_list=true", "1,2,3"},
		}
		for _, c := range cases {
			if got := names(get(c.query)); got != c.want {
				t.Errorf("GET ?%s = %s, want %s", c.query, got, c.want)
			}
		}
		// include_count and count_only.
		body := get("include_count=true&limit=1").(map[string]any)
		if body["meta"].(map[string]any)["count"].(float64) != 3 || len(body["resource"].([]any)) != 1 {
			t.Errorf("include_count: %v", body)
		}
		if n := s.count("role"); n != 3 {
			t.Errorf("count_only = %d", n)
		}
		// fields limits the keys; GET by id is bare.
		one := s.must(200, "GET", "/api/v2/system/role/2?fields=name,is_active", nil)
		if !reflect.DeepEqual(one, map[string]any{"name": "beta", "is_active": false}) {
			t.Errorf("GET by id with fields: %v", one)
		}
		// ids with a missing record is a batch error.
		status, e := s.do("GET", "/api/v2/system/role?ids=1,99", nil, creds(s.admin, ""))
		if status != 400 || errorMessage(e) != "Batch Error: Not all requested records could be retrieved." {
			t.Errorf("ids with a missing record: %d %v", status, e)
		}
		// PUT acts as PATCH: fields left out are kept.
		s.must(200, "PUT", "/api/v2/system/role/1", map[string]any{"description": "changed"})
		if r := s.must(200, "GET", "/api/v2/system/role/1", nil).(map[string]any); r["name"] != "alpha" || r["description"] != "changed" {
			t.Errorf("PUT by id: %v", r)
		}
		// Collection PATCH with ids= applies one record to each; with records, each its own.
		s.must(200, "PATCH", "/api/v2/system/role?ids=1,3", map[string]any{"description": "same"})
		s.must(200, "PATCH", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"id": 2, "description": "own"}}})
		if got := names(get("filter=" + q("description = 'same'"))); got != "alpha,gamma" {
			t.Errorf("PATCH ids=: %s", got)
		}
		// PATCH by filter.
		s.must(200, "PATCH", "/api/v2/system/role?filter="+q("name = 'gamma'"), map[string]any{"is_active": false})
		if got := names(get("filter=" + q("is_active = false"))); got != "beta,gamma" {
			t.Errorf("PATCH by filter: %s", got)
		}
		// DELETE by filter returns the deleted ids; with fields, the records.
		del := s.must(200, "DELETE", "/api/v2/system/role?filter="+q("is_active = false")+"&fields=name", nil)
		if got := names(del); got != "beta,gamma" {
			t.Errorf("DELETE by filter: %v", del)
		}
		if got := names(get("")); got != "alpha" {
			t.Errorf("after delete: %s", got)
		}
		bare := s.must(200, "DELETE", "/api/v2/system/role/1", nil)
		if !reflect.DeepEqual(bare, map[string]any{"id": float64(1)}) {
			t.Errorf("DELETE by id: %v", bare)
		}
		if status, _ := s.do("DELETE", "/api/v2/system/role/1", nil, creds(s.admin, "")); status != 404 {
			t.Errorf("DELETE of a missing id: %d", status)
		}
	})
}

// TestSecretsNeverReturned: password hashes, security answers and private lookup values never
// leave the server, whichever way they are asked for.
func TestSecretsNeverReturned(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": "u@example.com", "password": "userpass1", "security_answer": "blue"}))
	s.must(201, "POST", "/api/v2/system/lookup", map[string]any{"resource": []any{
		map[string]any{"name": "db_secret", "value": "hunter2", "private": true},
		map[string]any{"name": "greeting", "value": "hello"},
	}})
	for _, path := range []string{"/api/v2/system/user", "/api/v2/system/user/1", "/api/v2/system/admin", "/api/v2/system/user?related=lookup_by_user_id",
		"/api/v2/system/lookup", "/api/v2/system/lookup/1", "/api/v2/system/role?related=*"} {
		_, body := s.do("GET", path, nil, creds(s.admin, ""))
		raw := fmt.Sprint(body)
		for _, secret := range []string{"password", "$2a$", "security_answer", "blue", "hunter2", "is_sys_admin"} {
			if strings.Contains(raw, secret) {
				t.Errorf("GET %s exposes %q: %s", path, secret, raw)
			}
		}
	}
	if l := s.must(200, "GET", "/api/v2/system/lookup/1", nil).(map[string]any); l["value"] != "**********" {
		t.Errorf("private lookup value: %v", l["value"])
	}
	// Writing the mask back leaves the value unchanged; the lookup still resolves server-side.
	s.must(200, "PATCH", "/api/v2/system/lookup/1", map[string]any{"value": "**********", "description": "db"})
	if v, _ := s.m.Platform.Client.Lookup.Get(t.Context(), 1); v.Value != "hunter2" {
		t.Errorf("writing the mask changed the value to %q", v.Value)
	}
	// Filtering on a hidden field is an unknown field, not an oracle.
	if status, _ := s.do("GET", "/api/v2/system/user?filter="+url.QueryEscape("password like '$2a%'"), nil, creds(s.admin, "")); status != 400 {
		t.Errorf("filter on password: %d", status)
	}
	// GraphQL has no field for them.
	_, errs := s.gql(`{ users { edges { node { password } } } }`, nil, creds(s.admin, ""))
	if len(errs) == 0 {
		t.Error("GraphQL User.password resolves")
	}
}

// TestComputedResources covers service_type, script_type, event, environment and cache.
func TestComputedResources(t *testing.T) {
	s := MustServe(t, "sqlite")
	types := s.must(200, "GET", "/api/v2/system/service_type", nil)
	if !strings.Contains(fmt.Sprint(types), "name:system") || !strings.Contains(fmt.Sprint(types), "name:user") {
		t.Errorf("service_type: %v", types)
	}
	if st, _ := s.do("GET", "/api/v2/system/service_type/nope", nil, creds(s.admin, "")); st != 404 {
		t.Errorf("unknown service type: %d", st)
	}
	scripts := fmt.Sprint(s.must(200, "GET", "/api/v2/system/script_type", nil))
	for _, want := range []string{"name:v8js", "name:nodejs", "sandboxed:true", "supports_inline_execution:true"} {
		if !strings.Contains(scripts, want) {
			t.Errorf("script_type lacks %s: %s", want, scripts)
		}
	}
	events := fmt.Sprint(s.must(200, "GET", "/api/v2/system/event?as_list=true&scriptable=true&service=system", nil))
	for _, want := range []string{"system.role.post.pre_process", "system.role.get.queued", "system.admin.session.post.post_process"} {
		if !strings.Contains(events, want) {
			t.Errorf("system/event lacks %s", want)
		}
	}
	if strings.Contains(events, "user.session") {
		t.Errorf("service=system lists user events")
	}
	// environment is reachable without credentials.
	status, env := s.do("GET", "/api/v2/system/environment", nil, nil)
	if status != 200 || env.(map[string]any)["authentication"].(map[string]any)["admin"].(map[string]any)["path"] != "system/admin/session" {
		t.Errorf("environment: %d %v", status, env)
	}
	if out := s.must(200, "DELETE", "/api/v2/system/cache", nil); out.(map[string]any)["success"] != true {
		t.Errorf("cache flush: %v", out)
	}
	// event_script: POST by name creates (201) then updates (200).
	s.must(201, "POST", "/api/v2/system/event_script/system.role.get.pre_process", map[string]any{"type": "v8js", "content": "return;"})
	s.must(200, "POST", "/api/v2/system/event_script/system.role.get.pre_process", map[string]any{"content": "return 1;", "is_active": true})
	got := s.must(200, "GET", "/api/v2/system/event_script/system.role.get.pre_process", nil).(map[string]any)
	if got["content"] != "return 1;" || got["is_active"] != true || got["type"] != "v8js" {
		t.Errorf("event_script after upsert: %v", got)
	}
}

// TestOpenRegistration: register is refused until the user service allows it, then creates a
// user with the configured role for every app and can log in at once.
func TestOpenRegistration(t *testing.T) {
	s := MustServe(t, "sqlite")
	f := s.readerFixture()
	body := map[string]any{"email": "new@example.com", "password": "newpass1", "first_name": "New"}
	if status, e := s.do("POST", "/api/v2/user/register", body, creds("", f.key)); status != 403 || errorMessage(e) != "Open Registration is not enabled." {
		t.Fatalf("register while closed: %d %v", status, e)
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", s.serviceID("user")),
		map[string]any{"config": map[string]any{"allow_open_registration": true, "open_reg_role_id": f.roleID}})
	status, out := s.do("POST", "/api/v2/user/register?login=true", body, creds("", f.key))
	if status != 200 || out.(map[string]any)["session_token"] == nil {
		t.Fatalf("register: %d %v", status, out)
	}
	token := out.(map[string]any)["session_token"].(string)
	if status, _ := s.do("GET", "/api/v2/system/role", nil, creds(token, f.key)); status != 200 {
		t.Errorf("registered user with the open-registration role: %d", status)
	}
	if status, e := s.do("POST", "/api/v2/user/register", body, creds("", f.key)); status != 400 || errorMessage(e) != "Validation failed" {
		t.Errorf("registering twice: %d %v", status, e)
	}
	prof := s.must(200, "GET", "/api/v2/system/user?filter="+url.QueryEscape("email = 'new@example.com'")+"&related=user_to_app_to_role_by_user_id", nil)
	if !strings.Contains(fmt.Sprint(prof), fmt.Sprintf("role_id:%d", f.roleID)) {
		t.Errorf("registered user's app roles: %v", prof)
	}
	// The user's own profile.
	if status, p := s.do("GET", "/api/v2/user/profile", nil, creds(token, f.key)); status != 200 || p.(map[string]any)["first_name"] != "New" {
		t.Errorf("profile: %d %v", status, p)
	}
	if status, _ := s.do("POST", "/api/v2/user/profile", map[string]any{"last_name": "Comer"}, creds(token, f.key)); status != 200 {
		t.Errorf("profile update: %d", status)
	}
}

// TestWrapOverride: wrap=false sends a list bare unless it carries meta.
func TestWrapOverride(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "a"}))
	if out := s.must(200, "GET", "/api/v2/system/role?fields=name&wrap=false", nil); fmt.Sprint(out) != "[map[name:a]]" {
		t.Errorf("wrap=false: %v", out)
	}
	if out := s.must(200, "GET", "/api/v2/system/role?fields=name&wrap=false&include_count=true", nil); fmt.Sprint(out) != "map[meta:map[count:1] resource:[map[name:a]]]" {
		t.Errorf("wrap=false with meta: %v", out)
	}
}
