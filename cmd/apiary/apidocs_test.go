package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apiary/apiary/platform/apidocs"
)

// TestAPIDocs: GET /api/v2/api_docs/{service} answers a valid OpenAPI 3 document generated
// from the live schema of a database service and from the event catalog of the others; the
// list and the documents respect the caller's role.
func TestAPIDocs(t *testing.T) {
	s := MustServe(t, "sqlite")
	cfg := addressBook(t, "sqlite", s.m.DataDir)
	dbID := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "label": "Address Book", "type": "sqlite", "config": cfg})))
	s.rec.take()

	at := func(doc any, keys ...string) any {
		t.Helper()
		cur := doc
		for i, k := range keys {
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%s: not an object", strings.Join(keys[:i], "."))
			}
			if cur, ok = m[k]; !ok {
				t.Fatalf("%s: missing", strings.Join(keys[:i+1], "."))
			}
		}
		return cur
	}

	// The database service's document.
	doc := s.must(200, "GET", "/api/v2/api_docs/db", nil)
	if err := apidocs.Validate(doc); err != nil {
		t.Fatalf("api_docs/db is not a valid document:\n%v", err)
	}
	if at(doc, "openapi") != "3.0.3" || at(doc, "info", "title") != "Address Book" {
		t.Errorf("header: %v %v", at(doc, "openapi"), at(doc, "info"))
	}
	if fmt.Sprint(at(doc, "servers")) != "[map[url:/api/v2]]" {
		t.Errorf("servers: %v", at(doc, "servers"))
	}
	for _, p := range []string{"/db/_table", "/db/_table/contact", "/db/_table/contact/{id}", "/db/_table/contact_info/{id}", "/db/_schema", "/db/_schema/contact"} {
		at(doc, "paths", p)
	}
	contact := at(doc, "components", "schemas", "contact")
	if got := at(contact, "properties", "first_name", "type"); got != "string" {
		t.Errorf("contact.first_name type: %v", got)
	}
	if got := at(contact, "properties", "id", "readOnly"); got != true {
		t.Errorf("contact.id readOnly: %v", got)
	}
	req, _ := at(contact, "required").([]any)
	if !slices.Contains(req, any("first_name")) || slices.Contains(req, any("notes")) || slices.Contains(req, any("id")) {
		t.Errorf("contact.required: %v", req)
	}
	if got := at(doc, "components", "schemas", "contact_info", "properties", "contact_id", "type"); got != "integer" {
		t.Errorf("contact_info.contact_id type: %v", got)
	}
	var params []string
	for _, p := range at(doc, "paths", "/db/_table/contact", "get", "parameters").([]any) {
		ref := p.(map[string]any)["$ref"].(string)
		params = append(params, at(doc, "components", "parameters", strings.TrimPrefix(ref, "#/components/parameters/"), "name").(string))
	}
	for _, n := range []string{"fields", "filter", "limit", "offset", "order", "ids", "include_count", "count_only", "related", "as_list"} {
		if !slices.Contains(params, n) {
			t.Errorf("GET /db/_table/contact lacks %s: %v", n, params)
		}
	}
	if evs := s.rec.take(); !slices.Contains(evs, "api_docs.{service}.get.pre_process") || !slices.Contains(evs, "api_docs.db.get.pre_process") {
		t.Errorf("events: %v", evs)
	}

	// Other services: from their event catalogs.
	doc = s.must(200, "GET", "/api/v2/api_docs/system", nil)
	if err := apidocs.Validate(doc); err != nil {
		t.Fatalf("api_docs/system:\n%v", err)
	}
	at(doc, "paths", "/system/role", "post", "requestBody")
	at(doc, "paths", "/system/admin/session", "get")
	for _, svc := range []string{"user", "api_docs"} {
		doc = s.must(200, "GET", "/api/v2/api_docs/"+svc, nil)
		if err := apidocs.Validate(doc); err != nil {
			t.Fatalf("api_docs/%s:\n%v", svc, err)
		}
	}
	at(s.must(200, "GET", "/api/v2/api_docs/user", nil), "paths", "/user/session", "post")
	at(doc, "paths", "/api_docs/{service}", "get")

	// The list, and unknown services.
	list := fmt.Sprint(s.must(200, "GET", "/api/v2/api_docs", nil))
	for _, want := range []string{"map[label:Address Book name:db type:sqlite]", "map[label:Live API Docs name:api_docs type:swagger]", "name:system", "name:user"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %s: %s", want, list)
		}
	}
	if status, body := s.do("GET", "/api/v2/api_docs/nope", nil, creds(s.admin, "")); status != 404 || errorMessage(body) != "Could not find a service for nope" {
		t.Errorf("unknown service: %d %v", status, body)
	}
	if status, _ := s.do("POST", "/api/v2/api_docs/db", map[string]any{}, creds(s.admin, "")); status != 400 {
		t.Errorf("POST api_docs/db: %d", status)
	}

	// A role that reaches api_docs and the user service but not db.
	f := s.readerFixture()
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": s.serviceID("api_docs"), "component": "*", "verb_mask": 1, "requestor_mask": 1},
	}})
	as := creds(f.token, f.key)
	status, body := s.do("GET", "/api/v2/api_docs/db", nil, as)
	if status != 403 || errorMessage(body) != "Access Forbidden. GET access to component 'db' of service 'api_docs' is not allowed by this user's role." {
		t.Errorf("api_docs/db without access to db: %d %v", status, body)
	}
	if status, _ := s.do("GET", "/api/v2/api_docs/nope", nil, as); status != 403 {
		t.Errorf("unknown service for a role: %d, want 403", status)
	}
	if status, body := s.do("GET", "/api/v2/api_docs/user", nil, as); status != 200 || apidocs.Validate(body) != nil {
		t.Errorf("api_docs/user for the role: %d", status)
	}
	status, body = s.do("GET", "/api/v2/api_docs?as_list=true", nil, as)
	if got := fmt.Sprint(body); status != 200 || strings.Contains(got, "db") || !strings.Contains(got, "user") {
		t.Errorf("list for the role: %d %s", status, got)
	}

	// With access to one table of db, the document shows that table only.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": dbID, "component": "_table/contact", "verb_mask": 1, "requestor_mask": 1},
	}})
	status, body = s.do("GET", "/api/v2/api_docs/db", nil, as)
	if status != 200 {
		t.Fatalf("api_docs/db with access to contact: %d %v", status, body)
	}
	if err := apidocs.Validate(body); err != nil {
		t.Fatal(err)
	}
	paths := at(body, "paths").(map[string]any)
	if _, ok := paths["/db/_table/contact"]; !ok {
		t.Error("the reachable table is missing")
	}
	if _, ok := paths["/db/_table/contact_info"]; ok {
		t.Error("a table the role can't reach is documented")
	}
}
