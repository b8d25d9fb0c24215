package filter

import (
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// Predicate compiles e to an ent SQL predicate. A nil e returns (nil, nil).
// Errors are *Error.
//
// Contracts:
//   - Every field is resolved through env.Columns; only the returned SQL
//     column name reaches the SQL text, quoted for the dialect of the
//     sql.Selector that renders the predicate (backticks, or double quotes on
//     PostgreSQL), with embedded quote characters doubled.
//   - Every value is converted to its column's Kind and bound as an argument;
//     no value, parameter or lookup result is ever written into the SQL text.
//   - "= null" renders IS NULL and "!= null" IS NOT NULL (also for a nil
//     :param); null with other operators is an error.
//   - CONTAINS, STARTS WITH and ENDS WITH treat the value literally: % _ and !
//     are escaped with '!' and the SQL carries ESCAPE '!', which means the
//     same on SQLite, PostgreSQL and MySQL. LIKE and NOT LIKE use the pattern
//     as given, with the database's own escape rules.
//   - LIKE-style operators on a column whose Kind is not String compare
//     CAST(col AS TEXT) (CAST(col AS CHAR) on MySQL).
//   - Time values bind as the client's text on SQLite and as time.Time on
//     other dialects.
//
// All conversion happens here, so the returned predicate cannot fail when
// rendered. Like every ent predicate it keeps render state: render it from
// one goroutine at a time.
func Predicate(e Expr, env Env) (*sql.Predicate, error) {
	if e == nil {
		return nil, nil
	}
	c := compiler{env: env}
	p, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	return p, nil
}

type compiler struct{ env Env }

func (c *compiler) expr(e Expr) (*sql.Predicate, *Error) {
	switch x := e.(type) {
	case *And:
		if x == nil {
			break
		}
		ps, err := c.terms(x.Terms, "AND")
		if err != nil {
			return nil, err
		}
		return sql.And(ps...), nil
	case *Or:
		if x == nil {
			break
		}
		ps, err := c.terms(x.Terms, "OR")
		if err != nil {
			return nil, err
		}
		return sql.Or(ps...), nil
	case *Not:
		if x == nil || x.X == nil {
			return nil, errorf(-1, "Invalid or unparsable filter request: empty NOT.")
		}
		p, err := c.expr(x.X)
		if err != nil {
			return nil, err
		}
		return sql.Not(p), nil
	case *Compare:
		if x != nil {
			return c.compare(x)
		}
	}
	return nil, errorf(-1, "Invalid or unparsable filter request: empty condition.")
}

func (c *compiler) terms(terms []Expr, op string) ([]*sql.Predicate, *Error) {
	if len(terms) == 0 {
		return nil, errorf(-1, "Invalid or unparsable filter request: empty %s.", op)
	}
	ps := make([]*sql.Predicate, len(terms))
	for i, t := range terms {
		p, err := c.expr(t)
		if err != nil {
			return nil, err
		}
		ps[i] = p
	}
	return ps, nil
}

// sqlOps maps the scalar comparison operators to SQL.
var sqlOps = map[Op]string{OpEQ: " = ", OpNE: " <> ", OpGT: " > ", OpGE: " >= ", OpLT: " < ", OpLE: " <= "}

func (c *compiler) compare(x *Compare) (*sql.Predicate, *Error) {
	col, ok := Column{}, false
	if c.env.Columns != nil {
		col, ok = c.env.Columns(x.Field)
	}
	name := col.Column
	if name == "" {
		name = col.Name
	}
	if !ok || name == "" {
		return nil, fieldError(x.Pos, x.Field)
	}
	switch x.Op {
	case OpIsNull, OpIsNotNull:
		if len(x.Values) != 0 {
			return nil, errorf(x.Pos, "Invalid or unparsable filter request: %s takes no value.", x.Op)
		}
		return nullP(name, x.Op == OpIsNotNull), nil
	case OpIn, OpNotIn:
		if len(x.Values) == 0 {
			return nil, errorf(x.Pos, "Filter value lists must not be empty.")
		}
		var args []any
		for _, v := range x.Values {
			var err *Error
			if args, err = c.listItem(args, v, col, x.Field); err != nil {
				return nil, err
			}
		}
		return inP(name, args, x.Op == OpNotIn), nil
	}
	if len(x.Values) != 1 {
		return nil, errorf(x.Pos, "Invalid or unparsable filter request: %s takes exactly one value.", x.Op)
	}
	v := x.Values[0]
	switch x.Op {
	case OpLike, OpNotLike, OpContains, OpStartsWith, OpEndsWith:
		s, err := c.text(v, x.Field)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case OpContains:
			return likeP(name, col.Type, "%"+escapeLike(s)+"%", false, true), nil
		case OpStartsWith:
			return likeP(name, col.Type, escapeLike(s)+"%", false, true), nil
		case OpEndsWith:
			return likeP(name, col.Type, "%"+escapeLike(s), false, true), nil
		}
		return likeP(name, col.Type, s, x.Op == OpNotLike, false), nil
	}
	sqlOp, ok := sqlOps[x.Op]
	if !ok {
		return nil, errorf(x.Pos, "Invalid or unparsable filter request: unknown operator '%s'.", x.Op)
	}
	arg, null, err := c.scalar(v, col, x.Field)
	if err != nil {
		return nil, err
	}
	if null {
		switch x.Op {
		case OpEQ:
			return nullP(name, false), nil
		case OpNE:
			return nullP(name, true), nil
		}
		return nil, syntaxError(v.Pos, "null can only be compared with = or !=")
	}
	return cmpP(name, sqlOp, arg), nil
}

