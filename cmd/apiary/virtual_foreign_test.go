package main

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// crmDatabase creates a second database of kind beside an address book: accounts owned by
// contacts (owner_contact: Jane owns Acme and Bolt, John owns Core, Orphan has no owner),
// badges, and contact_badge linking contacts to badges (Jane: gold and silver, Jim: silver).
// It returns the service config that reaches it.
func crmDatabase(t *testing.T, kind, dataDir string) map[string]any {
	t.Helper()
	cfg := freshDatabase(t, kind, "crm.db")
	db, idType := openDatabase(t, kind, dataDir, cfg)
	defer db.Close()
	execAll(t, db,
		"CREATE TABLE account (id "+idType+", owner_contact INTEGER, name VARCHAR(40) NOT NULL)",
		"CREATE TABLE badge (id "+idType+", label VARCHAR(40) NOT NULL)",
		"CREATE TABLE contact_badge (id "+idType+", contact_ref INTEGER NOT NULL, badge_ref INTEGER NOT NULL)",
		"INSERT INTO account (owner_contact, name) VALUES (1, 'Acme'), (1, 'Bolt'), (2, 'Core'), (NULL, 'Orphan')",
		"INSERT INTO badge (label) VALUES ('gold'), ('silver')",
		"INSERT INTO contact_badge (contact_ref, badge_ref) VALUES (1, 1), (1, 2), (3, 2)",
	)
	return cfg
}

