package main

import (
	"fmt"
	"net"
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
			s.addressBookService(kind, "max_records", 3)
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
			s.addressBookService(kind)
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

// TestIDFieldOnWrites: id_field names the fields that identify records on writes too — in
// the path, in ids=, in the records, and in what the write answers.
func TestIDFieldOnWrites(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			base := "/api/v2/db/_table/contact_info"
			out := s.must(200, "POST", base+"?id_field=email", rec(map[string]any{"contact_id": 3, "info_type": "home", "email": "jim@home.test"}))
			if got := fmt.Sprint(out); got != "map[resource:[map[email:jim@home.test]]]" {
				t.Errorf("POST answers the id_field: %s", got)
			}
			out = s.must(200, "PATCH", base+"?id_field=email", rec(map[string]any{"email": "jane@work.test", "info_type": "office"}))
			if got := fmt.Sprint(out); got != "map[resource:[map[email:jane@work.test]]]" {
				t.Errorf("PATCH by records' email: %s", got)
			}
			out = s.must(200, "PATCH", base+"/"+url.PathEscape("john@home.test")+"?id_field=email", map[string]any{"info_type": "cell"})
			if got := fmt.Sprint(out); got != "map[email:john@home.test]" {
				t.Errorf("PATCH by path: %s", got)
			}
			s.must(200, "DELETE", base+"?id_field=email&ids="+url.QueryEscape("jim@home.test"), nil)
			rows := s.must(200, "GET", base+"?fields=email,info_type&order=id", nil).(map[string]any)["resource"]
			if got := fmt.Sprint(rows); got != "[map[email:jane@home.test info_type:home] map[email:jane@work.test info_type:office] map[email:john@home.test info_type:cell]]" {
				t.Errorf("rows: %s", got)
			}
			if status, body := s.do("PATCH", base+"?id_field=nope", rec(map[string]any{"email": "x"}), creds(s.admin, "")); status != 400 ||
				errorMessage(body) != "Invalid id_field 'nope': no such field in table 'contact_info'." {
				t.Errorf("unknown id_field: %d %v", status, body)
			}
		})
	}
}

// TestEventsWithAnUnreachableDatabase: system/event lists every service's events even when a
// database does not answer: that service shows its templated events once its statement
// timeout has passed, and the others are complete.
func TestEventsWithAnUnreachableDatabase(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")
	// A server that accepts connections and never answers: connecting hangs.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "gone", "type": "pgsql",
		"config": map[string]any{"host": "127.0.0.1", "port": port, "database": "x", "username": "x", "statement_timeout": 1}}))
	list := fmt.Sprint(s.must(200, "GET", "/api/v2/system/event?as_list=true", nil))
	for _, want := range []string{"db._table.contact.get", "gone._table.{table_name}.get", "system.role.get"} {
		if !strings.Contains(list, want+" ") && !strings.Contains(list, want+"]") {
			t.Errorf("system/event lacks %s", want)
		}
	}
}
