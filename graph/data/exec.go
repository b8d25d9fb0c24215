package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
)

// execSchema is the hand-written graphql.ExecutableSchema of one service, schema version and
// visibility. It is immutable and shared by concurrent requests.
type execSchema struct {
	schema  *ast.Schema
	m       *model
	vis     visibility
	service string
	lim     limits
	roots   map[string]root // Query and Mutation fields by name
	// collected caches selection sets' fields across requests (see fieldCache).
	collected *fieldCache
	// pathNames holds every field name of the schema as a path element, so that a response
	// path step costs no allocation unless the client chose an alias.
	pathNames map[string]ast.PathElement
}

// rootKind says what a root field does.
type rootKind int

const (
	rootList rootKind = iota
	rootByPK
	rootAggregate
	rootInsert
	rootInsertOne
	rootUpdate
	rootUpdateByPK
	rootDelete
	rootDeleteByPK
)

type root struct {
	kind rootKind
	tb   *table
}

func newExecSchema(m *model, v visibility, service string, lim limits) (*execSchema, error) {
	s, err := buildSchema(m, v)
	if err != nil {
		return nil, err
	}
	e := &execSchema{schema: s, m: m, vis: v, service: service, lim: lim, roots: map[string]root{}, collected: newFieldCache(),
		pathNames: map[string]ast.PathElement{}}
	for _, def := range s.Types {
		for _, f := range def.Fields {
			e.pathNames[f.Name] = ast.PathName(f.Name)
		}
	}
	for _, tb := range m.tables {
		n := tb.name
		for name, k := range map[string]rootKind{n: rootList, n + "_by_pk": rootByPK, n + "_aggregate": rootAggregate,
			"insert_" + n: rootInsert, "insert_" + n + "_one": rootInsertOne, "update_" + n: rootUpdate,
			"update_" + n + "_by_pk": rootUpdateByPK, "delete_" + n: rootDelete, "delete_" + n + "_by_pk": rootDeleteByPK} {
			e.roots[name] = root{kind: k, tb: tb}
		}
	}
	return e, nil
}

// Schema returns the loaded schema.
func (e *execSchema) Schema() *ast.Schema { return e.schema }

// Complexity counts each field once (gqlgen's default); list sizes are bounded by the page
// size limit instead.
func (e *execSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

// Exec runs the operation: query fields one after another, mutation fields serially as the
// spec requires. The response is written as ordered JSON.
//
// A mutation operation is one unit of work (platform.Unit): its fields' requests share one
// database transaction, committed when every field succeeded. The first field error stops
// the operation and rolls everything back; the answer is then that error with data null
// (Hasura's semantics), as it is when the commit fails.
func (e *execSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		if op.Operation.Operation == ast.Subscription {
			return graphql.ErrorResponse(ctx, "subscriptions are not supported")
		}
		x := &run{e: e, op: op, ctx: ctx, call: callFrom(ctx)}
		typ := "Query"
		if op.Operation.Operation == ast.Mutation {
			typ = "Mutation"
			x.ctx, x.unit = platform.WithUnit(ctx)
			defer x.unit.Rollback() // a no-op once committed; rolls back a failed operation and ends the unit on a panic
		}
		var buf bytes.Buffer
		err := x.rootObject(&buf, typ, op.Operation.SelectionSet)
		if x.unit != nil {
			if err == nil && len(x.errs) == 0 {
				if cerr := x.unit.Commit(); cerr != nil {
					x.fail(gqlhttp.GQLError(platform.AsError(cerr)), nil)
				}
			}
			if len(x.errs) > 0 {
				err = errRolledBack
			}
		}
		if err != nil {
			buf.Reset()
			buf.WriteString("null")
		}
		return &graphql.Response{Data: buf.Bytes(), Errors: x.errs}
	}
}

// errRolledBack ends a mutation operation whose unit of work was rolled back.
var errRolledBack = errors.New("the mutation was rolled back")

// run is the execution of one operation.
type run struct {
	e    *execSchema
	op   *graphql.OperationContext
	ctx  context.Context
	call *call
	errs gqlerror.List
	// relFilters counts the relation conditions resolved so far (see maxRelationFilters).
	relFilters int
	// unit is a mutation operation's unit of work (nil for queries).
	unit *platform.Unit
}

// errNull says a non-null field resolved to null; its error is already recorded and the
// parent becomes null in turn.
var errNull = errors.New("null in a non-null field")

// fail records err at path.
func (x *run) fail(err error, path ast.Path) {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		ge = &gqlerror.Error{Message: err.Error()}
	} else {
		c := *ge
		ge = &c
	}
	ge.Path = append(ast.Path(nil), path...)
	x.errs = append(x.errs, ge)
}

