package filter

import "strings"

// Kind is a column's type family. It decides how a filter value is converted
// before it is bound.
type Kind int

const (
	String Kind = iota // text, bound as string
	Int                // integer, bound as int64
	Float              // number, bound as float64 (NaN and Inf refused)
	Bool               // true/false/1/0 (any case), bound as bool
	Time               // RFC3339 or YYYY-MM-DD[( |T)HH:MM:SS[.fff]][zone]; see Predicate
	JSON               // bound as text
	Other              // any other type, bound as text
)

// Column describes one filterable field.
type Column struct {
	Name   string // as clients write it
	Column string // as in SQL; Name is used when empty
	Type   Kind
}

// Env supplies what compiling a filter needs. The zero Env knows no fields,
// so every comparison fails with an unknown-field error.
type Env struct {
	// Columns resolves a field as the client wrote it. It should match
	// case-insensitively (DreamFactory does); ColumnSet builds one that does.
	// A nil func or a false result is an unknown field. Only names it
	// returns ever reach the SQL text (quoted per dialect).
	Columns func(name string) (Column, bool)
	// Params holds values for :name placeholders, keyed ":name" or "name".
	// Values may be nil, string, bool, any Go integer or float, json.Number,
	// time.Time, or (for IN lists only) a slice of those.
	Params map[string]any
	// Lookup resolves a {name} token; name is the text between the braces,
	// e.g. "user.id" or "urlencode(user.email)". A nil func or a false
	// result is an error. The result is converted like an unquoted value.
	Lookup func(name string) (string, bool)
}

// ColumnSet returns a Columns func that matches Name case-insensitively.
func ColumnSet(cols ...Column) func(name string) (Column, bool) {
	m := make(map[string]Column, len(cols))
	for _, c := range cols {
		m[strings.ToLower(c.Name)] = c
	}
	return func(name string) (Column, bool) {
		c, ok := m[strings.ToLower(name)]
		return c, ok
	}
}
