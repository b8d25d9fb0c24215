package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// gqlData runs an operation on /graphql/{service} and returns data and errors.
func (s *server) gqlData(service, query string, vars map[string]any, headers map[string]string) (map[string]any, []any) {
	s.t.Helper()
	status, out := s.do("POST", "/graphql/"+service, map[string]any{"query": query, "variables": vars}, headers)
	m, _ := out.(map[string]any)
	if m == nil {
		s.t.Fatalf("graphql/%s: status %d, body %v", service, status, out)
	}
	data, _ := m["data"].(map[string]any)
	errs, _ := m["errors"].([]any)
	return data, errs
}

// mustData runs an operation as the admin and fails on any error.
func (s *server) mustData(service, query string, vars map[string]any) map[string]any {
	s.t.Helper()
	data, errs := s.gqlData(service, query, vars, creds(s.admin, ""))
	if len(errs) > 0 {
		s.t.Fatalf("graphql/%s %s: %v", service, query, errs)
	}
	return data
}

// project keeps the given keys of each REST record (JSON round trip, so numbers compare).
func project(list any, keys ...string) []any {
	var out []any
	for _, r := range list.([]any) {
		m := r.(map[string]any)
		p := map[string]any{}
		for _, k := range keys {
			p[k] = m[k]
		}
		out = append(out, p)
	}
	return out
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestGraphQLDataParity: the address book through /graphql/db — filters, ordering, paging,
// _by_pk, _aggregate and nested belongs_to / has_many / many_many relations — answers the rows
// REST answers for the same calls, on every database kind.
func TestGraphQLDataParity(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			cfg := addressBook(t, kind, s.m.DataDir)
			addressBookGroups(t, kind, s.m.DataDir, cfg)
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			q := url.QueryEscape

			// Filters with quotes, parentheses, IN lists, LIKE, IS NULL, NOT and OR.
			cases := []struct{ where, filter string }{
				{`{last_name: {_in: ["Doe", "Smith"]}}`, "last_name IN ('Doe','Smith')"},
				{`{notes: {_eq: "O'Brien's friend"}}`, "notes = 'O''Brien''s friend'"},
				{`{notes: {_like: "%(parentheses)%"}}`, "notes LIKE '%(parentheses)%'"},
				{`{notes: {_is_null: true}}`, "notes IS NULL"},
				{`{_not: {first_name: {_eq: "Jane"}}, id: {_gt: 1}}`, "(NOT (first_name = 'Jane')) AND (id > 1)"},
				{`{_or: [{first_name: {_eq: "Jim"}}, {last_name: {_nin: ["Doe", "Smith", "Beam"]}}]}`, "(first_name = 'Jim') OR (last_name NOT IN ('Doe','Smith','Beam'))"},
				{`{first_name: {_eq: "x' OR 1=1 --"}}`, "first_name = 'x'' OR 1=1 --'"},
			}
			for _, c := range cases {
				data := s.mustData("db", `{ contact(where: `+c.where+`, order_by: [{last_name: desc}]) { id first_name last_name notes } }`, nil)
				rest := s.must(200, "GET", "/api/v2/db/_table/contact?order=last_name+desc&fields=id,first_name,last_name,notes&filter="+q(c.filter), nil)
				if want := rest.(map[string]any)["resource"]; !jsonEqual(data["contact"], want) {
					t.Errorf("where %s:\n graphql %v\n rest    %v", c.where, data["contact"], want)
				}
			}

			// Nested has_many with its own where / order_by / limit, belongs_to, many_many.
			data := s.mustData("db", `{
				contact(order_by: {id: asc}, limit: 3, offset: 0) {
					id first_name
					contact_info_by_contact_id(order_by: [{info_type: desc}]) { info_type email }
					work: contact_info_by_contact_id(where: {info_type: {_eq: "work"}}) { email }
					contact_group_by_contact_group_relationship(order_by: {name: asc}) { name }
				}
				contact_info(order_by: {id: asc}) { id contact_by_contact_id { first_name } }
				contact_by_pk(id: 2) { first_name contact_info_by_contact_id { email } }
				missing: contact_by_pk(id: 999) { id }
				contact_aggregate(where: {notes: {_is_null: true}}) { count }
			}`, nil)
			rest := s.must(200, "GET", "/api/v2/db/_table/contact?order=id&limit=3&related="+q("contact_info_by_contact_id,contact_group_by_contact_group_relationship"), nil).(map[string]any)["resource"].([]any)
			got := data["contact"].([]any)
			if len(got) != len(rest) {
				t.Fatalf("contact: %d rows, REST %d", len(got), len(rest))
			}
			for i, r := range rest {
				rm, gm := r.(map[string]any), got[i].(map[string]any)
				infos := project(rm["contact_info_by_contact_id"], "info_type", "email")
				sort.Slice(infos, func(a, b int) bool {
					return infos[a].(map[string]any)["info_type"].(string) > infos[b].(map[string]any)["info_type"].(string)
				})
				if infos == nil {
					infos = []any{}
				}
				if rm["id"] != gm["id"] || !jsonEqual(gm["contact_info_by_contact_id"], infos) {
					t.Errorf("contact %v infos: graphql %v, REST %v", rm["id"], gm["contact_info_by_contact_id"], infos)
				}
				var work []any
				for _, in := range infos {
					if in.(map[string]any)["info_type"] == "work" {
						work = append(work, map[string]any{"email": in.(map[string]any)["email"]})
					}
				}
				if work == nil {
					work = []any{}
				}
				if !jsonEqual(gm["work"], work) {
					t.Errorf("contact %v work: %v, want %v", rm["id"], gm["work"], work)
				}
				groups := project(rm["contact_group_by_contact_group_relationship"], "name")
				sort.Slice(groups, func(a, b int) bool {
					return groups[a].(map[string]any)["name"].(string) < groups[b].(map[string]any)["name"].(string)
				})
				if groups == nil {
					groups = []any{}
				}
				if !jsonEqual(gm["contact_group_by_contact_group_relationship"], groups) {
					t.Errorf("contact %v groups: graphql %v, REST %v", rm["id"], gm["contact_group_by_contact_group_relationship"], groups)
				}
			}
			restInfo := s.must(200, "GET", "/api/v2/db/_table/contact_info?order=id&related=contact_by_contact_id", nil).(map[string]any)["resource"].([]any)
			for i, r := range restInfo {
				rm, gm := r.(map[string]any), data["contact_info"].([]any)[i].(map[string]any)
				want := rm["contact_by_contact_id"].(map[string]any)["first_name"]
				if gm["contact_by_contact_id"].(map[string]any)["first_name"] != want {
					t.Errorf("info %v contact: %v, want %v", rm["id"], gm["contact_by_contact_id"], want)
				}
			}
			if got := fmt.Sprint(data["contact_by_pk"]); got != "map[contact_info_by_contact_id:[map[email:john@home.test]] first_name:John]" {
				t.Errorf("contact_by_pk: %s", got)
			}
			if data["missing"] != nil {
				t.Errorf("missing row: %v", data["missing"])
			}
			n := s.must(200, "GET", "/api/v2/db/_table/contact?count_only=true&filter="+q("notes IS NULL"), nil)
			if c := data["contact_aggregate"].(map[string]any)["count"]; c != n {
				t.Errorf("aggregate count %v, REST %v", c, n)
			}

			// Errors: an unknown field is a validation error; a limit over the page size is refused.
			if _, errs := s.gqlData("db", `{ contact { nope } }`, nil, creds(s.admin, "")); len(errs) == 0 {
				t.Error("unknown field accepted")
			}
			_, errs := s.gqlData("db", `{ contact(limit: 5000) { id } }`, nil, creds(s.admin, ""))
			if len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), "PAGE_SIZE_LIMIT_EXCEEDED") {
				t.Errorf("limit over the page size: %v", errs)
			}
			if !reflect.DeepEqual(s.mustData("db", `{ contact(limit: 0) { id } }`, nil)["contact"], []any{}) {
				t.Error("limit 0")
			}
		})
	}
}