// scalar resolves v and converts it for col.
func (c *compiler) scalar(v Value, col Column, field string) (arg any, null bool, err *Error) {
	switch v.Kind {
	case NullValue:
		return nil, true, nil
	case ParamValue:
		p, err := c.param(v)
		if err != nil {
			return nil, false, err
		}
		if _, isList := paramList(p); isList {
			return nil, false, valueError(v.Pos, field, "a single value, not a list")
		}
		return convertParam(p, col, field, v.Pos)
	case LookupValue:
		s, err := c.lookup(v)
		if err != nil {
			return nil, false, err
		}
		arg, err = convertText(s, col, field, v.Pos)
		return arg, false, err
	case LiteralValue:
		arg, err = convertText(v.Text, col, field, v.Pos)
		return arg, false, err
	}
	return nil, false, errorf(v.Pos, "Invalid or unparsable filter request: unknown value kind at position %d.", v.Pos)
}

// listItem appends the converted IN-list item v to args; a slice :param
// expands to several items.
func (c *compiler) listItem(args []any, v Value, col Column, field string) ([]any, *Error) {
	if v.Kind == ParamValue {
		p, err := c.param(v)
		if err != nil {
			return nil, err
		}
		if items, ok := paramList(p); ok {
			if len(items) == 0 {
				return nil, errorf(v.Pos, "Filter value lists must not be empty.")
			}
			for _, it := range items {
				arg, null, err := convertParam(it, col, field, v.Pos)
				if err != nil {
					return nil, err
				}
				if null {
					return nil, syntaxError(v.Pos, "null is not allowed in a value list, use IS NULL")
				}
				args = append(args, arg)
			}
			return args, nil
		}
	}
	arg, null, err := c.scalar(v, col, field)
	if err != nil {
		return nil, err
	}
	if null {
		return nil, syntaxError(v.Pos, "null is not allowed in a value list, use IS NULL")
	}
	return append(args, arg), nil
}

// text resolves v as a string, for LIKE-style operators.
func (c *compiler) text(v Value, field string) (string, *Error) {
	switch v.Kind {
	case LiteralValue:
		return v.Text, nil
	case LookupValue:
		return c.lookup(v)
	case ParamValue:
		p, err := c.param(v)
		if err != nil {
			return "", err
		}
		if s, ok := paramText(p); ok {
			return s, nil
		}
		return "", valueError(v.Pos, field, "compared with a text value")
	case NullValue:
		return "", syntaxError(v.Pos, "null can only be compared with = or !=")
	}
	return "", errorf(v.Pos, "Invalid or unparsable filter request: unknown value kind at position %d.", v.Pos)
}

func (c *compiler) param(v Value) (any, *Error) {
	name := strings.TrimPrefix(v.Text, ":")
	if p, ok := c.env.Params[":"+name]; ok {
		return p, nil
	}
	if p, ok := c.env.Params[name]; ok {
		return p, nil
	}
	return nil, errorf(v.Pos, "Missing value for filter parameter ':%s'.", name)
}

func (c *compiler) lookup(v Value) (string, *Error) {
	if c.env.Lookup != nil {
		if s, ok := c.env.Lookup(v.Text); ok {
			return s, nil
		}
	}
	return "", errorf(v.Pos, "Invalid lookup '{%s}' in filter.", v.Text)
}

// ident writes name as a quoted identifier for the builder's dialect.
func ident(b *sql.Builder, name string) {
	q := "`"
	if b.Dialect() == dialect.Postgres {
		q = `"`
	}
	b.WriteString(q + strings.ReplaceAll(name, q, q+q) + q)
}

// arg binds a converted value.
func arg(b *sql.Builder, a any) {
	if t, ok := a.(timeArg); ok {
		if b.Dialect() == dialect.SQLite {
			b.Arg(t.Text)
		} else {
			b.Arg(t.T)
		}
		return
	}
	b.Arg(a)
}

func cmpP(col, op string, a any) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		ident(b, col)
		b.WriteString(op)
		arg(b, a)
	})
}

func nullP(col string, not bool) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		ident(b, col)
		if not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	})
}

func inP(col string, args []any, not bool) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		ident(b, col)
		if not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, a := range args {
			if i > 0 {
				b.WriteString(", ")
			}
			arg(b, a)
		}
		b.WriteByte(')')
	})
}

// likeP renders [CAST(]col[ AS TEXT)] [NOT ]LIKE ? [ESCAPE '!'].
func likeP(col string, kind Kind, pattern string, not, escaped bool) *sql.Predicate {
	return sql.P(func(b *sql.Builder) {
		if kind == String {
			ident(b, col)
		} else {
			b.WriteString("CAST(")
			ident(b, col)
			if b.Dialect() == dialect.MySQL || b.Dialect() == "" {
				b.WriteString(" AS CHAR)")
			} else {
				b.WriteString(" AS TEXT)")
			}
		}
		if not {
			b.WriteString(" NOT")
		}
		b.WriteString(" LIKE ")
		b.Arg(pattern)
		if escaped {
			b.WriteString(" ESCAPE '!'")
		}
	})
}

// String names a Kind.
func (k Kind) String() string {
	switch k {
	case String:
		return "String"
	case Int:
		return "Int"
	case Float:
		return "Float"
	case Bool:
		return "Bool"
	case Time:
		return "Time"
	case JSON:
		return "JSON"
	case Other:
		return "Other"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}
