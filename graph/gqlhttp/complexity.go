package gqlhttp

import (
	"context"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ComplexityLimit is gqlgen's extension.FixedComplexityLimit with the computed complexity
// cached per query text and operation name: an operation without variables has the same
// complexity every time, and walking its selection set on every request cost as much as a
// quarter of a small query's executor time. Operations with variables are computed each time,
// as a complexity function may read arguments, unless the schema's complexity never reads
// them (argsFree). The answer and the error are the same as FixedComplexityLimit's; the
// ComplexityLimit stats extension, which nothing here reads, is not kept (a map per request).
// Safe for concurrent use.
type ComplexityLimit struct {
	limit    int
	argsFree bool
	es       graphql.ExecutableSchema
	cache    *lru.LRU[int]
}

// NewComplexityLimit refuses operations above limit, caching up to cacheSize computed values.
// argsFree says that the schema's Complexity ignores its arguments, so that operations with
// variables are cached too.
func NewComplexityLimit(limit, cacheSize int, argsFree bool) *ComplexityLimit {
	return &ComplexityLimit{limit: limit, argsFree: argsFree, cache: lru.New[int](cacheSize)}
}

// ExtensionName is the name gqlgen's own complexity extension uses.
func (c *ComplexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate keeps the schema the complexity is computed against.
func (c *ComplexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

// MutateOperationContext refuses an operation whose complexity exceeds the limit, with
// extensions.code COMPLEXITY_LIMIT_EXCEEDED and no data.
func (c *ComplexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil {
		return nil // the executor reports the unknown operation
	}
	var n int
	cacheable := c.argsFree || len(op.VariableDefinitions) == 0
	key := opCtx.RawQuery // most requests name no operation: no copy of the query for the key
	if opCtx.OperationName != "" {
		key = opCtx.OperationName + "\x00" + key
	}
	cached := false
	if cacheable {
		n, cached = c.cache.Get(ctx, key)
	}
	if !cached {
		n = complexity.Calculate(ctx, c.es, op, opCtx.Variables)
		if cacheable {
			c.cache.Add(ctx, key, n)
		}
	}
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

// Interface guards
var (
	_ graphql.HandlerExtension        = (*ComplexityLimit)(nil)
	_ graphql.OperationContextMutator = (*ComplexityLimit)(nil)
)
