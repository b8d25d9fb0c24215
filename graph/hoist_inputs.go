//go:build ignore

// hoist_inputs.go runs after gqlgen (`make generate`) and rewrites graph/generated.go so that
// the map from input types to their unmarshalers (graphql.BuildUnmarshalerMap over every input
// of the schema) is built once, at package initialisation, instead of in every call of the
// generated Exec, that is, once per GraphQL request. The map is only read afterwards
// (graphql.UnmarshalInputFromContext), so one map serves every request. Building it per request
// cost ~3.7 µs and 2.5 KB (27 reflect lookups and map inserts) on /graphql, 7 % of the CPU of a
// `{ __typename }` request.
//
// The rewrite is exact or it fails: it expects the generated Exec to hold the statement
// `inputUnmarshalMap := graphql.BuildUnmarshalerMap(…)` exactly once, as gqlgen v0.17.95's
// template writes it. When a gqlgen upgrade changes that, `make generate` stops here and says so.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
)

const (
	stmt     = "\tinputUnmarshalMap := graphql.BuildUnmarshalerMap(\n"
	stmtEnd  = "\n\t)\n"
	hoisted  = "inputUnmarshalers"
	fileName = "graph/generated.go"
)

func main() {
	src, err := os.ReadFile(fileName)
	if err != nil {
		log.Fatal(err)
	}
	out, err := hoist(src)
	if err != nil {
		log.Fatalf("%s: %v", fileName, err)
	}
	if err := os.WriteFile(fileName, out, 0o644); err != nil {
		log.Fatal(err)
	}
}

// hoist moves the BuildUnmarshalerMap call out of Exec into a package variable.
func hoist(src []byte) ([]byte, error) {
	if n := bytes.Count(src, []byte(stmt)); n != 1 {
		return nil, fmt.Errorf("want the statement %q once in Exec, found it %d times: has gqlgen's Exec template changed?", stmt[:len(stmt)-1], n)
	}
	start := bytes.Index(src, []byte(stmt))
	end := bytes.Index(src[start:], []byte(stmtEnd))
	if end < 0 {
		return nil, fmt.Errorf("the BuildUnmarshalerMap call has no end")
	}
	end += start + len(stmtEnd)
	args := src[start+len(stmt) : end-len(stmtEnd)]

	var out bytes.Buffer
	out.Write(src[:start])
	fmt.Fprintf(&out, "\tinputUnmarshalMap := %s\n", hoisted)
	out.Write(src[end:])
	fmt.Fprintf(&out, "\n// %s maps each input type to its unmarshaler; built once, read by every request\n"+
		"// (written by graph/hoist_inputs.go).\nvar %s = graphql.BuildUnmarshalerMap(\n%s\n)\n", hoisted, hoisted, args)
	return format.Source(out.Bytes())
}
