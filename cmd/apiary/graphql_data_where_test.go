package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apiary/apiary/platform/store"
)

// ids lists the id of each row of a GraphQL list, in order.
func ids(list any) string {
	var out []string
	for _, r := range list.([]any) {
		out = append(out, fmt.Sprint(r.(map[string]any)["id"]))
	}
	return strings.Join(out, ",")
}

// restIDs lists the ids of a REST read of table with filter, in id order.
func (s *server) restIDs(table, filter string) string {
	s.t.Helper()
	body := s.must(200, "GET", "/api/v2/db/_table/"+table+"?order=id&fields=id&filter="+url.QueryEscape(filter), nil)
	return ids(body.(map[string]any)["resource"])
}

// restColumn lists the distinct values of column in a REST read of table with filter, as an
// IN list.
func (s *server) restColumn(table, column, filter string) string {
	s.t.Helper()
	body := s.must(200, "GET", "/api/v2/db/_table/"+table+"?fields="+column+"&filter="+url.QueryEscape(filter), nil)
	seen := map[string]bool{}
	var out []string
	for _, r := range body.(map[string]any)["resource"].([]any) {
		v := fmt.Sprint(r.(map[string]any)[column])
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	if out == nil {
		return "(0)"
	}
	return "(" + strings.Join(out, ",") + ")"
}

// TestGraphQLDataWhereRelations: a where on a relation field (belongs_to: the parent matches;
// has_many and many_many: at least one related row matches) answers the rows of the equivalent
// REST calls (the related table read first, its keys as an IN filter), on every database kind,
// in lists, aggregates, nested relations and mutations, nested in turn and under _not and _or.
func TestGraphQLDataWhereRelations(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookGroupsService(kind)
			homeContacts := s.restColumn("contact_info", "contact_id", "info_type = 'home'")
			work := s.restColumn("contact_group", "id", "name = 'Work'")
			workContacts := s.restColumn("contact_group_relationship", "contact_id", "contact_group_id IN "+work)
			family := s.restColumn("contact_group_relationship", "contact_id", "contact_group_id IN "+s.restColumn("contact_group", "id", "name = 'Family'"))
			cases := []struct{ table, where, rest, want string }{
				{"contact", `{contact_info_by_contact_id: {info_type: {_eq: "home"}}}`, "id IN " + homeContacts, "1,2"},
				{"contact", `{_not: {contact_info_by_contact_id: {info_type: {_eq: "home"}}}}`, "NOT (id IN " + homeContacts + ")", "3,4"},
				{"contact", `{contact_info_by_contact_id: {}}`, "id IN " + s.restColumn("contact_info", "contact_id", "id IS NOT NULL"), "1,2"},
				{"contact", `{contact_group_by_contact_group_relationship: {name: {_eq: "Work"}}}`, "id IN " + workContacts, "1,2"},
				{"contact", `{contact_group_by_contact_group_relationship: {name: {_eq: "Family"}}, last_name: {_neq: "x"}}`, "id IN " + family, "1"},
				{"contact", `{_or: [{id: {_eq: 3}}, {contact_info_by_contact_id: {email: {_like: "john%"}}}]}`,
					"id = 3 OR id IN " + s.restColumn("contact_info", "contact_id", "email LIKE 'john%'"), "2,3"},
				{"contact_info", `{contact_by_contact_id: {first_name: {_eq: "Jane"}}}`, "contact_id IN " + s.restColumn("contact", "id", "first_name = 'Jane'"), "1,2"},
				{"contact_info", `{contact_by_contact_id: {contact_group_by_contact_group_relationship: {name: {_eq: "Family"}}}}`, "contact_id IN " + family, "1,2"},
				{"contact_info", `{contact_by_contact_id: {first_name: {_eq: "nobody"}}}`, "contact_id IN (0)", ""},
			}
			for _, c := range cases {
				data := s.mustData("db", `{ `+c.table+`(where: `+c.where+`, order_by: {id: asc}) { id } n: `+c.table+`_aggregate(where: `+c.where+`) { count } }`, nil)
				got, rest := ids(data[c.table]), s.restIDs(c.table, c.rest)
				if got != rest || got != c.want {
					t.Errorf("%s where %s: graphql %q, REST %q, want %q", c.table, c.where, got, rest, c.want)
				}
				count := 0
				if c.want != "" {
					count = len(strings.Split(c.want, ","))
				}
				if n := fmt.Sprint(data["n"].(map[string]any)["count"]); n != fmt.Sprint(count) {
					t.Errorf("%s_aggregate where %s: count %s, want %d", c.table, c.where, n, count)
				}
			}
			// In a nested relation's where, and in a mutation's.
			data := s.mustData("db", `{ contact(where: {id: {_in: [1, 2]}}, order_by: {id: asc}) { id contact_info_by_contact_id(where: {contact_by_contact_id: {last_name: {_eq: "Doe"}}}) { id } } }`, nil)
			if got := fmt.Sprint(data["contact"]); got != "[map[contact_info_by_contact_id:[map[id:1] map[id:2]] id:1] map[contact_info_by_contact_id:[] id:2]]" {
				t.Errorf("nested relation where: %s", got)
			}
			data = s.mustData("db", `mutation { update_contact(where: {contact_info_by_contact_id: {info_type: {_eq: "work"}}}, _set: {notes: "has work"}) { affected_rows returning { id } } }`, nil)
			if got := fmt.Sprint(data); got != "map[update_contact:map[affected_rows:1 returning:[map[id:1]]]]" {
				t.Errorf("update where on a relation: %s", got)
			}
			// Bad input is a 400 GraphQL error.
			_, errs := s.gqlData("db", `{ contact(where: {contact_info_by_contact_id: {nope: {_eq: 1}}}) { id } }`, nil, creds(s.admin, ""))
			if len(errs) == 0 {
				t.Error("an unknown field in a relation's where was accepted")
			}
		})
	}
}

