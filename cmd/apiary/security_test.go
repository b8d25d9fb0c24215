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

// TestSecondReviewFindings: the fixes of the second security review.
func TestSecondReviewFindings(t *testing.T) {
	s := MustServe(t, "sqlite", func(m *Main) { m.Journal = "all" })
	f, _ := s.limitedFixture() // reader: GET lookup, PATCH app/* and user/*
	as := creds(f.token, f.key)

	// A nested child is checked with the verb of what happens to it: creating a lookup through
	// a user needs POST on lookup, not the parent's PATCH.
	if status, _ := s.do("PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{
		"lookup_by_user_id": []any{map[string]any{"name": "nested", "value": "v"}}}, as); status != 403 {
		t.Errorf("nested create without POST on lookup: %d", status)
	}
	// related= is checked before anything is written.
	status, _ := s.do("PATCH", fmt.Sprintf("/api/v2/system/user/%d?related=app_by_default_app_id", f.userID), map[string]any{"first_name": "CHANGED"}, creds(s.admin, ""))
	if status != 400 {
		t.Errorf("unknown relation on a write: %d", status)
	}
	if u, _ := s.m.Platform.Client.User.Get(t.Context(), f.userID); u.FirstName == "CHANGED" {
		t.Error("the write happened although the request was refused")
	}
	// Sending the same email back (as admin UIs send whole records) keeps sessions.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"email": "u@example.com", "first_name": "Same"})
	if status, _ := s.do("GET", "/api/v2/system/role", nil, as); status != 200 {
		t.Errorf("a no-op email write ended the session: %d", status)
	}
	// A private lookup can not be compared against in a client's filter.
	status, body := s.do("GET", "/api/v2/system/role?filter="+url.QueryEscape("name <= {secret}"), nil, as)
	if status != 400 {
		t.Errorf("private lookup in a client filter: %d %v", status, body)
	}
	// Service secrets, including the password inside a DSN, never leave: REST or GraphQL.
	id := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "pg", "type": "pgsql",
		"config": map[string]any{"dsn": "postgres://app:Dsn5ecret@127.0.0.1:1/x"}})))
	svc := fmt.Sprint(s.must(200, "GET", fmt.Sprintf("/api/v2/system/service/%d", id), nil))
	data, _ := s.gql(`{ services { edges { node { name config } } } }`, nil, creds(s.admin, ""))
	for _, out := range []string{svc, fmt.Sprint(data)} {
		if strings.Contains(out, "Dsn5ecret") || !strings.Contains(out, "app:**********@") {
			t.Errorf("DSN password shown: %s", out)
		}
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", id), map[string]any{"config": map[string]any{"dsn": "postgres://app:**********@127.0.0.1:1/x"}})
	if row, _ := s.m.Platform.Client.Service.Get(t.Context(), id); row.Config["dsn"] != "postgres://app:Dsn5ecret@127.0.0.1:1/x" {
		t.Errorf("masked DSN written back: %v", row.Config["dsn"])
	}
	// The stored password is not sent to a new place.
	if status, _ := s.do("PATCH", fmt.Sprintf("/api/v2/system/service/%d", id), map[string]any{"config": map[string]any{"dsn": "postgres://app:**********@evil.example:1/x"}}, creds(s.admin, "")); status != 400 {
		t.Errorf("masked password with a new host: %d, want 400", status)
	}
	// The journal keeps no record content of the system service.
	s.must(201, "POST", "/api/v2/system/lookup", rec(map[string]any{"name": "k", "value": "TopSecretValue42", "private": true}))
	s.m.Platform.Stop() // drains the journal
	rows, err := s.m.Platform.Client.Event.Query().All(t.Context())
	if err != nil || len(rows) == 0 {
		t.Fatalf("journal: %v, %d rows", err, len(rows))
	}
	if raw := fmt.Sprint(rows); strings.Contains(raw, "TopSecretValue42") || strings.Contains(raw, "Dsn5ecret") || strings.Contains(raw, "hunter2") {
		t.Errorf("journal holds a secret: %s", raw)
	}
}
