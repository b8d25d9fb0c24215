package main

import (
	"encoding/json"
	"strconv"
	"testing"
)

// TestGraphQLDataRepeatedQueries: the same query text sent again answers from each request's
// own variables — @include and @skip decided anew — and the collected fields of a static
// query (aliases, fragments, nested sets) are reused without mixing them up.
func TestGraphQLDataRepeatedQueries(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.addressBookService("sqlite")

	const conditional = `query($withName: Boolean!, $id: Int!) {
		contact_by_pk(id: $id) { id first_name @include(if: $withName) last_name @skip(if: $withName) }
	}`
	for _, c := range []struct {
		with bool
		want string
	}{{true, `{"first_name":"Jane","id":1}`}, {false, `{"id":1,"last_name":"Doe"}`}, {true, `{"first_name":"Jane","id":1}`}} {
		got := s.mustData("db", conditional, map[string]any{"withName": c.with, "id": 1})["contact_by_pk"]
		if !jsonEqual(got, json.RawMessage(c.want)) {
			t.Errorf("withName=%v: %v, want %s", c.with, got, c.want)
		}
	}

	const static = `query($id: Int!) {
		a: contact_by_pk(id: $id) { ...names }
		b: contact_by_pk(id: 2) { ...names id }
		contact_info_by_pk(id: 1) { id contact_by_contact_id { ...names } }
	}
	fragment names on contact { first_name last_name }`
	for _, id := range []int{1, 2, 1} {
		data := s.mustData("db", static, map[string]any{"id": id})
		want := s.must(200, "GET", "/api/v2/db/_table/contact/"+strconv.Itoa(id)+"?fields=first_name,last_name", nil)
		if !jsonEqual(data["a"], want) {
			t.Errorf("id %d: a = %v, want %v", id, data["a"], want)
		}
		if b := data["b"].(map[string]any); b["id"] != float64(2) || b["first_name"] == nil {
			t.Errorf("id %d: b = %v", id, b)
		}
		if ci := data["contact_info_by_pk"].(map[string]any)["contact_by_contact_id"].(map[string]any); ci["first_name"] == nil || len(ci) != 2 {
			t.Errorf("id %d: contact_info_by_pk.contact_by_contact_id = %v", id, ci)
		}
	}

	// Selection sets that gqlgen merges from a fragment and a field begin with the same
	// selection and have the same length, yet ask for different fields.
	const merged = `{
		a: contact_info_by_pk(id: 1) { ...contactID contact_by_contact_id { first_name } }
		b: contact_info_by_pk(id: 1) { ...contactID contact_by_contact_id { last_name } }
	}
	fragment contactID on contact_info { contact_by_contact_id { id } }`
	for range 2 {
		data := s.mustData("db", merged, nil)
		for alias, want := range map[string]string{"a": `{"first_name":"Jane","id":1}`, "b": `{"id":1,"last_name":"Doe"}`} {
			if got := data[alias].(map[string]any)["contact_by_contact_id"]; !jsonEqual(got, json.RawMessage(want)) {
				t.Errorf("%s.contact_by_contact_id = %v, want %s", alias, got, want)
			}
		}
	}
}
