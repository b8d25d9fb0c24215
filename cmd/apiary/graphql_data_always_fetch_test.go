package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestGraphQLDataSkipsAlwaysFetch: a table's always_fetch relations are not loaded for the
// GraphQL data API's reads (a list, a _by_pk, a nested relation), which never use them: no
// extra statement and no internal GET of the related table (so none of its events), and a role
// that may read the table but not the always_fetch relation's tables gets its rows, where REST
// without related= answers that role 403, as the relation is loaded there.
func TestGraphQLDataSkipsAlwaysFetch(t *testing.T) {
	d := countingSQLite(t)
	s := MustServe(t, "sqlite")
	cfg := addressBook(t, "sqlite", s.m.DataDir)
	addressBookGroups(t, "sqlite", s.m.DataDir, cfg)
	dbID := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": "sqlite", "config": cfg})))
	// contact always fetches its groups (many_many: contact_group_relationship, then
	// contact_group); contact_info always fetches its contact.
	s.must(200, "PATCH", "/api/v2/db/_schema/contact/_related/contact_group_by_contact_group_relationship", map[string]any{"always_fetch": true})
	s.must(200, "PATCH", "/api/v2/db/_schema/contact_info/_related/contact_by_contact_id", map[string]any{"always_fetch": true})
	if jane := s.must(200, "GET", "/api/v2/db/_table/contact/1?fields=first_name", nil).(map[string]any); keysOf(jane) != "contact_group_by_contact_group_relationship,first_name" {
		t.Fatalf("REST read without always_fetch's relation: %v", jane)
	}

	const (
		list   = `{ contact(order_by: {id: asc}) { first_name } }`
		byPK   = `{ contact_by_pk(id: 2) { first_name } }`
		nested = `{ contact_info(order_by: {id: asc}) { email contact_by_contact_id { first_name } } }`
	)
	want := map[string]string{
		list:   "map[contact:[map[first_name:Jane] map[first_name:John] map[first_name:Jim] map[first_name:Alice]]]",
		byPK:   "map[contact_by_pk:map[first_name:John]]",
		nested: "map[contact_info:[map[contact_by_contact_id:map[first_name:Jane] email:jane@home.test] map[contact_by_contact_id:map[first_name:Jane] email:jane@work.test] map[contact_by_contact_id:map[first_name:John] email:john@home.test]]]",
	}

	// The admin: one statement and one GET per table the query reads.
	for _, q := range []string{list, byPK, nested} {
		s.mustData("db", q, nil) // warm: introspection
	}
	for _, c := range []struct {
		query      string
		statements int64
		tables     string // the tables read through the pipeline, in order
	}{
		{list, 1, "contact"},
		{byPK, 1, "contact"},
		{nested, 2, "contact_info contact"},
	} {
		s.rec.take()
		n0 := d.Queries()
		data := s.mustData("db", c.query, nil)
		if got := fmt.Sprint(data); got != want[c.query] {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, want[c.query])
		}
		if n := d.Queries() - n0; n != c.statements {
			t.Errorf("%s: %d statements, want %d", c.query, n, c.statements)
		}
		var tables []string
		for _, e := range s.rec.take() {
			name, ok := strings.CutSuffix(strings.TrimPrefix(e, "db._table."), ".get.pre_process")
			if name = strings.TrimSuffix(name, ".{id}"); ok && name != "{table_name}" {
				tables = append(tables, name)
			}
		}
		if got := strings.Join(tables, " "); got != c.tables {
			t.Errorf("%s: tables read %q, want %q", c.query, got, c.tables)
		}
	}

	// A role that reads contact and contact_info, not the groups.
	f := s.readerFixture()
	var rows []any
	for _, tb := range []string{"contact", "contact_info"} {
		rows = append(rows, map[string]any{"service_id": dbID, "component": "_table/" + tb, "verb_mask": 1, "requestor_mask": 1},
			map[string]any{"service_id": dbID, "component": "_table/" + tb + "/*", "verb_mask": 1, "requestor_mask": 1})
	}
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": rows})
	user := creds(f.token, f.key)
	// REST, without related=: contact's always_fetch groups are read, and refused.
	const refused = "Access Forbidden. GET access to component '_table/contact_group' of service 'db' is not allowed by this user's role."
	for _, path := range []string{"/api/v2/db/_table/contact", "/api/v2/db/_table/contact/1"} {
		if status, body := s.do("GET", path, nil, user); status != 403 || errorMessage(body) != refused {
			t.Errorf("REST %s for the role: %d %v, want 403 %q", path, status, body, refused)
		}
	}
	if status, body := s.do("GET", "/api/v2/db/_table/contact_info?fields=email&order=id", nil, user); status != 200 ||
		relatedShape(recordsOf(body), "email", "contact_by_contact_id", "first_name") != "jane@home.test:{Jane} jane@work.test:{Jane} john@home.test:{John}" {
		t.Errorf("REST contact_info for the role: %d %v", status, body)
	}
	// GraphQL: the rows, without error.
	for _, q := range []string{list, byPK, nested} {
		data, errs := s.gqlData("db", q, nil, user)
		if len(errs) > 0 || fmt.Sprint(data) != want[q] {
			t.Errorf("GraphQL for the role, %s:\n got %v %v\nwant %s", q, data, errs, want[q])
		}
	}
}
