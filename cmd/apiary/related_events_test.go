package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestRelatedFiresRelatedTableEvents: related= reads each relation by an internal GET of
// _table/{ref_table} (reference §2.5), so the related table's events fire — pre_process,
// post_process and queued, templated then concrete — once per relation for all parent rows,
// with a limit too; a many_many's junction table fires none. A role without GET on the related
// table gets the 403 of that GET, and none of its events fire.
func TestRelatedFiresRelatedTableEvents(t *testing.T) {
	s := MustServe(t, "sqlite")
	dbID := s.addressBookGroupsService("sqlite")
	// fired is what one GET fires: the parent's pre_process events, each related table's
	// events in turn, then the parent's post_process and queued events.
	fired := func(parent string, related ...string) []string {
		bases := func(table string) []string {
			if t, _, byID := strings.Cut(table, "/"); byID { // a read by id fires the {id} names
				return []string{"db._table.{table_name}.{id}", "db._table." + t + ".{id}"}
			}
			return []string{"db._table.{table_name}", "db._table." + table}
		}
		phase := func(table, phase string) []string {
			var out []string
			for _, b := range bases(table) {
				out = append(out, b+".get."+phase)
			}
			return out
		}
		out := phase(parent, "pre_process")
		for _, r := range related {
			out = append(append(append(out, phase(r, "pre_process")...), phase(r, "post_process")...), phase(r, "queued")...)
		}
		return append(append(out, phase(parent, "post_process")...), phase(parent, "queued")...)
	}
	s.rec.take()

	for _, tc := range []struct {
		path string
		want []string
	}{
		{"contact?order=id&related=contact_info_by_contact_id,contact_group_by_contact_group_relationship",
			fired("contact", "contact_info", "contact_group")},
		{"contact?related=contact_info_by_contact_id&contact_info_by_contact_id.limit=1", fired("contact", "contact_info")},
		{"contact/1?related=contact_group_by_contact_group_relationship&contact_group_by_contact_group_relationship.limit=1",
			fired("contact/1", "contact_group")},
		{"contact_info?related=contact_by_contact_id", fired("contact_info", "contact")},
	} {
		s.must(200, "GET", "/api/v2/db/_table/"+tc.path, nil)
		if got := s.rec.take(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GET %s fired\n%s\nwant\n%s", tc.path, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}

	// A role that reads contact but not contact_info.
	f := s.readerFixture()
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": dbID, "component": "_table/contact", "verb_mask": 1, "requestor_mask": 1},
	}})
	s.rec.take()
	status, body := s.do("GET", "/api/v2/db/_table/contact?related="+url.QueryEscape("contact_info_by_contact_id"), nil, creds(f.token, f.key))
	if status != 403 || errorMessage(body) != "Access Forbidden. GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role." {
		t.Errorf("related table without access: %d %v", status, body)
	}
	for _, n := range s.rec.take() {
		if strings.Contains(n, "contact_info") {
			t.Errorf("%s fired for a related read the role may not make", n)
		}
	}
}

// TestRelatedTableScriptsShapeRelatedRows: event scripts on the related table act on the
// internal GET that related= makes. A pre_process script's change to event.request.parameters
// takes effect (a filter narrows the related rows, fields widen them past <rel>.fields); a
// post_process script's change to the response is what the related rows are; each runs once
// per relation, for every parent row together; many_many rows too, without the key they are
// matched by.
func TestRelatedTableScriptsShapeRelatedRows(t *testing.T) {
	s := scripted(t)
	addressBookGroups(t, "sqlite", s.m.DataDir, nil)
	s.must(200, "GET", "/api/v2/db/_table?refresh=true", nil)
	related := func(path, rel string) string {
		var out []string
		for _, r := range s.must(200, "GET", "/api/v2/db/_table/"+path, nil).(map[string]any)["resource"].([]any) {
			row := r.(map[string]any)
			b, _ := json.Marshal(row[rel])
			out = append(out, fmt.Sprintf("%v:%s", row["first_name"], b))
		}
		return strings.Join(out, " ")
	}
	infos := "contact?order=id&fields=first_name&related=contact_info_by_contact_id&contact_info_by_contact_id.fields=email"

	s.script("db._table.contact_info.get.pre_process", `
event.request.parameters.filter = "info_type = 'work' OR contact_id = 2";
event.request.parameters.fields = "email,info_type";`, true)
	if got, want := related(infos, "contact_info_by_contact_id"),
		`Jane:[{"email":"jane@work.test","info_type":"work"}] John:[{"email":"john@home.test","info_type":"home"}] Jim:[] Alice:[]`; got != want {
		t.Errorf("pre_process on the related table:\n got %s\nwant %s", got, want)
	}

	// group does not apply to a relation's read: a script that adds it changes nothing.
	s.script("db._table.contact_info.get.pre_process", `event.request.parameters.group = "contact_id";`, true)
	if got, want := related(infos, "contact_info_by_contact_id"),
		`Jane:[{"email":"jane@home.test"},{"email":"jane@work.test"}] John:[{"email":"john@home.test"}] Jim:[] Alice:[]`; got != want {
		t.Errorf("pre_process adding group on the related table:\n got %s\nwant %s", got, want)
	}

	s.script("db._table.contact_info.get.pre_process", `return;`, true)
	s.script("db._table.contact_info.get.post_process", `
var n = platform.store.get("runs", 0) + 1;
platform.store.set("runs", n);
event.response.content.resource.forEach(function (r) { r.email = r.email.toUpperCase(); r.run = n; });`, true)
	if got, want := related(infos, "contact_info_by_contact_id"),
		`Jane:[{"email":"JANE@HOME.TEST","run":1},{"email":"JANE@WORK.TEST","run":1}] John:[{"email":"JOHN@HOME.TEST","run":1}] Jim:[] Alice:[]`; got != want {
		t.Errorf("post_process on the related table:\n got %s\nwant %s", got, want)
	}
	if got, want := related(infos+"&contact_info_by_contact_id.limit=1&contact_info_by_contact_id.order=email%20desc", "contact_info_by_contact_id"),
		`Jane:[{"email":"JANE@WORK.TEST","run":2}] John:[{"email":"JOHN@HOME.TEST","run":2}] Jim:[] Alice:[]`; got != want {
		t.Errorf("post_process with a per-parent limit:\n got %s\nwant %s", got, want)
	}

	// many_many: the script sees each group once per linking contact; the rows it leaves are
	// the groups, without the link key.
	s.script("db._table.contact_group.get.post_process", `
event.response.content.resource = event.response.content.resource.filter(function (r) { return r.name !== "Family"; });
event.response.content.resource.forEach(function (r) { r.name = r.name + "!"; });`, true)
	for _, limit := range []string{"", "&contact_group_by_contact_group_relationship.limit=5"} {
		if got, want := related("contact?order=id&related=contact_group_by_contact_group_relationship"+limit, "contact_group_by_contact_group_relationship"),
			`Jane:[{"id":2,"name":"Work!"}] John:[{"id":2,"name":"Work!"}] Jim:[] Alice:[]`; got != want {
			t.Errorf("post_process on a many_many target (%q):\n got %s\nwant %s", limit, got, want)
		}
	}
}
