package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSessionLifecycle covers login, session info, refresh, logout, password change and
// deactivation, each invalidating tokens as DreamFactory does.
func TestSessionLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := MustServe(t, backend)
		f := s.readerFixture()
		get := func(token string) (int, string) {
			status, body := s.do("GET", "/api/v2/system/role", nil, creds(token, f.key))
			return status, errorMessage(body)
		}

		// Session info.
		status, info := s.do("GET", "/api/v2/user/session", nil, creds(f.token, f.key))
		m := info.(map[string]any)
		if status != 200 || m["email"] != "u@example.com" || m["role"] != "reader" || m["session_token"] != f.token || m["is_sys_admin"] != false {
			t.Fatalf("session info: %d %v", status, info)
		}
		for _, k := range []string{"password", "security_answer"} {
			if _, ok := m[k]; ok {
				t.Errorf("session info exposes %s", k)
			}
		}
		// An admin can't use user/session and a user can't use system/admin/session.
		if status, body := s.do("POST", "/api/v2/user/session", map[string]any{"email": "admin@example.com", "password": "secret123"}, nil); status != 401 || errorMessage(body) != "Invalid credentials supplied." {
			t.Errorf("admin on user/session: %d %v", status, body)
		}
		if status, _ := s.do("POST", "/api/v2/system/admin/session", map[string]any{"email": "u@example.com", "password": "userpass1"}, nil); status != 401 {
			t.Errorf("user on system/admin/session: %d", status)
		}
		if status, body := s.do("POST", "/api/v2/user/session", map[string]any{"password": "x"}, nil); status != 400 || errorMessage(body) != "Login request is missing required email." {
			t.Errorf("login without email: %d %v", status, body)
		}

		// Refresh: a new token works, the old one is blacklisted.
		status, refreshed := s.do("PUT", "/api/v2/user/session", nil, creds(f.token, f.key))
		if status != 200 {
			t.Fatalf("refresh: %d %v", status, refreshed)
		}
		newToken := refreshed.(map[string]any)["session_token"].(string)
		if newToken == f.token {
			t.Fatal("refresh returned the same token")
		}
		if status, _ := get(newToken); status != 200 {
			t.Errorf("refreshed token: %d", status)
		}
		if status, msg := get(f.token); status != 403 || !strings.Contains(msg, "Session terminated. Please re-login.") {
			t.Errorf("old token after refresh: %d %q", status, msg)
		}

		// Logout blacklists the token.
		if status, body := s.do("DELETE", "/api/v2/user/session", nil, creds(newToken, f.key)); status != 200 || body.(map[string]any)["success"] != true {
			t.Fatalf("logout: %d %v", status, body)
		}
		if status, _ := get(newToken); status != 403 {
			t.Errorf("token after logout: %d", status)
		}
		if status, body := s.do("GET", "/api/v2/user/session", nil, creds("", f.key)); status != 401 || errorMessage(body) != "There is no valid session for the current request." {
			t.Errorf("session without token: %d %v", status, body)
		}

		// A password change revokes every token of the user.
		t1 := s.login("user/session", "u@example.com", "userpass1", f.key)
		t2 := s.login("user/session", "u@example.com", "userpass1", f.key)
		status, body := s.do("POST", "/api/v2/user/password?login=true", map[string]any{"old_password": "userpass1", "new_password": "userpass2"}, creds(t1, f.key))
		if status != 200 {
			t.Fatalf("password change: %d %v", status, body)
		}
		t3 := body.(map[string]any)["session_token"].(string)
		for _, tok := range []string{t1, t2} {
			if status, _ := get(tok); status != 403 {
				t.Errorf("token issued before the password change still works: %d", status)
			}
		}
		if status, _ := get(t3); status != 200 {
			t.Errorf("token from ?login=true: %d", status)
		}
		if status, _ := s.do("POST", "/api/v2/user/session", map[string]any{"email": "u@example.com", "password": "userpass1"}, creds("", f.key)); status != 401 {
			t.Errorf("old password still logs in: %d", status)
		}
		if status, body := s.do("POST", "/api/v2/user/password", map[string]any{"old_password": "wrong", "new_password": "userpass3"}, creds(t3, f.key)); status != 400 {
			t.Errorf("password change with a wrong old password: %d %v", status, body)
		}

		// Deactivating the user revokes its tokens; login is refused.
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"is_active": false})
		if status, _ := get(t3); status != 403 {
			t.Errorf("token of a deactivated user: %d", status)
		}
		if status, _ := s.do("POST", "/api/v2/user/session", map[string]any{"email": "u@example.com", "password": "userpass2"}, creds("", f.key)); status != 401 {
			t.Errorf("deactivated user logs in: %d", status)
		}

		// Deactivating an app revokes the tokens of users mapped to it.
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/user/%d", f.userID), map[string]any{"is_active": true,
			"user_to_app_to_role_by_user_id": []any{map[string]any{"app_id": f.appID, "role_id": f.roleID}}})
		t4 := s.login("user/session", "u@example.com", "userpass2", f.key)
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/app/%d", f.appID), map[string]any{"is_active": false})
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/app/%d", f.appID), map[string]any{"is_active": true})
		if status, _ := get(t4); status != 403 {
			t.Errorf("token survived the app's deactivation: %d", status)
		}
		// Regenerating the key retires the old one.
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/app/%d?regenerate=true", f.appID), map[string]any{})
		if status, body := s.do("GET", "/api/v2/system/role", nil, creds("", f.key)); status != 400 {
			t.Errorf("old API key after regenerate: %d %v", status, body)
		}
	})
}

