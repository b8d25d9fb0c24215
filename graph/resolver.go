// Package graph is the /graphql surface: gqlgen resolvers that translate each field into a
// platform request — the same request REST would make — and its response back.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate && go run graph/hoist_inputs.go"

import (
	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// Resolver is the root resolver.
type Resolver struct {
	P      *platform.Platform
	Client *ent.Client
}
