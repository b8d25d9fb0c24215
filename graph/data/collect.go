package data

import (
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/apiary/apiary/platform/bounded"
)

// maxCollected bounds a fieldCache; a full cache is emptied and fills again.
const maxCollected = 4096

// fieldCache keeps graphql.CollectFields results across operations. gqlgen caches parsed
// documents per query text, so a repeated query hands the executor the same selection sets
// again; what CollectFields makes of one depends only on the set, the type and, through
// @skip, @include and @defer, on the operation's variables. Sets of documents that use none of
// these directives are cached; the others are collected on every request. Safe for concurrent
// use.
type fieldCache struct {
	fields bounded.Map[fieldKey, collected]
	static bounded.Map[*ast.QueryDocument, bool] // whether a document is free of those directives
}

// fieldKey finds a set's entry cheaply. It does not identify the set: gqlgen merges the
// selections of a fragment and a field into new sets that can share their first selection
// and their length, so an entry holds its set and a hit compares them.
type fieldKey struct {
	first ast.Selection
	n     int
	typ   string
}

// collected is a set and what CollectFields made of it.
type collected struct {
	sel    ast.SelectionSet
	fields []graphql.CollectedField
}

// collect is graphql.CollectFields(x.op, sel, []string{typ}), cached when it can be. The
// result is shared: callers must not change it.
func (x *run) collect(sel ast.SelectionSet, typ string) []graphql.CollectedField {
	c := x.e.collected
	if len(sel) == 0 || !c.isStatic(x.op.Doc) {
		return graphql.CollectFields(x.op, sel, []string{typ})
	}
	key := fieldKey{first: sel[0], n: len(sel), typ: typ}
	if e, ok := c.fields.Get(key); ok && slices.Equal(e.sel, sel) {
		return e.fields
	}
	fields := graphql.CollectFields(x.op, sel, []string{typ})
	c.fields.Put(key, collected{sel: sel, fields: fields})
	return fields
}

// isStatic reports (and remembers) whether doc uses none of @skip, @include and @defer.
func (c *fieldCache) isStatic(doc *ast.QueryDocument) bool {
	if static, ok := c.static.Get(doc); ok {
		return static
	}
	static := true
	for _, op := range doc.Operations {
		static = static && !hasConditions(op.Directives) && setIsStatic(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		static = static && !hasConditions(f.Directives) && setIsStatic(f.SelectionSet)
	}
	c.static.Put(doc, static)
	return static
}

func setIsStatic(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if hasConditions(s.Directives) || !setIsStatic(s.SelectionSet) {
				return false
			}
		case *ast.InlineFragment:
			if hasConditions(s.Directives) || !setIsStatic(s.SelectionSet) {
				return false
			}
		case *ast.FragmentSpread:
			if hasConditions(s.Directives) {
				return false
			}
		}
	}
	return true
}

func hasConditions(ds ast.DirectiveList) bool {
	for _, d := range ds {
		if d.Name == "skip" || d.Name == "include" || d.Name == "defer" {
			return true
		}
	}
	return false
}

func newFieldCache() *fieldCache {
	c := &fieldCache{}
	c.fields.Max, c.static.Max = maxCollected, maxCollected
	return c
}
