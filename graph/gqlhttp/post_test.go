package gqlhttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/graph"
	"github.com/apiary/apiary/graph/gqlhttp"
)

// TestWriteResponse: the short path writes what json.Marshal writes (HTML-escaped data).
func TestWriteResponse(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		nil,
		{Data: json.RawMessage(`{"roles":{"edges":[{"node":{"id":1,"name":"<b>&\u2028</b>","n":1.5e3}}]}}`)},
		{Data: json.RawMessage(`null`)},
		{},
		{Data: json.RawMessage(`{"a":"\u003c"}`), Errors: gqlerror.List{{Message: "x <y>"}}},
		{Data: json.RawMessage(`{}`), HasNext: &yes, Extensions: map[string]any{"k": "v"}},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{}, Path: ast.Path{}},
	} {
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		gqlhttp.WriteResponse(&got, resp)
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("writeResponse:\n got  %s\n want %s", got.Bytes(), want)
		}
	}
}

// TestResponseContentType: the Accept header decides, as transport.POST.
func TestResponseContentType(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  "application/json",
		"*/*":                               "application/json",
		"application/*":                     "application/json",
		"application/json":                  "application/json",
		"application/graphql-response+json": "application/graphql-response+json",
		"text/html, application/graphql-response+json;q=0.9, application/json": "application/graphql-response+json",
		"text/html": "application/graphql-response+json",
	} {
		r := httptest.NewRequest("POST", "/graphql", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := gqlhttp.ResponseContentType(r); got != want {
			t.Errorf("Accept %q: %s, want %s", accept, got, want)
		}
	}
}

// TestPostAsGqlgenPOST: POST answers every request as transport.POST does — status,
// Content-Type and body — for answers with data, invalid JSON, invalid and unknown operations.
func TestPostAsGqlgenPOST(t *testing.T) {
	serve := func(tr graphql.Transport) *handler.Server {
		srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}))
		srv.AddTransport(tr)
		srv.SetQueryCache(lru.New[*ast.QueryDocument](10))
		srv.Use(gqlhttp.NewComplexityLimit(5, 10, false))
		return srv
	}
	ours, theirs := serve(gqlhttp.POST{}), serve(transport.POST{})
	for _, body := range []string{
		`{"query": "{ __typename }"}`,
		`{"query": "query Q { __typename } query R { a: __typename }", "operationName": "R"}`,
		`{"query": "query Q { __typename }", "operationName": "nope"}`,
		`{"query": "{ __typename <x> }"}`,
		`{"query": "{ nope }"}`,
		`{"query": "{ roles { edges { node { id name description } } pageInfo { hasNextPage } } }"}`,
		`{"query": "query($n: Int) { __typename }", "variables": {"n": "x"}}`,
		`{"query": "query($n: Int) { __typename }", "variables": {"n": 12345678901234567890}}`,
		`{"query": "query($n: Float) { __typename }", "variables": {"n": 1.5e300}, "extensions": {"k": [1, 2.5]}}`,
		`{"query": "{ __typename }", "variables": null, "extensions": null}`,
		`{"query": "{ __typename }", "variables": "x"}`,
		`{"query": "{ __typename }", "extensions": 1}`,
		`{"query": "{ __typename }"} trailing`,
		`{"query": "{ nope }", "QUERY": "{ __typename }"}`,
		`{"query": 1}`,
		`[]`,
		`{"query": `,
		``,
	} {
		for _, accept := range []string{"", "application/json", "application/graphql-response+json"} {
			do := func(srv *handler.Server) *httptest.ResponseRecorder {
				r := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				if accept != "" {
					r.Header.Set("Accept", accept)
				}
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, r)
				return w
			}
			a, b := do(ours), do(theirs)
			if a.Code != b.Code || a.Header().Get("Content-Type") != b.Header().Get("Content-Type") || a.Body.String() != b.Body.String() {
				t.Errorf("%s (Accept %q):\n ours   %d %s %s\n theirs %d %s %s", body, accept,
					a.Code, a.Header().Get("Content-Type"), a.Body, b.Code, b.Header().Get("Content-Type"), b.Body)
			}
		}
	}
}

// TestWriteResponseShortPath: an answer with data alone (and the empty extensions map the
// executor always sets) takes the short path.
func TestWriteResponseShortPath(t *testing.T) {
	resp := &graphql.Response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{}}
	allocs := testing.AllocsPerRun(100, func() { gqlhttp.WriteResponse(io.Discard, resp) })
	if allocs > 0 {
		t.Errorf("writeResponse allocates %.0f times for data alone: not the short path", allocs)
	}
}

// TestComplexityPerOperation: the cached complexity is the named operation's, not another's of
// the same document.
func TestComplexityPerOperation(t *testing.T) {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}))
	srv.AddTransport(gqlhttp.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](10))
	srv.Use(gqlhttp.NewComplexityLimit(5, 10, false))
	const doc = `query A { __typename } query B { roles { edges { node { id name description } } pageInfo { hasNextPage } } }`
	for _, c := range []struct{ op, want string }{
		{"A", `{"data":{"__typename":"Query"}}`},
		{"B", `{"errors":[{"message":"operation has complexity 8, which exceeds the limit of 5","extensions":{"code":"COMPLEXITY_LIMIT_EXCEEDED"}}],"data":null}`},
		{"A", `{"data":{"__typename":"Query"}}`},
	} {
		body, _ := json.Marshal(map[string]string{"query": doc, "operationName": c.op})
		r := httptest.NewRequest("POST", "/graphql", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if got := strings.TrimSpace(w.Body.String()); got != c.want {
			t.Errorf("operation %s: %s, want %s", c.op, got, c.want)
		}
	}
}
