package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
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