// field writes one field through value; a failure is recorded and becomes null, or errNull
// when the field is non-null.
func (x *run) field(buf *bytes.Buffer, typ *ast.Type, path ast.Path, value func() error) error {
	start := buf.Len()
	err := value()
	if err == nil {
		return nil
	}
	if err != errNull {
		x.fail(err, path)
	}
	buf.Truncate(start)
	if typ != nil && typ.NonNull {
		return errNull
	}
	buf.WriteString("null")
	return nil
}

func writeKey(buf *bytes.Buffer, k string) {
	writeString(buf, k)
	buf.WriteByte(':')
}

// upperHex are the digits of gqlgen's \u00XX escapes.
const upperHex = "0123456789ABCDEF"

// writeString writes s quoted exactly as graphql.MarshalString does (", \ and control
// characters escaped; everything else, invalid UTF-8 included, as is), without its closure
// and io.Writer calls.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		buf.WriteString(s[start:i])
		switch c {
		case '\t':
			buf.WriteString(`\t`)
		case '\r':
			buf.WriteString(`\r`)
		case '\n':
			buf.WriteString(`\n`)
		case '\\':
			buf.WriteString(`\\`)
		case '"':
			buf.WriteString(`\"`)
		default:
			buf.WriteString(`\u00`)
			buf.WriteByte(upperHex[c>>4])
			buf.WriteByte(upperHex[c&0xf])
		}
		start = i + 1
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

// pathName is alias as a path element.
func (e *execSchema) pathName(alias string) ast.PathElement {
	if p, ok := e.pathNames[alias]; ok {
		return p
	}
	return ast.PathName(alias)
}

// maxPathDepth is the response path depth below which building paths allocates nothing.
const maxPathDepth = 16