// TestVirtualRelationshipsToAnotherService: virtual relationships whose ref_table is a table
// of another database service (DreamFactory's ref_service_id), on every database kind —
// checked against that service's schema when declared (a 400 that stores nothing otherwise),
// named with the service as a prefix, described, read with related= through the other
// service (its RBAC, row filters and events; one statement per relation; per-relation
// options; has_many, many_many with the junction there, belongs_to with always_fetch and
// flatten), refused in nested writes, left out of the GraphQL data API, kept across a
// restart, and failing clearly once the other side (a field, the service) is gone.
func TestVirtualRelationshipsToAnotherService(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			var counting interface{ Queries() int64 }
			if kind == "sqlite" {
				counting = countingSQLite(t)
			}
			s := MustServe(t, "sqlite")
			dbID := s.addressBookService(kind)
			crmID := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "crm", "type": kind, "config": crmDatabase(t, kind, s.m.DataDir)})))
			accounts := map[string]any{"type": "has_many", "field": "id", "ref_service_id": crmID, "ref_table": "account", "ref_field": "owner_contact", "is_virtual": true}
			badges := map[string]any{"type": "many_many", "field": "id", "ref_service_id": crmID, "ref_table": "badge", "ref_field": "id",
				"junction_service_id": crmID, "junction_table": "contact_badge", "junction_field": "contact_ref", "junction_ref_field": "badge_ref", "is_virtual": true}
			systemID := s.serviceID("system")

			// Bad input: a 400 naming the problem, and nothing stored.
			bad := []struct {
				rel     map[string]any
				message string
			}{
				{withKeys(accounts, "ref_service_id", 99999), "ref_service_id 99999 names no service"},
				{withKeys(accounts, "ref_service_id", systemID), "ref_service_id names service 'system', which is not a database service"},
				{withKeys(accounts, "ref_service_id", "crm"), "ref_service_id must be the id of a service"},
				{withKeys(accounts, "ref_table", "nope"), "ref_table 'nope' does not exist in service 'crm'"},
				{withKeys(accounts, "ref_table", "contact_info"), "ref_table 'contact_info' does not exist in service 'crm'"},
				{withKeys(accounts, "ref_field", "nope"), "ref_field 'nope' does not exist in table 'account' in service 'crm'"},
				{withKeys(accounts, "ref_field", "name"), "fields 'contact.id' (type id) and 'account.name' (type string) hold different kinds of values"},
				{withKeys(accounts, "junction_service_id", crmID), "junction_service_id is only for many_many relationships"},
				{withKeys(badges, "junction_service_id", nil), fmt.Sprintf("its junction table must be in the service of its ref_table (send junction_service_id %d)", crmID)},
				{withKeys(badges, "junction_table", "contact_info"), "junction_table 'contact_info' does not exist in service 'crm'"},
				{withKeys(accounts, "name", "account_by_owner_contact"), "this one is named 'crm.account_by_owner_contact'"},
			}
			for _, c := range bad {
				status, body := s.do("POST", "/api/v2/db/_schema/contact/_related", rec(c.rel), creds(s.admin, ""))
				if status != 400 || !strings.Contains(errorMessage(body), c.message) {
					t.Errorf("POST %v: %d %v, want 400 %q", c.rel, status, body, c.message)
				}
			}
			if got := s.storedConfig(dbID, "virtual_relationships"); got != "<nil>" {
				t.Errorf("bad input stored %s", got)
			}

			// Declared: DreamFactory's names, with the service.
			got := s.must(200, "POST", "/api/v2/db/_schema/contact/_related", map[string]any{"resource": []any{accounts, withKeys(badges, "name", "crm.badge_by_crm.contact_badge")}})
			if want := map[string]any{"resource": []any{map[string]any{"name": "crm.account_by_owner_contact"}, map[string]any{"name": "crm.badge_by_crm.contact_badge"}}}; !reflect.DeepEqual(got, want) {
				t.Errorf("POST: %v", got)
			}
			s.must(200, "POST", "/api/v2/crm/_schema/account/_related", rec(map[string]any{"type": "belongs_to", "field": "owner_contact", "ref_service_id": dbID,
				"ref_table": "contact", "ref_field": "id", "is_virtual": true, "alias": "owner", "always_fetch": true, "flatten": true}))
			d := describedRelation(s, "contact", "crm.account_by_owner_contact")
			if d["is_virtual"] != true || d["type"] != "has_many" || d["ref_service_id"] != float64(crmID) || d["ref_table"] != "account" ||
				!reflect.DeepEqual(d["ref_field"], []any{"owner_contact"}) || d["junction_service_id"] != nil || d["label"] != "Crm Account By Owner Contact" {
				t.Errorf("described: %v", d)
			}
			if d := describedRelation(s, "contact", "crm.badge_by_crm.contact_badge"); d["junction_service_id"] != float64(crmID) || d["junction_table"] != "contact_badge" {
				t.Errorf("described many_many: %v", d)
			}

			// related= reads through the other service.
			q := url.QueryEscape
			reads := func(s *server) {
				t.Helper()
				contacts := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related="+q("crm.account_by_owner_contact,crm.badge_by_crm.contact_badge"), nil))
				if got, want := pluck(contacts, "first_name", "crm.account_by_owner_contact", "name"), "Jane:[Acme Bolt] John:[Core] Jim:[] Alice:[]"; got != want {
					t.Errorf("has_many in another service: %s, want %s", got, want)
				}
				if got, want := pluck(contacts, "first_name", "crm.badge_by_crm.contact_badge", "label"), "Jane:[gold silver] John:[] Jim:[silver] Alice:[]"; got != want {
					t.Errorf("many_many in another service: %s, want %s", got, want)
				}
				accts := recordsOf(s.must(200, "GET", "/api/v2/crm/_table/account?order=id", nil))
				if got, want := column(accts, "name", "owner_first_name"), "Acme:Jane Bolt:Jane Core:John Orphan:<nil>"; got != want {
					t.Errorf("belongs_to in another service, always fetched and flattened: %s, want %s", got, want)
				}
			}
			reads(s)
			limited := recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?order=id&related="+q("crm.account_by_owner_contact")+
				"&"+q("crm.account_by_owner_contact.order")+"="+q("name desc")+"&crm_account_by_owner_contact_limit=1&"+q("crm.account_by_owner_contact.fields")+"=name", nil))
			if got, want := pluck(limited, "first_name", "crm.account_by_owner_contact", "name"), "Jane:[Bolt] John:[Core] Jim:[] Alice:[]"; got != want {
				t.Errorf("per-relation options: %s, want %s", got, want)
			}
			if got := keysOf(limited[0]["crm.account_by_owner_contact"].([]any)[0].(map[string]any)); got != "name" {
				t.Errorf("fields=name: %s", got)
			}
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact")+"&"+q("crm.account_by_owner_contact.fields")+"=nope",
				nil, creds(s.admin, "")); status != 400 || !strings.Contains(errorMessage(body), "nope") {
				t.Errorf("fields of the other service's table: %d %v", status, body)
			}
			// … firing the other service's events, once per relation.
			s.rec.take()
			s.must(200, "GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact"), nil)
			ev := func(svc, table, phase string) []string {
				return []string{svc + "._table.{table_name}.get." + phase, svc + "._table." + table + ".get." + phase}
			}
			var want []string
			for _, e := range [][]string{ev("db", "contact", "pre_process"), ev("crm", "account", "pre_process"), ev("crm", "account", "post_process"),
				ev("crm", "account", "queued"), ev("db", "contact", "post_process"), ev("db", "contact", "queued")} {
				want = append(want, e...)
			}
			if got := s.rec.take(); !reflect.DeepEqual(got, want) {
				t.Errorf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// … one statement per relation (the other side of the junction included).
			if counting != nil {
				n0 := counting.Queries()
				s.must(200, "GET", "/api/v2/db/_table/contact", nil)
				n1 := counting.Queries()
				s.must(200, "GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact"), nil)
				n2 := counting.Queries()
				s.must(200, "GET", "/api/v2/db/_table/contact?related="+q("crm.badge_by_crm.contact_badge")+"&"+q("crm.badge_by_crm.contact_badge.limit")+"=5", nil)
				n3 := counting.Queries()
				if plain, has, mm := n1-n0, n2-n1, n3-n2; has != plain+1 || mm != plain+1 {
					t.Errorf("statements: %d without relations, %d with has_many, %d with a limited many_many", plain, has, mm)
				}
			}

			// The other service's RBAC and row filters apply.
			f := s.readerFixture()
			access := func(rows ...any) {
				s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": rows})
			}
			row := func(svc int, table string, filters ...any) map[string]any {
				m := map[string]any{"service_id": svc, "component": "_table/" + table, "verb_mask": 1, "requestor_mask": 1}
				if filters != nil {
					m["filters"] = filters
				}
				return m
			}
			as := creds(f.token, f.key)
			access(row(dbID, "contact"))
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact"), nil, as); status != 403 ||
				errorMessage(body) != "Access Forbidden. GET access to component '_table/account' of service 'crm' is not allowed by this user's role." {
				t.Errorf("without access to the other service's table: %d %v", status, body)
			}
			access(row(dbID, "contact"), row(crmID, "account", map[string]any{"name": "name", "operator": "!=", "value": "Bolt"}), row(crmID, "badge"))
			status, body := s.do("GET", "/api/v2/db/_table/contact?order=id&related="+q("crm.account_by_owner_contact"), nil, as)
			if got := pluck(recordsOf(body), "first_name", "crm.account_by_owner_contact", "name"); status != 200 || got != "Jane:[Acme] John:[Core] Jim:[] Alice:[]" {
				t.Errorf("with a row filter in the other service: %d %s", status, got)
			}
			if status, body := s.do("GET", "/api/v2/db/_table/contact?related="+q("crm.badge_by_crm.contact_badge"), nil, as); status != 403 ||
				errorMessage(body) != "Access Forbidden. GET access to component '_table/contact_badge' of service 'crm' is not allowed by this user's role." {
				t.Errorf("without access to the junction table in the other service: %d %v", status, body)
			}

			// Nested writes stay in one service.
			if status, body := s.do("POST", "/api/v2/db/_table/contact", rec(map[string]any{"first_name": "Eve", "last_name": "Moe",
				"crm.account_by_owner_contact": []any{map[string]any{"name": "Eve's"}}}), creds(s.admin, "")); status != 400 ||
				!strings.Contains(fmt.Sprint(body), "Related records of 'crm.account_by_owner_contact' are in service 'crm': write them through that service.") {
				t.Errorf("nested write into another service: %d %v", status, body)
			}
			if n := len(recordsOf(s.must(200, "GET", "/api/v2/db/_table/contact?filter="+q("first_name = 'Eve'"), nil))); n != 0 {
				t.Errorf("the refused nested write stored %d contacts", n)
			}

			// The GraphQL data API leaves them out and keeps working.
			data := s.mustData("db", `{ contact(order_by: [{id: asc}], limit: 1) { first_name contact_info_by_contact_id { email } } }`, nil)
			if got := fmt.Sprint(data["contact"]); got != "[map[contact_info_by_contact_id:[map[email:jane@home.test] map[email:jane@work.test]] first_name:Jane]]" {
				t.Errorf("GraphQL: %s", got)
			}
			if _, errs := s.gqlData("db", `{ contact { crm_account_by_owner_contact { name } } }`, nil, creds(s.admin, "")); len(errs) == 0 {
				t.Error("GraphQL has a field for a relationship to another service")
			}
			if got := fmt.Sprint(s.mustData("crm", `{ account(order_by: [{id: asc}], limit: 1) { name } }`, nil)["account"]); got != "[map[name:Acme]]" {
				t.Errorf("GraphQL of the other service: %s", got)
			}

			// Kept across a restart (the services refer to each other).
			s2 := s.restarted()
			reads(s2)

			// The other side gone: reading the relationship fails clearly; it can still be deleted.
			s2.must(200, "DELETE", "/api/v2/crm/_schema/account/_field/owner_contact", nil)
			if status, body := s2.do("GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact"), nil, creds(s2.admin, "")); status != 404 ||
				errorMessage(body) != "Relationship 'crm.account_by_owner_contact' reads field 'owner_contact' of table 'account' in service 'crm', which no longer exists." {
				t.Errorf("the other service's field dropped: %d %v", status, body)
			}
			s2.must(200, "DELETE", fmt.Sprintf("/api/v2/system/service/%d", crmID), nil)
			if status, body := s2.do("GET", "/api/v2/db/_table/contact?related="+q("crm.account_by_owner_contact"), nil, creds(s2.admin, "")); status != 404 ||
				errorMessage(body) != "Relationship 'crm.account_by_owner_contact' reads service 'crm', which no longer exists." {
				t.Errorf("the other service deleted: %d %v", status, body)
			}
			s2.must(200, "DELETE", "/api/v2/db/_schema/contact/_related?ids="+q("crm.account_by_owner_contact,crm.badge_by_crm.contact_badge"), nil)
			if got := resourceNames(s2.must(200, "GET", "/api/v2/db/_schema/contact/_related", nil)); got != "contact_info_by_contact_id" {
				t.Errorf("contact's relationships after DELETE: %s", got)
			}
		})
	}
}
