package jobs

import (
	"strings"
	"testing"
)

// TestStorableKeepsNoSecrets: a stored event has no credential headers or parameters, and
// its raw body is the redacted payload, not the body the caller sent.
func TestStorableKeepsNoSecrets(t *testing.T) {
	event := map[string]any{"request": map[string]any{
		"headers":    map[string]any{"authorization": "Bearer x", "x-custom-api-key": "k", "proxy-authorization": "p", "accept": "application/json"},
		"parameters": map[string]any{"api_key": "k", "limit": "2"},
		"payload":    map[string]any{"email": "a@b.test", "password": "hunter2"},
		"content":    `{"email":"a@b.test","password":"hunter2"}`,
	}}
	out := storable(event)
	req := out["request"].(map[string]any)
	if h := req["headers"].(map[string]any); len(h) != 1 || h["accept"] != "application/json" {
		t.Errorf("headers kept: %v", h)
	}
	if p := req["parameters"].(map[string]any); len(p) != 1 || p["limit"] != "2" {
		t.Errorf("parameters kept: %v", p)
	}
	if c := req["content"].(string); strings.Contains(c, "hunter2") || !strings.Contains(c, "a@b.test") {
		t.Errorf("content: %s", c)
	}
	if strings.Contains(event["request"].(map[string]any)["content"].(string), "*") {
		t.Error("the caller's event was changed")
	}
}
