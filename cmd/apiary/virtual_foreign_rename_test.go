package main

import (
	"fmt"
	"net/url"
	"testing"
)

// TestVirtualRelationshipToARenamedService: a relationship to another service's table
// (ref_service_id) reads the service of that id, whatever its name now: renaming the other
// service keeps the relationship working, and once that service is deleted the relationship
// never reads a new service that took its old name.
func TestVirtualRelationshipToARenamedService(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")
	crmID := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "crm", "type": "sqlite", "config": crmDatabase(t, "sqlite", s.m.DataDir)})))
	s.must(200, "POST", "/api/v2/db/_schema/contact/_related", rec(map[string]any{"type": "has_many", "field": "id", "ref_service_id": crmID,
		"ref_table": "account", "ref_field": "owner_contact", "is_virtual": true}))
	rel := "crm.account_by_owner_contact"
	path := "/api/v2/db/_table/contact?order=id&related=" + url.QueryEscape(rel)
	const want = "Jane:[Acme Bolt] John:[Core] Jim:[] Alice:[]"
	if got := pluck(recordsOf(s.must(200, "GET", path, nil)), "first_name", rel, "name"); got != want {
		t.Fatalf("before: %s, want %s", got, want)
	}

	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/service/%d", crmID), map[string]any{"name": "sales"})
	status, body := s.do("GET", path, nil, creds(s.admin, ""))
	if got := pluck(recordsOf(body), "first_name", rel, "name"); status != 200 || got != want {
		t.Errorf("after renaming crm to sales: %d %v", status, body)
	}

	// The service deleted, and another one created under its first name: not read.
	s.must(200, "DELETE", fmt.Sprintf("/api/v2/system/service/%d", crmID), nil)
	other := map[string]any{"database": "crm2.db"}
	db, _ := openDatabase(t, "sqlite", s.m.DataDir, other)
	execAll(t, db, "CREATE TABLE account (id INTEGER PRIMARY KEY AUTOINCREMENT, owner_contact INTEGER, name VARCHAR(40))",
		"INSERT INTO account (owner_contact, name) VALUES (1, 'Impostor')")
	db.Close()
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "crm", "type": "sqlite", "config": other}))
	status, body = s.do("GET", path, nil, creds(s.admin, ""))
	if status != 404 {
		t.Errorf("after the service was deleted and another named crm created: %d %v, want 404", status, body)
	}
}
