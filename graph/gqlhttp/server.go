package gqlhttp

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// NewServer is the gqlgen handler of both GraphQL endpoints for es: GraphQL over HTTP with
// GET (queries only) and POST, JSON or application/graphql-response+json as the client
// accepts, parsed queries cached, the standard introspection, and the operations' complexity
// limited to maxComplexity (ComplexityLimit; argsFree as NewComplexityLimit's). The extra
// extensions are used after these, in the order given.
func NewServer(es graphql.ExecutableSchema, maxComplexity int, argsFree bool, extra ...graphql.HandlerExtension) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(NewComplexityLimit(maxComplexity, 1000, argsFree))
	for _, ext := range extra {
		srv.Use(ext)
	}
	return srv
}
