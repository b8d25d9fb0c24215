package main

import (
	"fmt"
	"regexp"
	"testing"
)

// fixture is an admin-built setup: a role "reader" that may GET system/role and system/role/*
// and use the user service, an app with that role, and a non-admin user logged in through it.
type fixture struct {
	roleID, appID, userID int
	key, token            string
}

func (s *server) readerFixture() fixture {
	s.t.Helper()
	sys, usr := s.serviceID("system"), s.serviceID("user")
	out := s.must(201, "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{
		"name": "reader", "description": "reads roles",
		"role_service_access_by_role_id": []any{
			map[string]any{"service_id": sys, "component": "role", "verb_mask": 1, "requestor_mask": 1},
			map[string]any{"service_id": sys, "component": "role/*", "verb_mask": 1, "requestor_mask": 1},
			map[string]any{"service_id": usr, "component": "*", "verb_mask": 31, "requestor_mask": 1},
		},
	}}})
	f := fixture{roleID: firstID(out)}
	f.appID = firstID(s.must(201, "POST", "/api/v2/system/app", map[string]any{"resource": []any{
		map[string]any{"name": "web", "role_id": f.roleID}}}))
	app := s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", f.appID), nil)
	f.key = app.(map[string]any)["api_key"].(string)
	f.userID = firstID(s.must(201, "POST", "/api/v2/system/user", map[string]any{"resource": []any{
		map[string]any{"email": "u@example.com", "password": "userpass1", "name": "U"}}}))
	f.token = s.login("user/session", "u@example.com", "userpass1", f.key)
	s.rec.take()
	return f
}

// TestRoleAppUserAccess is the acceptance scenario: an admin creates a role with access
// rows and an app with that role; the app's key plus a user's session get exactly what the role
// allows and DreamFactory's messages for anything else.
func TestRoleAppUserAccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := MustServe(t, backend)
		f := s.readerFixture()
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(f.key) {
			t.Fatalf("api_key %q is not 64 hex characters", f.key)
		}
		role := fmt.Sprintf("/api/v2/system/role/%d", f.roleID)
		cases := []struct {
			name, method, path string
			body               any
			headers            map[string]string
			status             int
			message            string
		}{
			{"list roles", "GET", "/api/v2/system/role", nil, creds(f.token, f.key), 200, ""},
			{"role by id", "GET", role, nil, creds(f.token, f.key), 200, ""},
			{"key alone reads with the app's role", "GET", role, nil, creds("", f.key), 200, ""},
			{"create role is forbidden", "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "x"}}},
				creds(f.token, f.key), 403, "Access Forbidden. POST access to component 'role' of service 'system' is not allowed by this user's role."},
			{"apps are forbidden", "GET", "/api/v2/system/app", nil, creds(f.token, f.key), 403,
				"Access Forbidden. GET access to component 'app' of service 'system' is not allowed by this user's role."},
			{"patch by id is forbidden", "PATCH", role, map[string]any{"name": "y"}, creds(f.token, f.key), 403,
				fmt.Sprintf("Access Forbidden. PATCH access to component 'role/%d' of service 'system' is not allowed by this user's role.", f.roleID)},
			{"key alone, write", "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "x"}}},
				creds("", f.key), 401, "Unauthorized. User is not authenticated."},
			{"no credentials", "GET", "/api/v2/system/role", nil, nil, 400,
				"No session token (JWT) or API Key detected in request. Please send in X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. You can also use URL query parameters session_token and/or api_key."},
			{"token without key", "GET", "/api/v2/system/role", nil, creds(f.token, ""), 400,
				"No API Key provided. Please provide a valid API Key using X-DreamFactory-API-Key request header or 'api_key' url query parameter."},
			{"bad key without token", "GET", "/api/v2/system/role", nil, creds("", "nope"), 400,
				"No session token (JWT) provided. Please provide a valid JWT using X-DreamFactory-Session-Token request header or 'session_token' url query parameter."},
			{"bad key with token", "GET", "/api/v2/system/role", nil, creds(f.token, "nope"), 403,
				"Role not found. A role may not be assigned to you or your application."},
			{"garbage token", "GET", "/api/v2/system/role", nil, creds("abc.def.ghi", f.key), 401, "Invalid token: the token could not be verified."},
			{"user service through the role", "GET", "/api/v2/user/session", nil, creds(f.token, f.key), 200, ""},
			{"query-string credentials", "GET", "/api/v2/system/role?api_key=" + f.key + "&session_token=" + f.token, nil, nil, 200, ""},
			{"bearer token", "GET", "/api/v2/system/role", nil, map[string]string{"Authorization": "Bearer " + f.token, "X-DreamFactory-API-Key": f.key}, 200, ""},
		}
		for _, c := range cases {
			status, body := s.do(c.method, c.path, c.body, c.headers)
			if status != c.status {
				t.Errorf("%s: status %d, want %d: %v", c.name, status, c.status, body)
				continue
			}
			if c.message != "" && errorMessage(body) != c.message {
				t.Errorf("%s: message %q, want %q", c.name, errorMessage(body), c.message)
			}
		}
		if n := s.count("role"); n != 1 {
			t.Errorf("forbidden writes changed the roles: %d roles", n)
		}

		// GET /api/v2 lists only what the role reaches.
		_, idx := s.do("GET", "/api/v2", nil, creds(f.token, f.key))
		names := []string{}
		for _, sv := range idx.(map[string]any)["services"].([]any) {
			names = append(names, sv.(map[string]any)["name"].(string))
		}
		if fmt.Sprint(names) != "[system user]" {
			t.Errorf("GET /api/v2 services = %v, want [system user]", names)
		}
		_, anon := s.do("GET", "/api/v2", nil, nil)
		if n := len(anon.(map[string]any)["services"].([]any)); n != 0 {
			t.Errorf("anonymous GET /api/v2 lists %d services, want 0", n)
		}

		// Deactivating the role closes the door with DreamFactory's message.
		s.must(200, "PATCH", role, map[string]any{"is_active": false})
		status, body := s.do("GET", "/api/v2/system/role", nil, creds("", f.key))
		if status != 403 || errorMessage(body) != "Access Forbidden. The role assigned to you or your application or the default role of your application is not active." {
			t.Errorf("inactive role: %d %v", status, body)
		}
	})
}

// TestUserAppRoleOverridesDefault: a user_to_app_to_role row replaces the app's default role.
func TestUserAppRoleOverridesDefault(t *testing.T) {
	s := MustServe(t, "sqlite")
	f := s.readerFixture()
	sys := s.serviceID("system")
	admins := firstID(s.must(201, "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{
		"name": "app-admin", "role_service_access_by_role_id": []any{
			map[string]any{"service_id": sys, "component": "app", "verb_mask": 1, "requestor_mask": 1}}}}}))
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{
		"user_to_app_to_role_by_user_id": []any{map[string]any{"app_id": f.appID, "role_id": admins}}})
	if status, body := s.do("GET", "/api/v2/system/app", nil, creds(f.token, f.key)); status != 200 {
		t.Fatalf("with the user+app role, GET system/app: %d %v", status, body)
	}
	if status, _ := s.do("GET", "/api/v2/system/role", nil, creds(f.token, f.key)); status != 403 {
		t.Fatalf("the user+app role must replace the default role: GET system/role gave %d", status)
	}
	if status, _ := s.do("GET", "/api/v2/system/role", nil, creds("", f.key)); status != 200 {
		t.Fatalf("without a session the app's default role applies: %d", status)
	}
}
