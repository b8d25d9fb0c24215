package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestAutoPaging: without a valid limit, reads page by max_records and say so in meta, as
// DreamFactory does (meta.count when there are more than max_records, meta.next while records
// remain); a valid limit gives no meta.
func TestAutoPaging(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			cfg := addressBook(t, kind, s.m.DataDir)
			cfg["max_records"] = 3
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			for _, c := range []struct{ query, want string }{
				{"", "ids [1 2 3] meta map[count:4 next:3]"},
				{"limit=0", "ids [1 2 3] meta map[count:4 next:3]"},
				{"limit=50", "ids [1 2 3] meta map[count:4 next:3]"},
				{"offset=1", "ids [2 3 4] meta map[count:4]"},
				{"offset=3", "ids [4] meta map[count:4]"},
				{"limit=2", "ids [1 2] meta <nil>"},
				{"limit=3", "ids [1 2 3] meta <nil>"},
				{"limit=2&include_count=true", "ids [1 2] meta map[count:4]"},
				{"filter=" + url.QueryEscape("id > 2"), "ids [3 4] meta <nil>"},
				{"filter=" + url.QueryEscape("id > 2") + "&include_count=true", "ids [3 4] meta map[count:2]"},
			} {
				out := s.must(200, "GET", "/api/v2/db/_table/contact?fields=id&order=id&"+c.query, nil).(map[string]any)
				var ids []any
				for _, r := range out["resource"].([]any) {
					ids = append(ids, r.(map[string]any)["id"])
				}
				if got := fmt.Sprintf("ids %v meta %v", ids, out["meta"]); got != c.want {
					t.Errorf("%s: %s, want %s", c.query, got, c.want)
				}
			}
		})
	}
}

// TestLimitsOnClientInput: an ids list beyond what one statement can bind, and grouped reads
// the database refuses, are the client's 400s — never a 500.
func TestLimitsOnClientInput(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			cfg := addressBook(t, kind, s.m.DataDir)
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			ids := make([]string, 10001)
			for i := range ids {
				ids[i] = fmt.Sprint(i + 1)
			}
			list := strings.Join(ids, ",")
			status, body := s.do("GET", "/api/v2/db/_table/contact", map[string]any{"ids": list}, map[string]string{
				"X-HTTP-Method": "GET", "Authorization": "Bearer " + s.admin})
			if status != 400 || errorMessage(body) != "The ids parameter lists 10001 identifiers; at most 10000 are accepted per request." {
				t.Errorf("GET with 10001 ids: %d %.200s", status, errorMessage(body))
			}
			status, body = s.do("DELETE", "/api/v2/db/_table/contact?ids="+list, nil, creds(s.admin, ""))
			if status != 400 || !strings.Contains(errorMessage(body), "at most 10000") {
				t.Errorf("DELETE with 10001 ids: %d %.200s", status, errorMessage(body))
			}
			if got := s.contacts("id"); got != "1,2,3,4" {
				t.Errorf("rows after refused deletes: %s", got)
			}
			q := url.QueryEscape
			for _, bad := range []string{
				"group=contact_id&fields=" + q("contact_id,COUNT(*)") + "&order=email",
				"group=contact_id&fields=" + q("contact_id,SUM(email)"),
				"filter=" + q("id = 'abc'"),
			} {
				if status, body := s.do("GET", "/api/v2/db/_table/contact_info?"+bad, nil, creds(s.admin, "")); status >= 500 {
					t.Errorf("%s: %d %v", bad, status, body)
				}
			}
		})
	}
}
