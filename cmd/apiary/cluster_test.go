package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestTwoNodesShareInvalidations: two servers on one PostgreSQL database; a logout and a role
// change made through one are enforced by the other at once (LISTEN/NOTIFY).
func TestTwoNodesShareInvalidations(t *testing.T) {
	if os.Getenv("APIARY_TEST_POSTGRES_DSN") == "" {
		t.Skip("APIARY_TEST_POSTGRES_DSN is not set: the two-node test needs PostgreSQL")
	}
	a := MustServe(t, "postgres")
	f := a.readerFixture()
	m := NewMain()
	m.HTTPAddr, m.DataDir, m.DB, m.Logger, m.JWTSecret = "127.0.0.1:0", t.TempDir(), a.m.DB, a.m.Logger, ""
	// Both nodes must share the token secret, as a cluster's nodes do (--jwt-secret).
	secret, err := os.ReadFile(a.m.DataDir + "/jwt.secret")
	if err != nil {
		t.Fatal(err)
	}
	m.JWTSecret = string(secret[:len(secret)-1])
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	b := &server{t: t, m: m, rec: &recorder{}}

	eventually := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; i < 50; i++ {
			if cond() {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("node B never saw: %s", what)
	}
	role := fmt.Sprintf("/api/v2/system/role/%d", f.roleID)
	if status, _ := b.do("GET", role, nil, creds(f.token, f.key)); status != 200 {
		t.Fatalf("node B with node A's session: %d", status)
	}
	// Node A deactivates the role: node B refuses.
	a.must(200, "PATCH", role, map[string]any{"is_active": false})
	eventually("the role deactivation", func() bool {
		status, _ := b.do("GET", role, nil, creds("", f.key))
		return status == 403
	})
	a.must(200, "PATCH", role, map[string]any{"is_active": true})
	tok := a.login("user/session", "u@example.com", "userpass1", f.key)
	eventually("the reactivation", func() bool {
		status, _ := b.do("GET", role, nil, creds(tok, f.key))
		return status == 200
	})
	// Logout on node A: node B rejects the token.
	if status, _ := a.do("DELETE", "/api/v2/user/session", nil, creds(tok, f.key)); status != 200 {
		t.Fatalf("logout on A: %d", status)
	}
	eventually("the logout", func() bool {
		status, _ := b.do("GET", role, nil, creds(tok, f.key))
		return status == 403
	})
}
