package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestEventJournal: with --journal all, every request lands in the journal (REST
// system/event_journal and GraphQL events), secrets redacted.
func TestEventJournal(t *testing.T) {
	s := MustServe(t, "sqlite", func(m *Main) { m.Journal = "all" })
	s.must(201, "POST", "/api/v2/system/user", rec(map[string]any{"email": "j@example.com", "password": "journal1"}))
	s.do("GET", "/api/v2/system/role/42", nil, creds(s.admin, ""))
	var entries []any
	for i := 0; i < 100 && len(entries) < 3; i++ {
		time.Sleep(20 * time.Millisecond)
		out := s.must(200, "GET", "/api/v2/system/event_journal?order=id", nil)
		entries = out.(map[string]any)["resource"].([]any)
	}
	raw := fmt.Sprint(entries)
	for _, want := range []string{"name:system.admin.session.post", "name:system.user.post", "name:system.role.get", "status:404", "status:201"} {
		if !strings.Contains(raw, want) {
			t.Errorf("journal lacks %q: %s", want, raw)
		}
	}
	for _, secret := range []string{"secret123", "journal1", "eyJ"} {
		if strings.Contains(raw, secret) {
			t.Errorf("journal holds a secret %q: %s", secret, raw)
		}
	}
	data, errs := s.gql(`{ events(where: {name: "system.user.post"}) { edges { node { name status verb request } } } }`, nil, creds(s.admin, ""))
	if len(errs) > 0 || !strings.Contains(fmt.Sprint(data), "status:201") {
		t.Errorf("GraphQL events: %v %v", data, errs)
	}
}

// TestEventJournalInternalReads: the journal says what an internal read was — a related=
// relation's per-parent read and a GraphQL aggregate — not just its parameters.
func TestEventJournalInternalReads(t *testing.T) {
	s := MustServe(t, "sqlite", func(m *Main) { m.Journal = "all" })
	s.addressBookService("sqlite")
	s.must(200, "GET", "/api/v2/db/_table/contact?related=contact_info_by_contact_id&limit=2", nil)
	s.mustData("db", `{ contact_aggregate { count max { id } } }`, nil)
	var raw string
	for i := 0; i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
		out := s.must(200, "GET", "/api/v2/system/event_journal?order=id&filter="+url.QueryEscape("service = 'db'"), nil)
		raw = fmt.Sprint(out.(map[string]any)["resource"])
		if strings.Contains(raw, "aggregate:true") {
			break
		}
	}
	for _, want := range []string{
		"name:db._table.contact_info.get", "per_parent:map[key:contact_id limit:0 offset:0 parents:2]",
		"name:db._table.contact.get", "aggregate:true",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("journal lacks %q: %s", want, raw)
		}
	}
}
