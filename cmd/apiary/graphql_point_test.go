package main

import (
	"encoding/json"
	"fmt"
	"html"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestGraphQLPointRead: a connection filtered on one id alone (where: {id: …}) is answered by a
// point read (ent PaginateWhere); every selection must give exactly what the general pagination
// gives. The same query with a no-op second filter (idNEQ: -1) takes the general path and is
// the reference. It runs on every configured backend (the point SELECT is built per dialect).
func TestGraphQLPointRead(t *testing.T) {
	eachBackend(t, testGraphQLPointRead)
}

func testGraphQLPointRead(t *testing.T, backend string) {
	s := MustServe(t, backend)
	for _, n := range []string{"c", "a", "b"} {
		s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": n, "description": "role " + n}))
	}
	s.must(200, "PATCH", "/api/v2/system/role/2", map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": s.serviceID("system"), "component": "role/*", "verb_mask": 1, "requestor_mask": 1}}})
	s.must(201, "POST", "/api/v2/system/app", rec(map[string]any{"name": "web", "role_id": 2}))
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "accounts", "label": "Accounts", "type": "user"}))
	s.must(201, "POST", "/api/v2/system/event_script", rec(map[string]any{"name": "system.role.get.pre_process", "type": "v8js", "content": "return 1;"}))

	const pageInfo = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`
	roleSelections := []string{
		`{ edges { cursor node { id name description isActive createdDate lastModifiedDate } } }`,
		`{ totalCount ` + pageInfo + ` edges { cursor node { id } } }`,
		`{ totalCount }`,
		`{ ` + pageInfo + ` }`,
		`{ edges { node { __typename n: name id } } }`,
		`{ edges { node { name roleServiceAccess { component verbMask } } } }`, // eager loading: general path
	}
	args := []string{"", "first: 1, ", "last: 1, ", "first: 0, ", "last: 0, ", "first: 5, ", "orderBy: {field: NAME}, ",
		"orderBy: {field: NAME, direction: DESC}, last: 1, ", "first: -1, ", "first: 1, last: 1, "}
	var queries []string
	for _, id := range []string{"1", "2", "99"} {
		for _, sel := range roleSelections {
			for _, a := range args {
				queries = append(queries, fmt.Sprintf("{ roles(%swhere: {id: %s}) %s }", a, id, sel))
			}
		}
	}
	for _, q := range []string{
		`{ apps(where: {id: 1}) { totalCount edges { cursor node { id name apiKey isActive } } } }`,
		`{ services(where: {id: 1}) { edges { node { id name type config } } } }`,
		`{ eventScripts(where: {id: 1}) { edges { node { id name content isActive } } } }`,
		`{ events(where: {id: 1}) { totalCount edges { node { id name } } } }`,
		`{ roles(where: {id: 2}) { edges { node { name } } } apps(where: {id: 1}) { edges { node { roleID name } } } }`,
	} {
		queries = append(queries, q)
	}
	for _, q := range queries {
		point := s.gqlRaw(q, nil)
		general := s.gqlRaw(strings.Replace(q, "where: {id: ", "where: {idNEQ: -1, id: ", -1), nil)
		if point != general {
			t.Errorf("%s\n point:   %s\n general: %s", q, point, general)
		}
	}
	// Variables: the where input as a variable.
	q := `query($w: RoleWhereInput) { roles(where: $w) { totalCount edges { cursor node { id name } } } }`
	point := s.gqlRaw(q, map[string]any{"w": map[string]any{"id": 2}})
	general := s.gqlRaw(q, map[string]any{"w": map[string]any{"id": 2, "idNEQ": -1}})
	if point != general || !strings.Contains(point, `"name":"a"`) {
		t.Errorf("variables:\n point:   %s\n general: %s", point, general)
	}
}

// gqlRaw runs a GraphQL operation as the admin and returns the response body re-encoded
// (canonical key order), for comparison.
func (s *server) gqlRaw(query string, vars map[string]any) string {
	s.t.Helper()
	_, out := s.do("POST", "/graphql", map[string]any{"query": query, "variables": vars}, creds(s.admin, ""))
	b, err := json.Marshal(out)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(b)
}

// TestGraphQLRecordByID: role(id:), app(id:), service(id:), user(id:), event(id:) and
// eventScript(name:) are REST's reads of one record (GET system/{resource}/{key}): each answers
// what the connection filtered to that record answers, for plain selections and for selections
// that load edges; a missing record is null where REST answers 404; a caller gets REST's 403
// where REST refuses, and user(id:) hides sys-admins as users does.
func TestGraphQLRecordByID(t *testing.T) {
	eachBackend(t, testGraphQLRecordByID)
}

func testGraphQLRecordByID(t *testing.T, backend string) {
	s := MustServe(t, backend, func(m *Main) { m.Journal, m.Scripts = "all", nil }) // the script engine, not the recorder
	f := s.readerFixture()
	svc := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "accounts", "label": "Accounts", "type": "user"})))
	const script = "system.app.get.post_process"
	s.must(201, "POST", "/api/v2/system/event_script", rec(map[string]any{"name": script, "type": "v8js", "content": "return 1;"}))
	var journaled int // an event journal entry (written after the response)
	for i := 0; i < 100 && journaled == 0; i++ {
		time.Sleep(20 * time.Millisecond)
		if list := s.must(200, "GET", "/api/v2/system/event_journal?fields=id&limit=1", nil).(map[string]any)["resource"].([]any); len(list) > 0 {
			journaled = int(list[0].(map[string]any)["id"].(float64))
		}
	}
	if journaled == 0 {
		t.Fatal("the event journal stayed empty")
	}

	// Each by-id field against its connection on the general path (the no-op idNEQ: -1 keeps
	// the connection off the point read the by-id fields share).
	cases := []struct{ one, conn, sel string }{
		{fmt.Sprintf("role(id: %d)", f.roleID), fmt.Sprintf("roles(where: {idNEQ: -1, id: %d})", f.roleID), "id name description isActive createdDate lastModifiedDate"},
		{fmt.Sprintf("role(id: %d)", f.roleID), fmt.Sprintf("roles(where: {idNEQ: -1, id: %d})", f.roleID), "__typename n: name"},
		{fmt.Sprintf("role(id: %d)", f.roleID), fmt.Sprintf("roles(where: {idNEQ: -1, id: %d})", f.roleID), "name roleServiceAccess { component verbMask }"},
		{fmt.Sprintf("app(id: %d)", f.appID), fmt.Sprintf("apps(where: {idNEQ: -1, id: %d})", f.appID), "id name apiKey isActive roleID"},
		{fmt.Sprintf("service(id: %d)", svc), fmt.Sprintf("services(where: {idNEQ: -1, id: %d})", svc), "id name label type config"},
		{fmt.Sprintf("user(id: %d)", f.userID), fmt.Sprintf("users(where: {idNEQ: -1, id: %d})", f.userID), "id email name isActive"},
		{fmt.Sprintf("eventScript(name: %q)", script), fmt.Sprintf("eventScripts(where: {name: %q})", script), "id name type content isActive"},
		{fmt.Sprintf("event(id: %d)", journaled), fmt.Sprintf("events(where: {idNEQ: -1, id: %d})", journaled), "id name"},
	}
	for _, c := range cases {
		data, errs := s.gql(fmt.Sprintf("{ one: %s { %s } conn: %s { edges { node { %s } } } }", c.one, c.sel, c.conn, c.sel), nil, creds(s.admin, ""))
		if len(errs) > 0 {
			t.Fatalf("%s: %v", c.one, errs)
		}
		edges := data["conn"].(map[string]any)["edges"].([]any)
		if len(edges) != 1 {
			t.Fatalf("%s: the connection found %d records to compare with: %v", c.conn, len(edges), data)
		}
		if want := edges[0].(map[string]any)["node"]; !reflect.DeepEqual(data["one"], want) {
			t.Errorf("%s { %s }:\n by id:      %v\n connection: %v", c.one, c.sel, data["one"], want)
		}
	}

	// Scripts answer for the record as they do on REST: a 404 is null, another error status
	// an error with the script's status and message (both roles exist).
	hidden := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "hidden"})))
	busy := firstID(s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": "busy"})))
	s.script("system.role.get.pre_process", fmt.Sprintf(`
if (event.resource === "%d") { event.response = {status_code: 404, content: {error: {message: "gone"}}}; }
if (event.resource === "%d") { event.response = {status_code: 409, content: {error: {message: "busy"}}}; }`, hidden, busy), true)
	if status, _ := s.do("GET", fmt.Sprintf("/api/v2/system/role/%d", busy), nil, creds(s.admin, "")); status != 409 {
		t.Fatalf("REST GET system/role/{busy}: status %d, want the script's 409", status)
	}
	data, errs := s.gql(fmt.Sprintf(`{ role(id: %d) { id } }`, hidden), nil, creds(s.admin, ""))
	if len(errs) > 0 || data["role"] != nil {
		t.Errorf("a script's 404: data %v, errors %v; want null", data, errs)
	}
	data, errs = s.gql(fmt.Sprintf(`{ role(id: %d) { id } }`, busy), nil, creds(s.admin, ""))
	if len(errs) != 1 || errs[0].(map[string]any)["message"] != "busy" || errs[0].(map[string]any)["extensions"].(map[string]any)["status"] != float64(409) {
		t.Errorf("a script's 409: data %v, errors %v; want the script's status and message", data, errs)
	}

	// A missing record: REST 404, GraphQL null without an error.
	if status, _ := s.do("GET", "/api/v2/system/role/999", nil, creds(s.admin, "")); status != 404 {
		t.Fatalf("REST GET system/role/999: status %d, want 404", status)
	}
	if data, errs := s.gql(`{ role(id: 999) { id } eventScript(name: "nope") { id } }`, nil, creds(s.admin, "")); len(errs) > 0 || data["role"] != nil || data["eventScript"] != nil {
		t.Errorf("missing records: data %v, errors %v; want nulls", data, errs)
	}

	// The reader's role may GET role/* but not app/*: REST's answers, on both surfaces.
	as := creds(f.token, f.key)
	if data, errs := s.gql(fmt.Sprintf("{ role(id: %d) { name } }", f.roleID), nil, as); len(errs) > 0 || data["role"].(map[string]any)["name"] != "reader" {
		t.Errorf("reader reads its role: data %v, errors %v", data, errs)
	}
	status, body := s.do("GET", fmt.Sprintf("/api/v2/system/app/%d", f.appID), nil, as)
	restMsg, _ := body.(map[string]any)["error"].(map[string]any)["message"].(string)
	data, errs = s.gql(fmt.Sprintf("{ app(id: %d) { name } }", f.appID), nil, as)
	if status != 403 || len(errs) != 1 || data["app"] != nil {
		t.Fatalf("app by id as the reader: REST %d, GraphQL data %v errors %v", status, data, errs)
	}
	gqlErr := errs[0].(map[string]any)
	if gqlErr["message"] != restMsg || gqlErr["extensions"].(map[string]any)["status"] != float64(403) {
		t.Errorf("app by id as the reader: GraphQL error %v, want REST's 403 %q", gqlErr, restMsg)
	}

	// user(id:) addresses users as REST does: a sys-admin through system/admin (its events) for
	// a caller who may read system/admin; for one who may not, system/user, where REST answers
	// 404: null for a read, REST's 404 for a change, never a 403 that tells a sys-admin apart.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": s.serviceID("system"), "component": "user/*", "verb_mask": 1 | 8, "requestor_mask": 1}}})
	admins := s.must(200, "GET", "/api/v2/system/admin?fields=id", nil).(map[string]any)["resource"].([]any)
	adminID := int(admins[0].(map[string]any)["id"].(float64))
	if status, _ := s.do("GET", fmt.Sprintf("/api/v2/system/user/%d", adminID), nil, as); status != 404 {
		t.Errorf("REST system/user/{admin} as the reader: status %d, want 404", status)
	}
	data, errs = s.gql(fmt.Sprintf("{ admin: user(id: %d) { email } user: user(id: %d) { email } }", adminID, f.userID), nil, as)
	if len(errs) > 0 || data["admin"] != nil || data["user"].(map[string]any)["email"] != "u@example.com" {
		t.Errorf("user(id:) as the reader: data %v, errors %v; want the admin null and the user", data, errs)
	}
	status, _ = s.do("PATCH", fmt.Sprintf("/api/v2/system/user/%d", adminID), map[string]any{"first_name": "x"}, as)
	_, errs = s.gql(fmt.Sprintf(`mutation { updateUser(id: %d, input: {firstName: "x"}) { id } }`, adminID), nil, as)
	if status != 404 || len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["status"] != float64(404) {
		t.Errorf("updateUser(admin) as the reader: REST %d, GraphQL %v; want 404 on both", status, errs)
	}
	// A role that may PATCH admin/* without reading it changes a sys-admin as REST does.
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": s.serviceID("system"), "component": "admin/*", "verb_mask": 8, "requestor_mask": 1}}})
	status, _ = s.do("PATCH", fmt.Sprintf("/api/v2/system/admin/%d", adminID), map[string]any{"first_name": "y"}, as)
	_, errs = s.gql(fmt.Sprintf(`mutation { updateUser(id: %d, input: {firstName: "z"}) { id } }`, adminID), nil, as)
	if status != 200 || len(errs) > 0 {
		t.Errorf("updateUser(admin) by a role that may PATCH admin/*: REST %d, GraphQL %v; want both to succeed", status, errs)
	}
	if got := s.must(200, "GET", fmt.Sprintf("/api/v2/system/admin/%d?fields=first_name", adminID), nil).(map[string]any)["first_name"]; got != "z" {
		t.Errorf("after updateUser(admin): first_name %v, want z", got)
	}
	s.script("system.admin.get.pre_process", `event.response = {status_code: 409, content: {error: {message: "admins are private"}}};`, true)
	data, errs = s.gql(fmt.Sprintf("{ admin: user(id: %d) { email } user: user(id: %d) { email } }", adminID, f.userID), nil, creds(s.admin, ""))
	if len(errs) != 1 || errs[0].(map[string]any)["message"] != "admins are private" || data["user"] == nil {
		t.Errorf("user(id:) as a sys-admin: data %v, errors %v; want system.admin.get's script to answer for the admin alone", data, errs)
	}
}

// TestGraphQLServiceScriptsSeeMaskedConfig: a script on a service read sees the config REST's
// scripts see, its password masked, whether the read came over REST or GraphQL (by id or the
// connection): a script that throws what it sees never carries the secret out.
func TestGraphQLServiceScriptsSeeMaskedConfig(t *testing.T) {
	s := MustServe(t, "sqlite", func(m *Main) { m.Scripts = nil }) // the script engine, not the recorder
	const secret = "hunter2pw"
	id := firstID(s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "books", "type": "sqlite",
		"config": map[string]any{"database": "books.db", "password": secret}})))
	s.script("system.service.get.post_process", `throw {status_code: 400, message: JSON.stringify(event.response.content)};`, false)
	_, body := s.do("GET", fmt.Sprintf("/api/v2/system/service/%d", id), nil, creds(s.admin, ""))
	// (a script's message comes back HTML-escaped, as DreamFactory's)
	if msg := html.UnescapeString(errorMessage(body)); !strings.Contains(msg, `"password":"**********"`) {
		t.Fatalf("REST: the script saw %q, want the config with its password masked", msg)
	}
	for _, q := range []string{fmt.Sprintf("{ service(id: %d) { name config } }", id), "{ services { edges { node { name config } } } }"} {
		_, errs := s.gql(q, nil, creds(s.admin, ""))
		if len(errs) != 1 {
			t.Fatalf("%s: errors %v, want the script's", q, errs)
		}
		msg := html.UnescapeString(errs[0].(map[string]any)["message"].(string))
		if strings.Contains(msg, secret) || !strings.Contains(msg, `"password":"**********"`) {
			t.Errorf("%s: the script saw %q, want the config with its password masked", q, msg)
		}
	}
}
