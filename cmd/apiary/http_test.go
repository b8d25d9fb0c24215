package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func rawRequest(t *testing.T, method, u string, body string, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestCORS: rules from system/cors answer preflights and decorate responses, per path and origin.
func TestCORS(t *testing.T) {
	s := MustServe(t, "sqlite")
	s.must(201, "POST", "/api/v2/system/cors", map[string]any{"resource": []any{map[string]any{
		"path": "api/v2/*", "origin": "https://app.example.com", "header": "*", "exposed_header": "X-Total",
		"method": 3, "max_age": 600, "supports_credentials": true,
	}}})
	pre := rawRequest(t, "OPTIONS", s.m.URL+"/api/v2/system/role", "", map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "X-DreamFactory-Session-Token, Content-Type"})
	h := pre.Header
	if pre.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		h.Get("Access-Control-Allow-Methods") != "GET, POST" || h.Get("Access-Control-Allow-Credentials") != "true" ||
		h.Get("Access-Control-Max-Age") != "600" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "X-DreamFactory-Session-Token") {
		t.Errorf("preflight: %d %v", pre.StatusCode, h)
	}
	// A method outside the rule's mask gets no grant.
	del := rawRequest(t, "OPTIONS", s.m.URL+"/api/v2/system/role", "", map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"})
	if del.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("DELETE preflight granted: %v", del.Header)
	}
	// Another origin gets nothing.
	other := rawRequest(t, "GET", s.m.URL+"/api/v2/system/environment", "", map[string]string{"Origin": "https://evil.example"})
	if other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin allowed: %v", other.Header)
	}
	// A simple request from the allowed origin carries the headers.
	ok := rawRequest(t, "GET", s.m.URL+"/api/v2/system/environment", "", map[string]string{"Origin": "https://app.example.com"})
	if ok.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || ok.Header.Get("Access-Control-Expose-Headers") != "X-Total" {
		t.Errorf("simple request: %v", ok.Header)
	}
}

