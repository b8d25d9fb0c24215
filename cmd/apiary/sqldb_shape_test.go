package main

import (
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
)

// TestRepeatedReadsKeepCallerParts: a list read's SQL is built once per query shape (filter
// text, order, page) and reused, but nothing that depends on the caller comes from an earlier
// read of the same shape: the role's row filters, {lookup} values and :param values in the
// filter, the order and the page are each the current request's.
func TestRepeatedReadsKeepCallerParts(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			dbID := s.addressBookService(kind)
			f := s.readerFixture() // the fixture's user has id 2, the admin id 1
			s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
				map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1,
					"filters": []any{map[string]any{"name": "last_name", "operator": "!=", "value": "Beam"}}},
			}})
			user, admin := creds(f.token, f.key), creds(s.admin, "")
			names := func(who map[string]string, method, query string, body any) string {
				t.Helper()
				h := maps.Clone(who)
				if method == "POST" {
					h["X-HTTP-Method"] = "GET"
				}
				status, out := s.do(method, "/api/v2/db/_table/contact?fields=first_name"+query, body, h)
				if status != 200 {
					t.Fatalf("%s %s: %d %v", method, query, status, out)
				}
				var got []string
				for _, r := range recordsOf(out) {
					got = append(got, fmt.Sprint(r["first_name"]))
				}
				return strings.Join(got, ",")
			}
			filter := func(f string) string { return "&filter=" + url.QueryEscape(f) }

			// The admin reads a shape first, then a user whose row filter hides Jim, then the
			// admin again: the row filter applies to the user's read only.
			for _, c := range []struct {
				who        map[string]string
				whom, want string
			}{{admin, "admin", "Jane,John,Jim,Alice"}, {user, "user", "Jane,John,Alice"}, {admin, "admin again", "Jane,John,Jim,Alice"}} {
				if got := names(c.who, "GET", filter("id > 0"), nil); got != c.want {
					t.Errorf("%s: id > 0 read %q, want %q", c.whom, got, c.want)
				}
			}
			// So does it to the count of the same shape.
			for _, c := range []struct {
				who  map[string]string
				want float64
			}{{admin, 4}, {user, 3}, {admin, 4}} {
				_, out := s.do("GET", "/api/v2/db/_table/contact?include_count=true"+filter("id > 0"), nil, c.who)
				if n, _ := out.(map[string]any)["meta"].(map[string]any)["count"].(float64); n != c.want {
					t.Errorf("include_count: %v, want %v", out.(map[string]any)["meta"], c.want)
				}
			}
			// {user.id} is each caller's own.
			if got := names(admin, "GET", filter("id = {user.id}"), nil); got != "Jane" {
				t.Errorf("admin: id = {user.id} read %q, want Jane (user 1)", got)
			}
			if got := names(user, "GET", filter("id = {user.id}"), nil); got != "John" {
				t.Errorf("user: id = {user.id} read %q, want John (user 2)", got)
			}
			// :params in the body of a tunnelled GET are each request's own.
			for id, want := range map[int]string{1: "Jane", 3: "Jim", 4: "Alice"} {
				body := map[string]any{"filter": "id = :id", "params": map[string]any{":id": id}}
				if got := names(admin, "POST", "", body); got != want {
					t.Errorf("id = :id with :id %d read %q, want %q", id, got, want)
				}
			}
			// Order and page are part of the shape.
			for _, c := range []struct{ query, want string }{
				{"&order=first_name%20desc&limit=2", "John,Jim"},
				{"&order=first_name%20desc&limit=2&offset=1", "Jim,Jane"},
				{"&order=first_name&limit=2", "Alice,Jane"},
				{"&order=first_name&limit=3", "Alice,Jane,Jim"},
			} {
				if got := names(admin, "GET", filter("id > 0")+c.query, nil); got != c.want {
					t.Errorf("id > 0%s read %q, want %q", c.query, got, c.want)
				}
			}
		})
	}
}
