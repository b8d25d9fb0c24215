package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestGraphQLDataRelationLimitZero: a nested has_many or many_many with limit: 0 is an empty
// list for every parent, read without any request for the relation (no statement, no event,
// nor for the relations nested under it), however many related rows there are; its arguments
// are still checked.
func TestGraphQLDataRelationLimitZero(t *testing.T) {
	d := countingSQLite(t)
	s := MustServe(t, "sqlite")
	cfg := addressBook(t, "sqlite", s.m.DataDir)
	addressBookGroups(t, "sqlite", s.m.DataDir, cfg)
	cfg["max_records"] = 2 // a relation read without a limit may load 20 rows per level
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": "sqlite", "config": cfg}))
	// Jane gets 30 more infos: reading all of them would be TOO_MANY_ROWS.
	var infos []any
	for i := 0; i < 30; i++ {
		infos = append(infos, map[string]any{"contact_id": 1, "info_type": "x", "email": fmt.Sprint("e", i)})
	}
	s.must(200, "POST", "/api/v2/db/_table/contact_info", map[string]any{"resource": infos})

	const contacts = `contact(order_by: {id: asc}, limit: 2)`
	for _, c := range []struct{ name, query, want string }{
		// John's one info and Jim's none: an empty list each, as before, but read.
		{"has_many, few rows", `{ contact(order_by: {id: asc}, offset: 1, limit: 2) { id contact_info_by_contact_id(limit: 0) { email } } }`,
			"map[contact:[map[contact_info_by_contact_id:[] id:2] map[contact_info_by_contact_id:[] id:3]]]"},
		// Jane's 32 infos: were read, then TOO_MANY_ROWS.
		{"has_many", `{ ` + contacts + ` { id contact_info_by_contact_id(limit: 0) { email } } }`,
			"map[contact:[map[contact_info_by_contact_id:[] id:1] map[contact_info_by_contact_id:[] id:2]]]"},
		{"has_many, with offset, where and order", `{ ` + contacts + ` { id contact_info_by_contact_id(limit: 0, offset: 1, where: {info_type: {_eq: "x"}}, order_by: {email: desc}) { email } } }`,
			"map[contact:[map[contact_info_by_contact_id:[] id:1] map[contact_info_by_contact_id:[] id:2]]]"},
		{"has_many, nested", `{ ` + contacts + ` { id contact_info_by_contact_id(limit: 0) { contact_by_contact_id { id } } } }`,
			"map[contact:[map[contact_info_by_contact_id:[] id:1] map[contact_info_by_contact_id:[] id:2]]]"},
		{"many_many", `{ ` + contacts + ` { id contact_group_by_contact_group_relationship(limit: 0) { name } } }`,
			"map[contact:[map[contact_group_by_contact_group_relationship:[] id:1] map[contact_group_by_contact_group_relationship:[] id:2]]]"},
		{"many_many, with offset and where", `{ ` + contacts + ` { id contact_group_by_contact_group_relationship(limit: 0, offset: 1, where: {name: {_eq: "Work"}}) { name } } }`,
			"map[contact:[map[contact_group_by_contact_group_relationship:[] id:1] map[contact_group_by_contact_group_relationship:[] id:2]]]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.gqlData("db", c.query, nil, creds(s.admin, "")) // warm: introspection
			s.rec.take()
			n0 := d.Queries()
			if data, errs := s.gqlData("db", c.query, nil, creds(s.admin, "")); len(errs) > 0 || fmt.Sprint(data) != c.want {
				t.Errorf("got  %v %v\nwant %s", data, errs, c.want)
			}
			if n := d.Queries() - n0; n != 1 {
				t.Errorf("%d statements, want 1: the contacts only", n)
			}
			var tables []string
			for _, e := range s.rec.take() {
				if table, ok := strings.CutSuffix(strings.TrimPrefix(e, "db._table."), ".get.pre_process"); ok && table != "{table_name}" {
					tables = append(tables, table)
				}
			}
			if got := strings.Join(tables, " "); got != "contact" {
				t.Errorf("tables read through the pipeline: %q, want \"contact\"", got)
			}
		})
	}

	// The arguments are still checked.
	for _, c := range []struct{ query, message string }{
		{`{ contact { contact_info_by_contact_id(limit: 0, offset: -1) { id } } }`, "offset must be zero or more"},
	} {
		if _, errs := s.gqlData("db", c.query, nil, creds(s.admin, "")); len(errs) == 0 || !strings.Contains(fmt.Sprint(errs), c.message) {
			t.Errorf("%s: %v, want an error with %q", c.query, errs, c.message)
		}
	}
}
