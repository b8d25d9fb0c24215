package main

import (
	"fmt"
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
