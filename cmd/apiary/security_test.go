package main

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// limitedFixture adds to the reader fixture: a private system lookup, an app "other" with its
// own role, and for the reader role GET on lookup and PATCH on app/* and user/*.
func (s *server) limitedFixture() (fixture, int) {
	f := s.readerFixture()
	sys := s.serviceID("system")
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": sys, "component": "lookup", "verb_mask": 1, "requestor_mask": 1},
		map[string]any{"service_id": sys, "component": "app/*", "verb_mask": 8, "requestor_mask": 1},
		map[string]any{"service_id": sys, "component": "user/*", "verb_mask": 8, "requestor_mask": 1},
	}})
	s.must(201, "POST", "/api/v2/system/lookup", rec(map[string]any{"name": "secret", "value": "hunter2", "private": true}))
	other := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "other",
		"role_service_access_by_role_id": []any{map[string]any{"component": "*", "verb_mask": 1, "requestor_mask": 1}}})))
	s.rec.take()
	return f, other
}

// TestNoPrivilegeEscalation: what a limited role can not do, whichever way it tries.
func TestNoPrivilegeEscalation(t *testing.T) {
	s := MustServe(t, "sqlite")
	f, other := s.limitedFixture()
	as := creds(f.token, f.key)
	try := func(name, method, path string, body any, want int) any {
		t.Helper()
		status, out := s.do(method, path, body, as)
		if status != want {
			t.Errorf("%s: status %d, want %d: %v", name, status, want, out)
		}
		return out
	}
	// Secrets stay masked, even in a batch error's context; the value is no filter oracle.
	out := try("ids with a missing id", "GET", "/api/v2/system/lookup?ids=1,999", nil, 400)
	if strings.Contains(fmt.Sprint(out), "hunter2") {
		t.Errorf("batch error context reveals a private value: %v", out)
	}
	try("filter on a lookup value", "GET", "/api/v2/system/lookup?filter="+url.QueryEscape("value like 'hunter%'")+"&count_only=true", nil, 400)
	try("order by a lookup value", "GET", "/api/v2/system/lookup?order=value", nil, 400)
	// related= needs the target's permission.
	try("apps through related", "GET", "/api/v2/system/role?related=app_by_role_id", nil, 403)
	try("own access rows through related", "GET", "/api/v2/system/role?related=role_service_access_by_role_id", nil, 200)
	// Nested writes can not take rows of another parent, nor write resources the role can't.
	try("adopt another role's access row", "PATCH", fmt.Sprintf("/api/v2/system/app/%d", f.appID), map[string]any{
		"user_to_app_to_role_by_app_id": []any{map[string]any{"id": 999, "role_id": other}}}, 404)
	try("write a lookup through a user", "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{
		"lookup_by_user_id": []any{map[string]any{"id": 1, "value": "pwned"}}}, 403)
	if v, _ := s.m.Platform.Client.Lookup.Get(t.Context(), 1); v.Value != "hunter2" || v.UserID != nil {
		t.Errorf("the private lookup changed: %+v", v)
	}
	// No one but a sys-admin can give a sys-admin a role (which would end the admin's bypass).
	try("map the sys-admin to a role", "PATCH", fmt.Sprintf("/api/v2/system/app/%d", f.appID), map[string]any{
		"user_to_app_to_role_by_app_id": []any{map[string]any{"user_id": 1, "role_id": other}}}, 403)
	if status, _ := s.do("GET", "/api/v2/system/role", nil, creds(s.admin, "")); status != 200 {
		t.Fatalf("the sys-admin lost access: %d", status)
	}
	// GraphQL has no edge into another resource, and users are scoped like system/user.
	_, errs := s.gql(`{ roles { edges { node { apps { apiKey } } } } }`, nil, as)
	if len(errs) == 0 {
		t.Error("GraphQL Role.apps resolves")
	}
	sys := s.serviceID("system")
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": sys, "component": "user", "verb_mask": 1, "requestor_mask": 1}}})
	data, errs := s.gql(`{ users { edges { node { email isSysAdmin } } } }`, nil, as)
	if len(errs) > 0 || strings.Contains(fmt.Sprint(data), "admin@example.com") {
		t.Errorf("GraphQL users shows sys-admins to a role without system/admin: %v %v", data, errs)
	}
}

// TestBuiltinServicesAndTokens: built-in services can't be switched off; email changes,
// numeric deactivation and concurrent refreshes end sessions as they should.
func TestBuiltinServicesAndTokens(t *testing.T) {
	s := MustServe(t, "sqlite")
	f := s.readerFixture()
	if status, body := s.do("PATCH", "/api/v2/system/service/1", map[string]any{"is_active": false}, creds(s.admin, "")); status != 400 ||
		errorMessage(body) != "Service 'system' is built in: its is_active can not be changed." {
		t.Fatalf("deactivating the system service: %d %v", status, body)
	}
	s.must(200, "PATCH", "/api/v2/system/service/1", map[string]any{"description": "still editable"})

	// An email change ends the user's sessions; the old token can't be refreshed either.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"email": "U2@Example.com"})
	if status, _ := s.do("PUT", "/api/v2/user/session", nil, creds(f.token, f.key)); status == 200 {
		t.Error("a token of the old email was refreshed")
	}
	tok := s.login("user/session", "u2@example.com", "userpass1", f.key) // stored lower-case
	// is_active: 0 is a deactivation too.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"is_active": 0})
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"is_active": 1})
	if status, _ := s.do("GET", "/api/v2/system/role", nil, creds(tok, f.key)); status != 403 {
		t.Errorf("token survived is_active: 0: %d", status)
	}
	// Concurrent refreshes of one token: exactly one wins.
	tok = s.login("user/session", "u2@example.com", "userpass1", f.key)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, _ := s.do("PUT", "/api/v2/user/session", nil, creds(tok, f.key)); status == 200 {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent refreshes of one token succeeded, want 1", wins)
	}
	// An email differing only in case is the same account.
	if status, _ := s.do("POST", "/api/v2/system/user", rec(map[string]any{"email": "ADMIN@example.com", "password": "whatever1"}), creds(s.admin, "")); status != 400 {
		t.Errorf("a case variant of an existing email was accepted: %d", status)
	}
	if status, _ := s.do("HEAD", "/api/v2/system/environment", nil, nil); status != 200 {
		t.Errorf("HEAD: %d", status)
	}
}