// TestGraphQLDataWhereRelationAccess: a condition on a relation reads the related table as the
// caller, through the pipeline: its row filters narrow the match, its scripts fire under the
// REST names, a role that may not read it has no such input field, and key sets and relation
// conditions are bounded with clear errors.
func TestGraphQLDataWhereRelationAccess(t *testing.T) {
	s := MustServe(t, "sqlite")
	dbID := s.addressBookService("sqlite")
	f := s.readerFixture()
	setAccess := func(rows ...any) {
		s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": rows})
	}
	contactRow := map[string]any{"service_id": dbID, "component": "_table/contact/*", "verb_mask": 1, "requestor_mask": 1}
	setAccess(contactRow, map[string]any{"service_id": dbID, "component": "_table/contact_info/*", "verb_mask": 1, "requestor_mask": 1,
		"filters": []any{map[string]any{"name": "info_type", "operator": "=", "value": "work"}}})
	as := creds(f.token, f.key)

	// The row filter on contact_info (work rows only) applies to the relation condition.
	s.rec.take()
	data, errs := s.gqlData("db", `{ contact(where: {contact_info_by_contact_id: {}}) { id } }`, nil, as)
	if len(errs) > 0 || ids(data["contact"]) != "1" {
		t.Errorf("row-filtered relation condition: %v %v", data, errs)
	}
	want := "db._table.{table_name}.get.pre_process,db._table.contact_info.get.pre_process," +
		"db._table.{table_name}.get.post_process,db._table.contact_info.get.post_process," +
		"db._table.{table_name}.get.queued,db._table.contact_info.get.queued," +
		"db._table.{table_name}.get.pre_process,db._table.contact.get.pre_process," +
		"db._table.{table_name}.get.post_process,db._table.contact.get.post_process," +
		"db._table.{table_name}.get.queued,db._table.contact.get.queued"
	if got := strings.Join(s.rec.take(), ","); got != want {
		t.Errorf("events:\n%s\nwant\n%s", got, want)
	}

	// Without read access to contact_info (another app whose role reads only contact): the
	// input field is not in the role's schema.
	role := firstID(s.must(201, "POST", "/api/v2/system/role", map[string]any{"resource": []any{map[string]any{
		"name": "contacts only", "role_service_access_by_role_id": []any{contactRow}}}}))
	app := firstID(s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "contacts", "role_id": role})))
	key := s.must(200, "GET", fmt.Sprintf("/api/v2/system/app/%d?fields=api_key", app), nil).(map[string]any)["api_key"].(string)
	as = creds(s.login("user/session", "u@example.com", "userpass1", key), key)
	data, errs = s.gqlData("db", `{ __type(name: "contact_bool_exp") { inputFields { name } } }`, nil, as)
	if got := fmt.Sprint(data); len(errs) > 0 || strings.Contains(got, "contact_info_by_contact_id") || !strings.Contains(got, "first_name") {
		t.Errorf("contact_bool_exp for a role without contact_info: %s %v", got, errs)
	}
	_, errs = s.gqlData("db", `{ contact(where: {contact_info_by_contact_id: {}}) { id } }`, nil, as)
	if !strings.Contains(fmt.Sprint(errs), `Field "contact_info_by_contact_id" is not defined by type "contact_bool_exp"`) {
		t.Errorf("a relation condition without read access: %v", errs)
	}
	data, errs = s.gqlData("db", `{ __type(name: "contact_bool_exp") { inputFields { name type { name } } } }`, nil, creds(s.admin, ""))
	if got := fmt.Sprint(data); len(errs) > 0 || !strings.Contains(got, "map[name:contact_info_by_contact_id type:map[name:contact_info_bool_exp]]") {
		t.Errorf("contact_bool_exp for the admin: %s %v", got, errs)
	}

	// More relation conditions than an operation may resolve.
	var or []string
	for range 33 {
		or = append(or, `{contact_info_by_contact_id: {}}`)
	}
	_, errs = s.gqlData("db", `{ contact(where: {_or: [`+strings.Join(or, ",")+`]}) { id } }`, nil, creds(s.admin, ""))
	if !strings.Contains(fmt.Sprint(errs), "COMPLEXITY_LIMIT_EXCEEDED") {
		t.Errorf("33 relation conditions: %v", errs)
	}

	// A key set over the ids cap (10000) is a 400, not a 500 and not a silent cut.
	db, err := sql.Open("sqlite", store.SQLiteDSN(filepath.Join(s.m.DataDir, "addressbook.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10001)
		INSERT INTO contact (first_name, last_name) SELECT 'Bulk', 'Row' || i FROM n`); err != nil {
		t.Fatal(err)
	}
	_, errs = s.gqlData("db", `{ contact_info(where: {contact_by_contact_id: {first_name: {_eq: "Bulk"}}}) { id } }`, nil, creds(s.admin, ""))
	if len(errs) != 1 || !strings.Contains(fmt.Sprint(errs), "TOO_MANY_ROWS") || !strings.Contains(fmt.Sprint(errs), "status:400") {
		t.Errorf("a key set over the cap: %v", errs)
	}
	data = s.mustData("db", `{ contact_info_aggregate(where: {contact_by_contact_id: {first_name: {_eq: "Bulk"}, last_name: {_like: "Row1000%"}}}) { count } }`, nil)
	if got := fmt.Sprint(data); got != "map[contact_info_aggregate:map[count:0]]" {
		t.Errorf("a key set under the cap: %s", got)
	}
}
