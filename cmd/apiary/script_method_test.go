package main

import (
	"fmt"
	"testing"
)

// TestScriptMethodChangeIsAuthorized: a pre_process script may change the request's method, as
// in DreamFactory, but the new verb is authorized too: a role that may only read gets the 403
// of the write (and nothing is deleted); a role that may delete gets the delete.
func TestScriptMethodChangeIsAuthorized(t *testing.T) {
	s := scripted(t)
	db := s.serviceID("db")
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": "m@example.com", "password": "userpass1"}))
	// appKey makes a role with verb_mask mask on db's _table/contact and an app with it.
	appKey := func(mask int) string {
		role := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{
			"name": fmt.Sprintf("mask-%d", mask), "role_service_access_by_role_id": []any{
				map[string]any{"service_id": db, "component": "_table/contact", "verb_mask": mask, "requestor_mask": 1}},
		})))
		app := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": fmt.Sprintf("app-%d", mask), "role_id": role})))
		return s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", app), nil).(map[string]any)["api_key"].(string)
	}
	count := func() float64 {
		return s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil).(float64)
	}
	s.script("db._table.contact.get.pre_process", `if (event.request.parameters.ids) { event.request.method = "DELETE"; }`, true)
	before := count()

	readOnly := appKey(1) // GET
	token := s.login("user/session", "m@example.com", "userpass1", readOnly)
	status, body := s.do("GET", "/api/v2/db/_table/contact?ids=1", nil, creds(token, readOnly))
	if status != 403 || errorMessage(body) != "Access Forbidden. DELETE access to component '_table/contact' of service 'db' is not allowed by this user's role." {
		t.Errorf("read turned delete by a script, read-only role: %d %v", status, body)
	}
	if got := count(); got != before {
		t.Errorf("contacts %v, want %v: the refused delete ran", got, before)
	}

	canDelete := appKey(1 | 16) // GET, DELETE
	token = s.login("user/session", "m@example.com", "userpass1", canDelete)
	if status, body := s.do("GET", "/api/v2/db/_table/contact?ids=1", nil, creds(token, canDelete)); status != 200 {
		t.Errorf("read turned delete by a script, role that may delete: %d %v", status, body)
	}
	if got := count(); got != before-1 {
		t.Errorf("contacts %v, want %v after the delete", got, before-1)
	}
}
