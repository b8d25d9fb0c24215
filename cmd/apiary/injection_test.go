package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestSQLInjection runs every injection class of DreamFactory's SqlInjectionTest against each
// database: each attempt is refused with a 4xx or is harmless (bound as a value), the table
// survives, and no attempt takes the time a SLEEP would.
func TestSQLInjection(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			q := url.QueryEscape
			base := "/api/v2/db/_table/contact"
			attacks := []string{
				"?filter=" + q("id = 1 OR 1=1"),
				"?filter=" + q("first_name = 'x' OR '1'='1'"),
				"?filter=" + q("first_name = 'x' UNION SELECT name, name, name, name FROM sqlite_master --"),
				"?filter=" + q("id = 1; DROP TABLE contact"),
				"?filter=" + q("id = 1) OR (1=1"),
				"?filter=" + q("first_name = SLEEP(3)"),
				"?filter=" + q("first_name = (SELECT pg_sleep(3))"),
				"?filter=" + q("id = 1 AND SLEEP(3)"),
				"?filter=" + q(`first_name" FROM contact; -- = 1`),
				"?fields=" + q("first_name, (SELECT 1) AS x"),
				"?fields=" + q(`first_name" FROM contact; --`),
				"?order=" + q("first_name; DROP TABLE contact"),
				"?order=" + q("(SELECT 1)"),
				"?order=" + q("first_name, SLEEP(3)"),
				"?group=" + q("first_name; DROP TABLE contact"),
				"?ids=" + q("1 OR 1=1"),
				"?ids=" + q("1); DROP TABLE contact; --"),
				"?limit=" + q("1; DROP TABLE contact"),
				"?offset=" + q("0 UNION SELECT 1"),
				"/1" + q(" OR 1=1"),
			}
			for _, a := range attacks {
				start := time.Now()
				status, body := s.do("GET", base+a, nil, creds(s.admin, ""))
				if time.Since(start) > 2*time.Second {
					t.Errorf("%s took %v: a SLEEP ran", a, time.Since(start))
				}
				if status >= 500 {
					t.Errorf("%s: %d %v", a, status, body)
					continue
				}
				if status == 200 {
					if list, ok := body.(map[string]any)["resource"].([]any); ok && len(list) > 1 {
						t.Errorf("%s returned %d rows: the injection widened the query", a, len(list))
					}
				}
			}
			// Values written with SQL in them are stored as text.
			payload := `Robert'); DROP TABLE contact; --`
			id := firstID(s.must(200, "POST", base, rec(map[string]any{"first_name": payload, "last_name": "Tables"})))
			got := s.must(200, "GET", fmt.Sprintf("%s/%d?fields=first_name", base, id), nil).(map[string]any)
			if got["first_name"] != payload {
				t.Errorf("stored value: %v", got["first_name"])
			}
			if n := s.must(200, "GET", base+"?count_only=true", nil); n.(float64) != 5 {
				t.Fatalf("the table changed: %v rows", n)
			}
		})
	}
}