// TestGraphQLOverHTTP: GET for queries, POST, media types, status codes and introspection.
func TestGraphQLOverHTTP(t *testing.T) {
	s := MustServe(t, "sqlite")
	h := creds(s.admin, "")
	h["Accept"] = "application/graphql-response+json"
	get := rawRequest(t, "GET", s.m.URL+"/graphql?query="+url.QueryEscape("{ roles { totalCount } }"), "", h)
	if get.StatusCode != 200 || get.Header.Get("Content-Type") != "application/graphql-response+json" {
		t.Errorf("GET query: %d %s", get.StatusCode, get.Header.Get("Content-Type"))
	}
	mut := rawRequest(t, "GET", s.m.URL+"/graphql?query="+url.QueryEscape(`mutation { createRole(input: {name: "x"}) { id } }`), "", h)
	if mut.StatusCode < 400 {
		t.Errorf("a mutation over GET must be refused: %d", mut.StatusCode)
	}
	if n := s.count("role"); n != 0 {
		t.Fatalf("GET mutation wrote a role")
	}
	h["Content-Type"] = "application/json"
	bad := rawRequest(t, "POST", s.m.URL+"/graphql", `{"query": "{ roles { nope } }"}`, h)
	if bad.StatusCode != 400 {
		t.Errorf("invalid query with graphql-response+json: %d, want 400", bad.StatusCode)
	}
	// The complexity limit (500) holds on every request, also when the complexity is cached,
	// and for operations with variables (computed each time).
	var wide strings.Builder
	wide.WriteString("{")
	for i := 0; i < 130; i++ {
		fmt.Fprintf(&wide, " r%d: roles { totalCount edges { node { id } } }", i)
	}
	wide.WriteString(" }")
	for _, body := range []string{
		fmt.Sprintf(`{"query": %q}`, wide.String()),
		fmt.Sprintf(`{"query": %q}`, wide.String()),
		fmt.Sprintf(`{"query": %q, "variables": {"n": 1}}`, "query($n: Int) "+strings.Replace(wide.String(), "roles {", "roles(first: $n) {", 1)),
	} {
		resp := rawRequest(t, "POST", s.m.URL+"/graphql", body, h)
		raw, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(raw), `"code":"COMPLEXITY_LIMIT_EXCEEDED"`) || strings.Contains(string(raw), `"data":{`) {
			t.Errorf("complexity over the limit: %d %s", resp.StatusCode, raw)
		}
	}
	if data, errs := s.gql(`{ roles { totalCount } }`, nil, creds(s.admin, "")); len(errs) > 0 || data["roles"] == nil {
		t.Errorf("a query within the limit: %v %v", data, errs)
	}
	// The standard introspection query.
	intro := rawRequest(t, "POST", s.m.URL+"/graphql", `{"query": "query { __schema { queryType { name } mutationType { name } types { name kind } } }"}`, h)
	var out struct {
		Data struct {
			Schema struct {
				QueryType    struct{ Name string } `json:"queryType"`
				MutationType struct{ Name string } `json:"mutationType"`
				Types        []struct{ Name string }
			} `json:"__schema"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(intro.Body)
	if err := json.Unmarshal(raw, &out); err != nil || out.Data.Schema.QueryType.Name != "Query" || out.Data.Schema.MutationType.Name != "Mutation" {
		t.Fatalf("introspection: %v %s", err, raw)
	}
	for _, want := range []string{"Role", "RoleConnection", "RoleWhereInput", "CreateRoleInput", "Session"} {
		found := false
		for _, ty := range out.Data.Schema.Types {
			found = found || ty.Name == want
		}
		if !found {
			t.Errorf("schema lacks type %s", want)
		}
	}
	// login, me and logout.
	data, errs := s.gql(`mutation { login(email: "admin@example.com", password: "secret123", admin: true) { sessionToken isSysAdmin } }`, nil, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	tok := data["login"].(map[string]any)["sessionToken"].(string)
	data, _ = s.gql(`{ me { email isSysAdmin } }`, nil, creds(tok, ""))
	if me := data["me"].(map[string]any); me["email"] != "admin@example.com" || me["isSysAdmin"] != true {
		t.Errorf("me: %v", me)
	}
	if _, errs := s.gql(`mutation { logout }`, nil, creds(tok, "")); len(errs) > 0 {
		t.Errorf("logout: %v", errs)
	}
	_, errs = s.gql(`{ roles { totalCount } }`, nil, creds(tok, ""))
	if len(errs) == 0 || errs[0].(map[string]any)["extensions"].(map[string]any)["status"].(float64) != 403 {
		t.Errorf("token after GraphQL logout: %v", errs)
	}
	data, _ = s.gql(`{ me { email } }`, nil, nil)
	if data["me"] != nil {
		t.Errorf("me without a session: %v", data["me"])
	}
	// Credentials in the query string (api_key, session_token), as on REST.
	for _, c := range []struct {
		query string
		ok    bool
	}{{"session_token=" + s.admin, true}, {"session_token=nope", false}, {"", false}} {
		resp := rawRequest(t, "GET", s.m.URL+"/graphql?"+c.query+"&query="+url.QueryEscape("{ roles { totalCount } }"), "", nil)
		raw, _ := io.ReadAll(resp.Body)
		if ok := strings.Contains(string(raw), `"totalCount"`) && !strings.Contains(string(raw), `"errors"`); ok != c.ok {
			t.Errorf("GET /graphql?%s: %s", c.query, raw)
		}
	}
	// Relay paging with where and orderBy.
	for _, n := range []string{"c", "a", "b"} {
		s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": n}))
	}
	data, errs = s.gql(`{ roles(first: 2, orderBy: {field: NAME}, where: {nameNEQ: "zzz"}) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`, nil, creds(s.admin, ""))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	conn := data["roles"].(map[string]any)
	edges := conn["edges"].([]any)
	if conn["totalCount"].(float64) != 3 || len(edges) != 2 || edges[0].(map[string]any)["node"].(map[string]any)["name"] != "a" ||
		conn["pageInfo"].(map[string]any)["hasNextPage"] != true {
		t.Errorf("relay page: %v", conn)
	}
}

// TestPlaygroundAndStatus: the embedded playground and the health check answer without credentials.
func TestPlaygroundAndStatus(t *testing.T) {
	s := MustServe(t, "sqlite")
	pg := rawRequest(t, "GET", s.m.URL+"/playground/", "", nil)
	body, _ := io.ReadAll(pg.Body)
	if pg.StatusCode != 200 || !strings.Contains(string(body), "graphiql") {
		t.Errorf("playground: %d", pg.StatusCode)
	}
	st := rawRequest(t, "GET", s.m.URL+"/status", "", nil)
	if st.StatusCode != 200 {
		t.Errorf("status: %d", st.StatusCode)
	}
}

// TestResponsesHaveContentLength: REST and GraphQL answers, large or small, errors too, come
// with a Content-Length that matches the body, not in chunks.
func TestResponsesHaveContentLength(t *testing.T) {
	s := MustServe(t, "sqlite")
	for i := 0; i < 40; i++ { // a list well over net/http's 2 KiB buffer
		s.must(201, "POST", "/api/v2/system/role", rec(map[string]any{"name": fmt.Sprintf("role-%02d", i), "description": strings.Repeat("d", 60)}))
	}
	admin := map[string]string{"X-DreamFactory-Session-Token": s.admin, "Content-Type": "application/json"}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v2/system/role", ""},
		{"GET", "/api/v2/system/role/999999", ""},
		{"POST", "/graphql", `{"query":"{ roles(first: 40) { edges { node { id name description } } } }"}`},
		{"POST", "/graphql", `{"query":"{ nope }"}`},
	} {
		resp := rawRequest(t, c.method, s.m.URL+c.path, c.body, admin)
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.TransferEncoding) > 0 || resp.ContentLength != int64(len(body)) || len(body) == 0 {
			t.Errorf("%s %s: status %d, Transfer-Encoding %v, Content-Length %d, body %d bytes", c.method, c.path,
				resp.StatusCode, resp.TransferEncoding, resp.ContentLength, len(body))
		}
	}
}
