package main

import (
	"errors"
	"reflect"
	"testing"

	"github.com/apiary/apiary/platform"
)

// TestEventsFired checks the names and order of the events the pipeline fires.
func TestEventsFired(t *testing.T) {
	s := MustServe(t, "sqlite")
	cases := []struct {
		method, path string
		body         any
		events       []string
	}{
		{"POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "r"}}},
			[]string{"system.role.post.pre_process", "system.role.post.post_process", "system.role.post.queued"}},
		{"GET", "/api/v2/system/role/1", nil,
			[]string{"system.role.get.pre_process", "system.role.get.post_process", "system.role.get.queued"}},
		{"PATCH", "/api/v2/system/role/1", map[string]any{"description": "d"},
			[]string{"system.role.patch.pre_process", "system.role.patch.post_process", "system.role.patch.queued"}},
		{"GET", "/api/v2/system", nil, []string{"system.get.pre_process", "system.get.post_process", "system.get.queued"}},
		{"GET", "/api/v2/system/admin/session", nil,
			[]string{"system.admin.session.get.pre_process", "system.admin.session.get.post_process", "system.admin.session.get.queued"}},
		{"GET", "/api/v2/user/session", nil,
			[]string{"user.session.get.pre_process", "user.session.get.post_process", "user.session.get.queued"}},
		// A failed request still fires post_process (it sees the error response).
		{"GET", "/api/v2/system/role/999", nil,
			[]string{"system.role.get.pre_process", "system.role.get.post_process", "system.role.get.queued"}},
		// Requests refused before the handler fire nothing.
		{"GET", "/api/v2/nope", nil, nil},
	}
	for _, c := range cases {
		s.do(c.method, c.path, c.body, creds(s.admin, ""))
		if got := s.rec.take(); !reflect.DeepEqual(got, c.events) {
			t.Errorf("%s %s fired %v, want %v", c.method, c.path, got, c.events)
		}
	}
	// Verb tunnelling: POST with X-HTTP-Method: GET is a GET.
	h := creds(s.admin, "")
	h["X-HTTP-Method"] = "GET"
	if status, _ := s.do("POST", "/api/v2/system/role", nil, h); status != 200 {
		t.Errorf("tunnelled GET: status %d", status)
	}
	if got := s.rec.take(); len(got) == 0 || got[0] != "system.role.get.pre_process" {
		t.Errorf("tunnelled GET fired %v", got)
	}
}

// TestPreProcessShortCircuit: a pre_process script answering the request skips the handler;
// post_process still runs; a failing script fails the request and post_process still runs.
func TestPreProcessShortCircuit(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.rec.hook = func(name string, ev *platform.Event) error {
		if name == "system.role.post.pre_process" {
			ev.Response = platform.OK(map[string]any{"answered": "by script"})
		}
		return nil
	}
	status, body := s.do("POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "r"}}}, creds(s.admin, ""))
	if status != 200 || body.(map[string]any)["answered"] != "by script" {
		t.Fatalf("short-circuit: %d %v", status, body)
	}
	if got := s.rec.take(); !reflect.DeepEqual(got, []string{"system.role.post.pre_process", "system.role.post.post_process", "system.role.post.queued"}) {
		t.Errorf("events %v", got)
	}
	s.rec.hook = nil
	if n := s.count("role"); n != 0 {
		t.Fatalf("the handler ran despite the short-circuit: %d roles", n)
	}

	var sawError bool
	s.rec.hook = func(name string, ev *platform.Event) error {
		switch name {
		case "system.role.post.pre_process":
			return &platform.Error{Status: 422, Code: 422, Message: "name is reserved"}
		case "system.role.post.post_process":
			sawError = ev.Response.Err != nil && ev.Response.Err.Message == "name is reserved"
		}
		return nil
	}
	status, body = s.do("POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "r"}}}, creds(s.admin, ""))
	if status != 422 || errorMessage(body) != "name is reserved" {
		t.Fatalf("failing pre_process: %d %v", status, body)
	}
	if !sawError {
		t.Error("post_process did not see the error response")
	}
	s.rec.hook = func(name string, ev *platform.Event) error {
		if name == "system.role.post.pre_process" {
			return errors.New("script crashed")
		}
		return nil
	}
	status, body = s.do("POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{"name": "r"}}}, creds(s.admin, ""))
	if status != 500 || errorMessage(body) == "" || errorMessage(body) == "script crashed" {
		t.Fatalf("an internal failure must be a 500 that hides its cause: %d %v", status, body)
	}
	s.rec.hook = nil
	if n := s.count("role"); n != 0 {
		t.Fatalf("a failed pre_process let the write through: %d roles", n)
	}
}
