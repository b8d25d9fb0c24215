package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestBadInput: client mistakes get a 4xx in DreamFactory's envelope that says what is wrong,
// and nothing is written.
func TestBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := MustServe(t, backend, func(m *Main) { m.MaxBodyBytes = 4096 })
		s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "existing"}))
		cases := []struct {
			name, method, path string
			body               any
			status             int
			message            string // exact, or a prefix when it ends with "…"
		}{
			{"malformed JSON", "POST", "/api/v2/system/role", `{"resource":[{"name":"x"}`, 400, "Invalid or malformed JSON."},
			{"trailing garbage", "POST", "/api/v2/system/role", `{"resource":[]} x`, 400, "Invalid or malformed JSON."},
			{"unknown field in filter", "GET", "/api/v2/system/role?filter=" + url.QueryEscape("nope = 1"), nil, 400,
				"Invalid or unparsable field in filter request: 'nope'"},
			{"unparsable filter", "GET", "/api/v2/system/role?filter=" + url.QueryEscape("(name = 'x'"), nil, 400, "…"},
			{"raw SQL in a filter value", "GET", "/api/v2/system/role?filter=" + url.QueryEscape("name = (SELECT 1)"), nil, 400, "…"},
			{"unknown field in fields", "GET", "/api/v2/system/role?fields=id,nope", nil, 400, "Invalid field requested: nope"},
			{"sensitive field in fields", "GET", "/api/v2/system/user?fields=password", nil, 400, "Invalid field requested: password"},
			{"unknown order field", "GET", "/api/v2/system/role?order=nope", nil, 400, "Invalid field 'nope' in order by clause."},
			{"order injection", "GET", "/api/v2/system/role?order=" + url.QueryEscape("name; DROP TABLE role"), nil, 400, "…"},
			{"bad limit", "GET", "/api/v2/system/role?limit=ten", nil, 400, "Invalid limit 'ten': send a whole number."},
			{"unknown relation", "GET", "/api/v2/system/role?related=nope", nil, 400, "Invalid relationship 'nope' requested.…"},
			{"bare object where a list is required", "POST", "/api/v2/system/role", map[string]any{"name": "x"}, 400,
				"No record(s) detected in request. Please make sure record(s) are wrapped in a 'resource' tag. Example: {&quot;resource&quot;:[{&quot;record&quot;:1},{&quot;record&quot;:2}]}"},
			{"empty list", "POST", "/api/v2/system/role", map[string]any{"resource": []any{}}, 400, "No record(s) detected in request.…"},
			{"wrong type", "POST", "/api/v2/system/role", rec(map[string]any{"name": "x", "is_active": "maybe"}), 400,
				"Batch Error: Not all records could be created. All changes rolled back."},
			{"unknown record field", "POST", "/api/v2/system/role", rec(map[string]any{"name": "x", "colour": "red"}), 400, "Batch Error:…"},
			{"missing required field", "POST", "/api/v2/system/role", rec(map[string]any{"description": "no name"}), 400, "Batch Error:…"},
			{"half-bad batch is not half-applied", "POST", "/api/v2/system/role",
				map[string]any{"resource": []any{map[string]any{"name": "good"}, map[string]any{"name": "existing"}}}, 400, "Batch Error:…"},
			{"continue and rollback together", "POST", "/api/v2/system/role?continue=true&rollback=true", rec(map[string]any{"name": "x"}), 400,
				"Rollback and continue operations can not be requested at the same time."},
			{"body over the limit", "POST", "/api/v2/system/role", rec(map[string]any{"name": strings.Repeat("x", 5000)}), 413, "…"},
			{"unknown service", "GET", "/api/v2/nope", nil, 404, "Could not find a service for nope"},
			{"unknown resource", "GET", "/api/v2/system/nope", nil, 404, "Resource 'nope' not found for service 'system'."},
			{"missing record", "GET", "/api/v2/system/role/999", nil, 404, "Record with identifier '999' not found."},
			{"non-numeric id", "GET", "/api/v2/system/role/abc", nil, 404, "Record with identifier 'abc' not found."},
			{"create by id", "POST", "/api/v2/system/role/1", rec(map[string]any{"name": "x"}), 400, "Create record by identifier not currently supported."},
			{"delete without target", "DELETE", "/api/v2/system/role", nil, 400, "No filter or records given for delete request."},
			{"unsupported method", "PROPFIND", "/api/v2/system/role", nil, 405, "…"},
			{"unknown service type", "POST", "/api/v2/system/service", rec(map[string]any{"name": "x", "type": "nosuch"}), 400, "Batch Error:…"},
			{"built-in service is not deletable", "DELETE", "/api/v2/system/service/1", nil, 400, "Service 'system' can not be deleted."},
			{"short password", "POST", "/api/v2/system/user", rec(map[string]any{"email": "p@example.com", "password": "123"}), 400, "Batch Error:…"},
		}
		for _, c := range cases {
			status, body := s.do(c.method, c.path, c.body, creds(s.admin, ""))
			if status != c.status {
				t.Errorf("%s: status %d, want %d: %v", c.name, status, c.status, body)
				continue
			}
			msg := errorMessage(body)
			switch {
			case msg == "":
				t.Errorf("%s: no error envelope: %v", c.name, body)
			case strings.HasSuffix(c.message, "…"):
				if !strings.HasPrefix(msg, strings.TrimSuffix(c.message, "…")) {
					t.Errorf("%s: message %q, want prefix %q", c.name, msg, strings.TrimSuffix(c.message, "…"))
				}
			case msg != c.message:
				t.Errorf("%s: message %q, want %q", c.name, msg, c.message)
			}
		}
		if n := s.count("role"); n != 1 {
			t.Errorf("bad requests wrote roles: %d roles, want 1", n)
		}
		if n := s.count("user"); n != 0 {
			t.Errorf("bad requests wrote users: %d", n)
		}

		// The batch error names the failing record and keeps the others' results.
		_, body := s.do("POST", "/api/v2/system/role", map[string]any{"resource": []any{
			map[string]any{"name": "ok"}, map[string]any{"name": "existing"}}}, creds(s.admin, ""))
		e := body.(map[string]any)["error"].(map[string]any)
		ctx := e["context"].(map[string]any)
		if e["code"].(float64) != 1000 || len(ctx["error"].([]any)) != 1 || ctx["error"].([]any)[0].(float64) != 1 {
			t.Errorf("batch error shape: %v", e)
		}
		inner := ctx["resource"].([]any)[1].(map[string]any)["message"].(string)
		if inner != "Duplicate value for field 'name': another record already has it." {
			t.Errorf("inner error %q", inner)
		}
		// With continue, the good record lands and the bad one is reported.
		status, _ := s.do("POST", "/api/v2/system/role?continue=true", map[string]any{"resource": []any{
			map[string]any{"name": "ok"}, map[string]any{"name": "existing"}}}, creds(s.admin, ""))
		if status != 400 || s.count("role") != 2 {
			t.Errorf("continue: status %d, %d roles (want 400 and 2)", status, s.count("role"))
		}
	})
}