// writeObject writes an object of type typ with the given fields: {"alias": value, …}.
// __typename answers typ; value writes every other field, given its path. A path passed to
// value is valid only during that call (siblings reuse its backing array): whoever keeps one
// copies it, as fail does.
func (x *run) writeObject(buf *bytes.Buffer, typ string, fields []graphql.CollectedField, path ast.Path,
	value func(f graphql.CollectedField, path ast.Path) error) error {
	buf.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeKey(buf, f.Alias)
		if f.Name == "__typename" {
			writeString(buf, typ)
			continue
		}
		if err := value(f, append(path, x.e.pathName(f.Alias))); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// rootObject writes the Query or Mutation object.
func (x *run) rootObject(buf *bytes.Buffer, typ string, sel ast.SelectionSet) error {
	return x.writeObject(buf, typ, x.collect(sel, typ), make(ast.Path, 0, maxPathDepth), func(f graphql.CollectedField, path ast.Path) error {
		var def *ast.Type
		if f.Definition != nil {
			def = f.Definition.Type
		}
		if err := x.field(buf, def, path, func() error { return x.resolveRoot(buf, typ, f, path) }); err != nil {
			return err
		}
		if x.unit != nil && len(x.errs) > 0 { // the unit is rolled back: later fields need not run
			return errRolledBack
		}
		return nil
	})
}

// resolveRoot writes the value of a Query or Mutation field.
func (x *run) resolveRoot(buf *bytes.Buffer, typ string, f graphql.CollectedField, path ast.Path) error {
	switch f.Name {
	case "__schema":
		if x.op.DisableIntrospection {
			return errIntrospection
		}
		return x.intro(buf, introspection.WrapSchema(x.e.schema), "__Schema", f.Selections, path)
	case "__type":
		if x.op.DisableIntrospection {
			return errIntrospection
		}
		name, _ := f.ArgumentMap(x.op.Variables)["name"].(string)
		def := x.e.schema.Types[name]
		if def == nil {
			buf.WriteString("null")
			return nil
		}
		return x.intro(buf, introspection.WrapTypeFromDef(x.e.schema, def), "__Type", f.Selections, path)
	case "no_queries_available":
		writeString(buf, "This role may read no table of service '"+x.e.service+"'.")
		return nil
	}
	rt, ok := x.e.roots[f.Name]
	if !ok {
		return fmt.Errorf("unknown field %s", f.Name)
	}
	args := f.ArgumentMap(x.op.Variables)
	tb := rt.tb
	elem := &ast.Type{NamedType: tb.name, NonNull: true}
	switch rt.kind {
	case rootList:
		rows, err := x.list(tb, args, f.Selections)
		if err != nil {
			return err
		}
		if err := x.loadRelations(tb, f.Selections, rows); err != nil {
			return err
		}
		return x.rows(buf, tb, elem, f.Selections, rows, path)
	case rootByPK:
		r, err := x.byPK(tb, args, f.Selections)
		if err != nil {
			return err
		}
		return x.one(buf, tb, f.Selections, r, path)
	case rootAggregate:
		return x.aggregate(buf, tb, args, f.Selections, path)
	default:
		return x.mutate(buf, rt, args, f, path)
	}
}

var errIntrospection = &gqlerror.Error{Message: "introspection is disabled", Extensions: map[string]any{"code": "INTROSPECTION_DISABLED"}}

// one writes a single row (or null) after loading its relations.
func (x *run) one(buf *bytes.Buffer, tb *table, sel ast.SelectionSet, r *row, path ast.Path) error {
	if r == nil {
		buf.WriteString("null")
		return nil
	}
	if err := x.loadRelations(tb, sel, []*row{r}); err != nil {
		return err
	}
	return x.object(buf, tb, sel, r, path)
}

// rows writes a list of rows whose elements have type elem.
func (x *run) rows(buf *bytes.Buffer, tb *table, elem *ast.Type, sel ast.SelectionSet, rows []*row, path ast.Path) error {
	buf.WriteByte('[')
	for i, r := range rows {
		if i > 0 {
			buf.WriteByte(',')
		}
		p := append(path, ast.PathIndex(i))
		if err := x.field(buf, elem, p, func() error { return x.object(buf, tb, sel, r, p) }); err != nil {
			return err
		}
	}
	buf.WriteByte(']')
	return nil
}

// object writes one row as an object of tb's type.
func (x *run) object(buf *bytes.Buffer, tb *table, sel ast.SelectionSet, r *row, path ast.Path) error {
	return x.writeObject(buf, tb.name, x.collect(sel, tb.name), path, func(f graphql.CollectedField, p ast.Path) error {
		if rel := tb.relBy[f.Name]; rel != nil {
			v := r.rel[f.Alias]
			return x.field(buf, f.Definition.Type, p, func() error {
				switch v := v.(type) {
				case *row:
					if v != nil { // nil: a belongs_to without its row, written as null below
						return x.object(buf, rel.target, f.Selections, v, p)
					}
				case []*row:
					return x.rows(buf, rel.target, &ast.Type{NamedType: rel.target.name, NonNull: true}, f.Selections, v, p)
				}
				if f.Definition.Type.NonNull {
					buf.WriteString("[]")
				} else {
					buf.WriteString("null")
				}
				return nil
			})
		}
		c := tb.byName[f.Name]
		if c == nil {
			return fmt.Errorf("unknown field %s.%s", tb.name, f.Name)
		}
		return x.field(buf, f.Definition.Type, p, func() error { return writeScalar(buf, c, r.vals[c.c.Name], f.Definition.Type.NonNull) })
	})
}

// writeScalar writes a column value as its GraphQL scalar. Values come from the platform's
// normalised rows (or a script's rewrite of them): int64, float64, json.Number, string, bool,
// or decoded JSON.
func writeScalar(buf *bytes.Buffer, c *column, v any, nonNull bool) error {
	if v == nil {
		if nonNull {
			return fmt.Errorf("the database returned null for non-null field %s", c.name)
		}
		buf.WriteString("null")
		return nil
	}
	switch c.scalar {
	case "Int":
		n, ok := platform.IntValue(v)
		if !ok {
			return fmt.Errorf("field %s: %v is not an integer", c.name, v)
		}
		buf.Write(strconv.AppendInt(buf.AvailableBuffer(), n, 10))
		return nil
	case "Float":
		f, ok := platform.FloatValue(v)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("field %s: %v is not a number", c.name, v)
		}
		buf.Write(strconv.AppendFloat(buf.AvailableBuffer(), f, 'g', -1, 64))
		return nil
	case "Boolean":
		switch b := v.(type) {
		case bool:
			buf.WriteString(strconv.FormatBool(b))
			return nil
		default:
			n, ok := platform.IntValue(v)
			if !ok {
				return fmt.Errorf("field %s: %v is not a boolean", c.name, v)
			}
			buf.WriteString(strconv.FormatBool(n != 0))
			return nil
		}
	case "String", "ID", "DateTime":
		switch s := v.(type) {
		case string:
			writeString(buf, s)
		case json.Number:
			writeString(buf, s.String())
		case int64:
			writeString(buf, strconv.FormatInt(s, 10))
		case float64:
			writeString(buf, strconv.FormatFloat(s, 'f', -1, 64))
		default:
			writeString(buf, fmt.Sprint(s))
		}
		return nil
	}
	// JSON, Decimal: the value as the platform gives it.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("field %s: %v", c.name, err)
	}
	buf.Write(b)
	return nil
}

// badRequest is a client error in the arguments of a field.
func badRequest(format string, args ...any) error {
	return gqlhttp.GQLError(platform.BadRequest(format, args...))
}
