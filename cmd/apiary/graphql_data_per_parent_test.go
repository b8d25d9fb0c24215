package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestGraphQLDataRelationLimitInSQL: a nested has_many or many_many with a limit reads at most
// that many rows per parent from the database (after its offset), in one statement for every
// parent, through one GET of the related table (its events fire once; a many_many's junction
// table is joined in and fires none).
func TestGraphQLDataRelationLimitInSQL(t *testing.T) {
	d := countingSQLite(t)
	s := MustServe(t, "sqlite")
	s.addressBookGroupsService("sqlite")
	// 16 more contacts (ids 5…20) with 5 infos each (e1…e5), each in both groups.
	var recs []any
	for i := 0; i < 16; i++ {
		var infos []any
		for j := 1; j <= 5; j++ {
			infos = append(infos, map[string]any{"info_type": "home", "email": fmt.Sprintf("e%d", j)})
		}
		recs = append(recs, map[string]any{"first_name": fmt.Sprint("F", i), "last_name": "L", "contact_info_by_contact_id": infos})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact", map[string]any{"resource": recs})
	var links []any
	for id := 5; id <= 20; id++ {
		links = append(links, map[string]any{"contact_id": id, "contact_group_id": 1}, map[string]any{"contact_id": id, "contact_group_id": 2})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact_group_relationship", map[string]any{"resource": links})
	s.mustData("db", `{ contact(limit: 1) { id contact_info_by_contact_id(limit: 1) { id } } }`, nil) // warm: introspection
	s.rec.take()

	// related renders each contact's relation as "[v v]" with field of the related rows, in
	// the order of the contacts.
	related := func(data map[string]any, rel, field string) string {
		var out []string
		for _, c := range data["contact"].([]any) {
			var vals []string
			for _, r := range c.(map[string]any)[rel].([]any) {
				vals = append(vals, fmt.Sprint(r.(map[string]any)[field]))
			}
			out = append(out, fmt.Sprint(vals))
		}
		return strings.Join(out, " ")
	}
	many := strings.Repeat(" [e5 e4]", 16)
	for _, tc := range []struct {
		name, query, rel, field, want string
		rows                          int64 // rows the database returned: 20 contacts and the related rows
		events                        []string
	}{
		{"has_many, limit 2", `{ contact(limit: 20, order_by: {id: asc}) { id contact_info_by_contact_id(limit: 2, order_by: {email: desc}) { email } } }`,
			"contact_info_by_contact_id", "email", "[jane@work.test jane@home.test] [john@home.test] [] []" + many, 20 + 2 + 1 + 16*2,
			[]string{"contact", "contact_info"}},
		{"has_many, limit 2 offset 1", `{ contact(limit: 20, order_by: {id: asc}) { id contact_info_by_contact_id(limit: 2, offset: 1, order_by: {email: asc}) { email } } }`,
			"contact_info_by_contact_id", "email", "[jane@work.test] [] [] []" + strings.Repeat(" [e2 e3]", 16), 20 + 1 + 16*2,
			[]string{"contact", "contact_info"}},
		{"has_many, limit 1 and a where", `{ contact(limit: 20, order_by: {id: asc}) { id contact_info_by_contact_id(limit: 1, where: {email: {_like: "%work%"}}) { email } } }`,
			"contact_info_by_contact_id", "email", "[jane@work.test] [] [] []" + strings.Repeat(" []", 16), 20 + 1,
			[]string{"contact", "contact_info"}},
		{"many_many, limit 1", `{ contact(limit: 20, order_by: {id: asc}) { id contact_group_by_contact_group_relationship(limit: 1, order_by: {name: desc}) { name } } }`,
			"contact_group_by_contact_group_relationship", "name", "[Work] [Work] [] []" + strings.Repeat(" [Work]", 16), 20 + 18,
			[]string{"contact", "contact_group"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, rows := d.Queries(), d.Rows()
			data := s.mustData("db", tc.query, nil)
			if n := d.Queries() - stmts; n != 2 {
				t.Errorf("%d statements, want 2: the list, then the relation for every contact", n)
			}
			if n := d.Rows() - rows; n != tc.rows {
				t.Errorf("the database returned %d rows, want %d (at most the limit per contact)", n, tc.rows)
			}
			if got := related(data, tc.rel, tc.field); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			var events []string
			for _, e := range s.rec.take() {
				if table, ok := strings.CutSuffix(strings.TrimPrefix(e, "db._table."), ".get.pre_process"); ok && table != "{table_name}" {
					events = append(events, table)
				}
			}
			if fmt.Sprint(events) != fmt.Sprint(tc.events) {
				t.Errorf("tables read through the pipeline: %v, want %v", events, tc.events)
			}
		})
	}
}

// TestGraphQLDataRelationLimitIsBounded: a relation with a limit still loads at most
// 10 × max_records rows for one level of a query: under the bound it is one read; over it, the
// parents are read in parts that each stay under the bound and the read stops with
// TOO_MANY_ROWS once past it, instead of loading limit × parents rows first.
func TestGraphQLDataRelationLimitIsBounded(t *testing.T) {
	d := countingSQLite(t)
	s := MustServe(t, "sqlite")
	s.addressBookGroupsService("sqlite", "max_records", 3)
	// 26 more contacts with 3 infos each, all in group Work, which then has 28 contacts (Jane
	// with 2 infos, John with 1).
	var recs []any
	for i := 0; i < 26; i++ {
		recs = append(recs, map[string]any{"first_name": fmt.Sprint("F", i), "last_name": "L", "contact_info_by_contact_id": []any{
			map[string]any{"info_type": "a", "email": "a"}, map[string]any{"info_type": "b", "email": "b"}, map[string]any{"info_type": "c", "email": "c"}}})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact", map[string]any{"resource": recs})
	var links []any
	for id := 5; id <= 30; id++ {
		links = append(links, map[string]any{"contact_id": id, "contact_group_id": 2})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact_group_relationship", map[string]any{"resource": links})
	query := func(limit int) string {
		return fmt.Sprintf(`{ contact_group(where: {name: {_eq: "Work"}}) { contact_by_contact_group_relationship { id contact_info_by_contact_id(limit: %d) { email } } } }`, limit)
	}
	s.mustData("db", query(1), nil) // warm: introspection

	// limit 1 over 28 contacts: 28 rows, under the bound: one read.
	s.rec.take()
	data := s.mustData("db", query(1), nil)
	infos := 0
	for _, g := range data["contact_group"].([]any) {
		for _, c := range g.(map[string]any)["contact_by_contact_group_relationship"].([]any) {
			infos += len(c.(map[string]any)["contact_info_by_contact_id"].([]any))
		}
	}
	if infos != 28 {
		t.Errorf("limit 1: %d infos, want 28", infos)
	}
	if n := countReads(s.rec.take(), "contact_info"); n != 1 {
		t.Errorf("limit 1: contact_info read %d times, want once", n)
	}
	// limit 3 over 28 contacts would be 81 rows, over the bound of 30: parts of 10 contacts
	// (at most 30 rows each) are read until more than 30 rows came back.
	rows := d.Rows()
	_, errs := s.gqlData("db", query(3), nil, creds(s.admin, ""))
	if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "TOO_MANY_ROWS" {
		t.Fatalf("limit 3 over the bound: %v", errs)
	}
	if n := countReads(s.rec.take(), "contact_info"); n != 2 {
		t.Errorf("limit 3: contact_info read %d times, want twice (27 rows, then 30 more)", n)
	}
	if infoRows := d.Rows() - rows - 1 - 28 - 28; infoRows != 27+30 { // less the group, the junction rows and the contacts
		t.Errorf("%d info rows read before refusing, want 57 (two parts)", infoRows)
	}
}

// countReads is how many times events show a GET of table.
func countReads(events []string, table string) int {
	n := 0
	for _, e := range events {
		if e == "db._table."+table+".get.pre_process" {
			n++
		}
	}
	return n
}