// TestExpiredToken: an expired token is a 401 with DreamFactory's message and can be refreshed.
func TestExpiredToken(t *testing.T) {
	// The admin's token lives as long: the fixture must be made before it expires, also on a
	// busy machine.
	s := MustServe(t, "sqlite", func(m *Main) { m.TokenTTL = 3 * time.Second })
	f := s.readerFixture()
	time.Sleep(3100 * time.Millisecond)
	status, body := s.do("GET", "/api/v2/system/role", nil, creds(f.token, f.key))
	if status != 401 || errorMessage(body) != "Token has expired: Session expired. Please refresh your token (if still within refresh window) or re-login." {
		t.Fatalf("expired token: %d %v", status, body)
	}
	status, body = s.do("PUT", "/api/v2/user/session", nil, creds(f.token, f.key))
	if status != 200 {
		t.Fatalf("refreshing an expired token within the window: %d %v", status, body)
	}
}

// TestLoginThrottle: after five failures for an account (or from an address), further attempts
// are refused with 429 — the right password included — until the back-off has passed.
func TestLoginThrottle(t *testing.T) {
	s := MustServe(t, "sqlite")
	for i := 0; i < 5; i++ {
		if status, _ := s.do("POST", "/api/v2/system/admin/session", map[string]any{"email": "admin@example.com", "password": "wrong"}, nil); status != 401 {
			t.Fatalf("failure %d: status %d", i+1, status)
		}
	}
	status, body := s.do("POST", "/api/v2/system/admin/session", map[string]any{"email": "admin@example.com", "password": "secret123"}, nil)
	if status != 429 || !strings.HasPrefix(errorMessage(body), "Too many failed login attempts.") {
		t.Fatalf("throttled login: %d %v", status, body)
	}
	// The address is throttled too: another account from it waits as well.
	if status, _ := s.do("POST", "/api/v2/user/session", map[string]any{"email": "other@example.com", "password": "x"}, nil); status != 429 {
		t.Fatalf("another account from the same address: %d, want 429", status)
	}
	time.Sleep(1100 * time.Millisecond) // the first back-off step is one second
	if status, body := s.do("POST", "/api/v2/system/admin/session", map[string]any{"email": "admin@example.com", "password": "secret123"}, nil); status != 200 {
		t.Fatalf("login after the back-off: %d %v", status, body)
	}
}

// TestRestartKeepsEverything: data and sessions survive a restart on the same data directory.
func TestRestartKeepsEverything(t *testing.T) {
	eachBackend(t, func(t *testing.T, backend string) {
		s := MustServe(t, backend)
		f := s.readerFixture()
		s2 := s.restarted()
		status, body := s2.do("GET", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), nil, creds(f.token, f.key))
		if status != 200 || body.(map[string]any)["name"] != "reader" {
			t.Fatalf("after restart: %d %v", status, body)
		}
	})
}
