package main

import (
	"fmt"
	"reflect"
	"testing"
)

// parityOp is one logical operation written for both surfaces.
type parityOp struct {
	name   string
	method string // REST
	path   string
	body   any
	gql    string // the same operation on /graphql
	events []string
}

func evs(base, verb string) []string {
	return []string{base + "." + verb + ".pre_process", base + "." + verb + ".post_process", base + "." + verb + ".queued"}
}

// TestRESTGraphQLParity runs one table of operations through REST on one server and through
// GraphQL on another, and asserts the same events fired and the same database state results.
func TestRESTGraphQLParity(t *testing.T) {
	ops := []parityOp{
		{"create role", "POST", "/api/v2/system/role", rec(map[string]any{"name": "editors", "description": "Edit"}),
			`mutation { createRole(input: {name: "editors", description: "Edit"}) { id } }`, evs("system.role", "post")},
		{"update role", "PATCH", "/api/v2/system/role/1", map[string]any{"description": "Editors", "is_active": false},
			`mutation { updateRole(id: 1, input: {description: "Editors", isActive: false}) { id } }`, evs("system.role", "patch")},
		{"add access row", "PATCH", "/api/v2/system/role/1", map[string]any{"role_service_access_by_role_id": []any{
			map[string]any{"component": "role/*", "verb_mask": 3, "requestor_mask": 1, "filters": []any{map[string]any{"name": "id", "operator": "=", "value": 1}}}}},
			`mutation { createRoleServiceAccess(input: {roleID: 1, component: "role/*", verbMask: 3, requestorMask: 1, filters: [{name: "id", operator: "=", value: 1}]}) { id } }`,
			evs("system.role", "patch")},
		{"change access row", "PATCH", "/api/v2/system/role/1", map[string]any{"role_service_access_by_role_id": []any{
			map[string]any{"id": 1, "verb_mask": 1}}},
			`mutation { updateRoleServiceAccess(id: 1, input: {verbMask: 1}) { id } }`, evs("system.role", "patch")},
		{"create second role", "POST", "/api/v2/system/role", rec(map[string]any{"name": "temp"}),
			`mutation { createRole(input: {name: "temp"}) { id } }`, evs("system.role", "post")},
		{"create app", "POST", "/api/v2/system/app", rec(map[string]any{"name": "web", "role_id": 1, "description": "d"}),
			`mutation { createApp(input: {name: "web", roleID: 1, description: "d"}) { id } }`, evs("system.app", "post")},
		{"update app", "PATCH", "/api/v2/system/app/1", map[string]any{"description": "dd", "role_id": nil},
			`mutation { updateApp(id: 1, input: {description: "dd", clearRole: true}) { id } }`, evs("system.app", "patch")},
		{"create user", "POST", "/api/v2/system/user", rec(map[string]any{"email": "u@example.com", "name": "U", "password": "userpass1"}),
			`mutation { createUser(input: {email: "u@example.com", name: "U", password: "userpass1"}) { id } }`, evs("system.user", "post")},
		{"create admin", "POST", "/api/v2/system/admin", rec(map[string]any{"email": "a2@example.com", "name": "A2", "password": "adminpass"}),
			`mutation { createUser(input: {email: "a2@example.com", name: "A2", password: "adminpass", isSysAdmin: true}) { id } }`, evs("system.admin", "post")},
		{"update user", "PATCH", "/api/v2/system/user/2", map[string]any{"first_name": "Ursula", "phone": nil},
			`mutation { updateUser(id: 2, input: {firstName: "Ursula", clearPhone: true}) { id } }`, evs("system.user", "patch")},
		{"create script", "POST", "/api/v2/system/event_script", rec(map[string]any{"name": "system.role.get.pre_process", "type": "v8js", "content": "return 1;", "is_active": true}),
			`mutation { createEventScript(input: {name: "system.role.get.pre_process", type: "v8js", content: "return 1;", isActive: true}) { id } }`,
			evs("system.event_script", "post")},
		{"create service", "POST", "/api/v2/system/service", rec(map[string]any{"name": "accounts", "label": "Accounts", "type": "user"}),
			`mutation { createService(input: {name: "accounts", label: "Accounts", type: "user"}) { id } }`, evs("system.service", "post")},
		{"update service", "PATCH", "/api/v2/system/service/3", map[string]any{"description": "more users"},
			`mutation { updateService(id: 3, input: {description: "more users"}) { id } }`, evs("system.service", "patch")},
		{"list roles", "GET", "/api/v2/system/role", nil, `{ roles { totalCount } }`, evs("system.role", "get")},
		{"read role by id", "GET", "/api/v2/system/role/1", nil, `{ roles(where: {id: 1}) { edges { node { id name isActive } } } }`, evs("system.role", "get")},
		{"list users", "GET", "/api/v2/system/user", nil, `{ users { totalCount } }`, evs("system.user", "get")},
		{"list apps", "GET", "/api/v2/system/app", nil, `{ apps { totalCount } }`, evs("system.app", "get")},
		{"list services", "GET", "/api/v2/system/service", nil, `{ services { totalCount } }`, evs("system.service", "get")},
		{"list scripts", "GET", "/api/v2/system/event_script", nil, `{ eventScripts { totalCount } }`, evs("system.event_script", "get")},
		{"read role by id (role)", "GET", "/api/v2/system/role/1", nil, `{ role(id: 1) { id name isActive } }`, evs("system.role", "get")},
		{"read app by id", "GET", "/api/v2/system/app/1", nil, `{ app(id: 1) { id name } }`, evs("system.app", "get")},
		{"read user by id", "GET", "/api/v2/system/user/2", nil, `{ user(id: 2) { id email } }`, evs("system.user", "get")},
		{"read admin by id", "GET", "/api/v2/system/admin/3", nil, `{ user(id: 3) { id email } }`, evs("system.admin", "get")},
		{"read service by id", "GET", "/api/v2/system/service/3", nil, `{ service(id: 3) { id name } }`, evs("system.service", "get")},
		{"read script by name", "GET", "/api/v2/system/event_script/system.role.get.pre_process", nil,
			`{ eventScript(name: "system.role.get.pre_process") { id } }`, evs("system.event_script", "get")},
		{"remove access row", "PATCH", "/api/v2/system/role/1", map[string]any{"role_service_access_by_role_id": []any{
			map[string]any{"id": 1, "role_id": nil}}},
			`mutation { deleteRoleServiceAccess(id: 1) }`, evs("system.role", "patch")},
		{"delete script", "DELETE", "/api/v2/system/event_script/system.role.get.pre_process", nil,
			`mutation { deleteEventScript(id: 1) }`, evs("system.event_script", "delete")},
		{"delete service", "DELETE", "/api/v2/system/service/3", nil, `mutation { deleteService(id: 3) }`, evs("system.service", "delete")},
		{"delete role", "DELETE", "/api/v2/system/role/2", nil, `mutation { deleteRole(id: 2) }`, evs("system.role", "delete")},
		{"delete user", "DELETE", "/api/v2/system/admin/3", nil, `mutation { deleteUser(id: 3) }`, evs("system.admin", "delete")},
		{"delete app", "DELETE", "/api/v2/system/app/1", nil, `mutation { deleteApp(id: 1) }`, evs("system.app", "delete")},
		// Refused the same way on both surfaces: a duplicate name, with the same events.
		{"duplicate role", "POST", "/api/v2/system/role", rec(map[string]any{"name": "editors"}),
			`mutation { createRole(input: {name: "editors"}) { id } }`, evs("system.role", "post")},
	}
	eachBackend(t, func(t *testing.T, backend string) {
		viaREST, viaGQL := MustServe(t, backend), MustServe(t, backend)
		for _, op := range ops {
			status, body := viaREST.do(op.method, op.path, op.body, creds(viaREST.admin, ""))
			restOK := status < 300
			_, errs := viaGQL.gql(op.gql, nil, creds(viaGQL.admin, ""))
			if gqlOK := len(errs) == 0; restOK != gqlOK {
				t.Fatalf("%s: REST status %d (%v) but GraphQL errors %v", op.name, status, body, errs)
			}
			restEvents, gqlEvents := viaREST.rec.take(), viaGQL.rec.take()
			if !reflect.DeepEqual(restEvents, op.events) {
				t.Errorf("%s: REST fired %v, want %v", op.name, restEvents, op.events)
			}
			if !reflect.DeepEqual(gqlEvents, op.events) {
				t.Errorf("%s: GraphQL fired %v, want %v", op.name, gqlEvents, op.events)
			}
		}
		if a, b := viaREST.state(), viaGQL.state(); !reflect.DeepEqual(a, b) {
			t.Errorf("database state differs:\nREST:    %v\nGraphQL: %v", a, b)
		}
	})
}

func rec(m map[string]any) map[string]any { return map[string]any{"resource": []any{m}} }

// state reads the platform's data as the admin, without values that differ by nature
// (timestamps, API keys).
func (s *server) state() map[string]any {
	read := func(path string) any {
		status, out := s.do("GET", path, nil, creds(s.admin, ""))
		if status != 200 {
			s.t.Fatalf("state %s: %d %v", path, status, out)
		}
		s.rec.take()
		return out
	}
	return map[string]any{
		"role":    read("/api/v2/system/role?fields=id,name,description,is_active&related=role_service_access_by_role_id&role_service_access_by_role_id.fields=id,component,verb_mask,requestor_mask,service_id,filters,filter_op"),
		"app":     read("/api/v2/system/app?fields=id,name,description,is_active,role_id"),
		"user":    read("/api/v2/system/user?fields=id,email,name,first_name,phone,is_active"),
		"admin":   read("/api/v2/system/admin?fields=id,email,name,is_active"),
		"script":  read("/api/v2/system/event_script?fields=name,type,content,is_active"),
		"service": read("/api/v2/system/service?fields=id,name,label,description,type"),
		"counts":  fmt.Sprint(s.count("role"), s.count("app"), s.count("user"), s.count("admin")),
	}
}
