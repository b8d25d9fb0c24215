package filter

import (
	"strings"
)

// Expr is a parsed filter. It is sealed: the only implementations are *And,
// *Or, *Not and *Compare. String renders a canonical filter that Parse
// accepts and that renders to the same text again.
type Expr interface {
	String() string
	expr()
}

// And is true when every term is true. Terms has at least two entries.
type And struct{ Terms []Expr }

// Or is true when any term is true. Terms has at least two entries.
type Or struct{ Terms []Expr }

// Not negates X.
type Not struct{ X Expr }

// Compare is one condition: Field Op Values.
//
// Values holds no entry for IS NULL / IS NOT NULL, one or more for IN / NOT
// IN, and exactly one for every other operator.
type Compare struct {
	Field  string // as the client wrote it; resolved through Env.Columns
	Op     Op
	Values []Value
	Pos    int // byte offset of Field in the filter
}

func (*And) expr()     {}
func (*Or) expr()      {}
func (*Not) expr()     {}
func (*Compare) expr() {}

// Op is a comparison operator in canonical spelling. Word forms and aliases
// are normalised by Parse: EQ → "=", NE and "<>" → "!=", GT → ">", GTE → ">=",
// LT → "<", LTE → "<=".
type Op string

// The operators Parse produces.
const (
	OpEQ         Op = "="
	OpNE         Op = "!="
	OpGT         Op = ">"
	OpGE         Op = ">="
	OpLT         Op = "<"
	OpLE         Op = "<="
	OpLike       Op = "LIKE"
	OpNotLike    Op = "NOT LIKE"
	OpIn         Op = "IN"
	OpNotIn      Op = "NOT IN"
	OpIsNull     Op = "IS NULL"
	OpIsNotNull  Op = "IS NOT NULL"
	OpContains   Op = "CONTAINS"
	OpStartsWith Op = "STARTS WITH"
	OpEndsWith   Op = "ENDS WITH"
)

// ValueKind says how a Value is resolved when compiling.
type ValueKind int

const (
	// LiteralValue is text written in the filter, quoted or bare (numbers,
	// true/false and unquoted words are bare literals). It is converted to
	// the column's type.
	LiteralValue ValueKind = iota
	// NullValue is the bare word null (any case).
	NullValue
	// ParamValue is a :name placeholder; Text is the name without the colon.
	ParamValue
	// LookupValue is a {name} token; Text is the name between the braces,
	// e.g. "user.id" or "urlencode(user.email)".
	LookupValue
)

// Value is one operand of a comparison.
type Value struct {
	Kind   ValueKind
	Text   string // literal text (quotes removed, escapes applied), param name or lookup name
	Quoted bool   // the literal was written in quotes
	Pos    int    // byte offset of the value in the filter
}

func (e *And) String() string { return joinTerms(e.Terms, " AND ") }
func (e *Or) String() string  { return joinTerms(e.Terms, " OR ") }

func (e *Not) String() string {
	if _, ok := e.X.(*Compare); ok {
		return "NOT (" + e.X.String() + ")"
	}
	return "NOT " + e.X.String()
}

func (e *Compare) String() string {
	var b strings.Builder
	b.WriteString(e.Field)
	b.WriteByte(' ')
	b.WriteString(string(e.Op))
	switch e.Op {
	case OpIsNull, OpIsNotNull:
	case OpIn, OpNotIn:
		b.WriteString(" (")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
	default:
		for _, v := range e.Values {
			b.WriteByte(' ')
			b.WriteString(v.String())
		}
	}
	return b.String()
}

// String renders v as it would be written in a filter. Bare literals that
// would not read back as the same bare literal are quoted.
func (v Value) String() string {
	switch v.Kind {
	case NullValue:
		return "null"
	case ParamValue:
		return ":" + v.Text
	case LookupValue:
		return "{" + v.Text + "}"
	}
	if !v.Quoted && plainBare(v.Text) {
		return v.Text
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `''`)
	return "'" + r.Replace(v.Text) + "'"
}

func joinTerms(terms []Expr, sep string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// plainBare reports whether s reads back as the same unquoted literal.
func plainBare(s string) bool {
	if s == "" || strings.EqualFold(s, "null") || isLogicalWord(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_.%+-@*/#$", c) >= 0:
		default:
			return false
		}
	}
	return true
}
