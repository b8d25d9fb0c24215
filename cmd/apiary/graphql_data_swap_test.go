package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiary/apiary/platform"
)

// TestGraphQLDataInFlightSwap: a request held open (its pre_process event blocks) while a
// _schema change swaps the service's handler finishes on the schema it started with — its
// __type, resolved after the change, lacks the new column — while a request started meanwhile
// sees the new schema, and so do requests after it.
func TestGraphQLDataInFlightSwap(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")
	s.mustData("db", `{ contact(limit: 1) { id } }`, nil) // the first generation is built

	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.rec.mu.Lock()
	s.rec.hook = func(name string, _ *platform.Event) error {
		if name == "db._table.contact.get.pre_process" {
			once.Do(func() {
				close(started)
				<-release
			})
		}
		return nil
	}
	s.rec.mu.Unlock()
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})

	const fields = `__type(name: "contact") { fields { name } }`
	type answer struct {
		data map[string]any
		errs []any
	}
	held := make(chan answer, 1)
	go func() {
		// contact first: it blocks; __type is resolved only after the schema change.
		data, errs := s.gqlData("db", `{ contact(order_by: {id: asc}, limit: 2) { id first_name } `+fields+` }`, nil, creds(s.admin, ""))
		held <- answer{data, errs}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the held request did not reach its pre_process event")
	}

	s.must(200, "PATCH", "/api/v2/db/_schema/contact", map[string]any{"field": []any{map[string]any{"name": "twitter", "type": "string", "length": 32}}})
	s.must(200, "PATCH", "/api/v2/db/_table/contact/1", map[string]any{"twitter": "@jane"})
	// A request started while the old one is held sees the new schema.
	data := s.mustData("db", `{ contact_by_pk(id: 1) { twitter } `+fields+` }`, nil)
	if got := fmt.Sprint(data); !strings.Contains(got, "twitter:@jane") || !strings.Contains(got, "name:twitter") {
		t.Errorf("a new request during the held one: %s", got)
	}
	close(release)

	var a answer
	select {
	case a = <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the held request did not finish")
	}
	if len(a.errs) > 0 {
		t.Fatalf("the held request: %v", a.errs)
	}
	if got := fmt.Sprint(a.data["contact"]); got != "[map[first_name:Jane id:1] map[first_name:John id:2]]" {
		t.Errorf("the held request's rows: %s", got)
	}
	if got := fmt.Sprint(a.data["__type"]); strings.Contains(got, "twitter") || !strings.Contains(got, "name:first_name") {
		t.Errorf("the held request's schema is not the one it started with: %s", got)
	}
	// And after it, the new schema.
	if _, errs := s.gqlData("db", `{ contact(limit: 1) { twitter } }`, nil, creds(s.admin, "")); len(errs) > 0 {
		t.Errorf("after the swap: %v", errs)
	}
}
