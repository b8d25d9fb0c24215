package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestGraphQLDataMutationTransaction: the fields of one mutation operation are one
// transaction, on every database kind — a later field (and a relation condition) sees an
// earlier field's writes; a failing field rolls back the fields before it, the fields after it
// do not run, and the answer is the error with data null; a _by_pk field that finds no row is
// null, not a failure; queued events fire only once the operation committed.
func TestGraphQLDataMutationTransaction(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			notes := func(filter string) string {
				body := s.must(200, "GET", "/api/v2/db/_table/contact?order=id&fields=first_name,notes&filter="+url.QueryEscape(filter), nil)
				return fmt.Sprint(body.(map[string]any)["resource"])
			}
			count := func() any { return s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true", nil) }

			// Later fields see earlier ones; everything is committed at the end.
			s.rec.take()
			data := s.mustData("db", `mutation {
				a: insert_contact_one(object: {first_name: "T1", last_name: "X"}) { first_name }
				b: update_contact(where: {first_name: {_eq: "T1"}}, _set: {notes: "seen"}) { affected_rows returning { notes } }
				c: insert_contact_info_one(object: {contact_id: 3, info_type: "new", email: "jim@new.test"}) { email }
				d: update_contact(where: {contact_info_by_contact_id: {info_type: {_eq: "new"}}}, _set: {notes: "has new"}) { returning { first_name } }
				e: delete_contact_by_pk(id: 999) { id }
			}`, nil)
			events := s.rec.take()
			want := "map[a:map[first_name:T1] b:map[affected_rows:1 returning:[map[notes:seen]]] c:map[email:jim@new.test] d:map[returning:[map[first_name:Jim]]] e:<nil>]"
			if got := fmt.Sprint(data); got != want {
				t.Errorf("committed mutation:\n%s\nwant\n%s", got, want)
			}
			if got := notes("first_name IN ('T1','Jim')"); got != "[map[first_name:Jim notes:has new] map[first_name:T1 notes:seen]]" {
				t.Errorf("after commit: %s", got)
			}
			lastPost, firstQueued := -1, -1
			for i, n := range events {
				if strings.HasSuffix(n, ".post_process") {
					lastPost = i
				}
				if strings.HasSuffix(n, ".queued") && firstQueued < 0 {
					firstQueued = i
				}
			}
			if firstQueued < lastPost || firstQueued < 0 {
				t.Errorf("queued events before the commit: %v", events)
			}

			// A failing field rolls back the fields before it; the fields after it do not run.
			before := count()
			s.rec.take()
			data, errs := s.gqlData("db", `mutation {
				a: insert_contact_one(object: {first_name: "T2", last_name: "X"}) { id }
				b: update_contact(where: {first_name: {_eq: "Jane"}}, _set: {notes: "rolled back"}) { affected_rows }
				c: insert_contact_one(object: {id: 1, first_name: "Dup", last_name: "X"}) { id }
				d: delete_contact(where: {}) { affected_rows }
			}`, nil, creds(s.admin, ""))
			events = s.rec.take()
			if data != nil || len(errs) != 1 || fmt.Sprint(errs[0].(map[string]any)["path"]) != "[c]" {
				t.Errorf("failed mutation: data %v, errors %v", data, errs)
			}
			if after := count(); after != before {
				t.Errorf("contacts %v → %v", before, after)
			}
			if got := notes("first_name IN ('T2','Jane')"); got != "[map[first_name:Jane notes:likes (parentheses) and = signs]]" {
				t.Errorf("after rollback: %s", got)
			}
			for _, n := range events {
				if strings.HasSuffix(n, ".queued") {
					t.Errorf("queued event of a rolled-back mutation: %s", n)
				}
				if strings.Contains(n, ".delete.") {
					t.Errorf("a field after the failure ran: %s", n)
				}
			}
		})
	}
}
