package filter

import (
	"errors"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// FuzzParse checks that Parse never panics, that String is a fixed point of
// Parse, and that compiling with a permissive environment (every field is a
// column named as written) renders SQL whose only quoted text is identifiers
// and the fixed ESCAPE '!' clause, with one placeholder per argument.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"(last_name='Smith') AND (age>=21)", "first_name like 'J%'", "id in (1,2,3)", "phone is null",
		"NOT(status='x')", "user_id={user.id}", "a=1 AND b=2 OR c=3", "a=1 AND (b=2 OR c=3)",
		"name = 'a AND b'", "name = 'x=(y)'", "name='O''Brien'", `name='O\'Brien'`, "first_name like J%",
		"name = :n", "a GTE 1 && b lt 2 || c ne 3", "name contains '5%_!'", "name starts with x", "name ends with 'y'",
		"id NOT IN ('a,b', :ids, {user.id})", "name NOT LIKE 'x%'", "x = null", "created > (NOW())",
		`name" FROM sqlite_master; -- = 1`, "id = 1; DROP TABLE x", "name = John Smith AND age > 3",
		"a`b = 1", `a"b = 'x'`, "NOT NOT a = 1", "((a = 1) OR (b = 2)) AND NOT (c IS NOT NULL)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Message == "" || fe.Pos < 0 || fe.Pos > len(s) {
				t.Fatalf("Parse(%q): bad error %#v", s, err)
			}
			return
		}
		if e == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("Parse(%q) = nil, nil", s)
			}
			return
		}
		s1 := e.String()
		e2, err := Parse(s1)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its String %q fails: %v", s, s1, err)
		}
		if s2 := e2.String(); s2 != s1 {
			t.Fatalf("String not a fixed point for %q:\n%q\n%q", s, s1, s2)
		}

		env := Env{
			Columns: func(name string) (Column, bool) {
				return Column{Name: name, Column: name, Type: Kind(len(name) % 7)}, true
			},
			Params: map[string]any{},
			Lookup: func(name string) (string, bool) { return `'"` + "`" + name, len(name)%2 == 0 },
		}
		collectParams(e, env.Params)
		p, err := Predicate(e, env)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("Predicate(%q): bad error %#v", s, err)
			}
			return
		}
		for _, d := range []string{dialect.SQLite, dialect.MySQL, dialect.Postgres} {
			q, args := sql.Dialect(d).Select("*").From(sql.Table("t")).Where(p).Query()
			checkSQL(t, s, d, q, len(args))
		}
	})
}

// collectParams gives every :param in e a hostile text value.
func collectParams(e Expr, params map[string]any) {
	switch x := e.(type) {
	case *And:
		for _, t := range x.Terms {
			collectParams(t, params)
		}
	case *Or:
		for _, t := range x.Terms {
			collectParams(t, params)
		}
	case *Not:
		collectParams(x.X, params)
	case *Compare:
		for _, v := range x.Values {
			if v.Kind == ParamValue {
				params[v.Text] = `1' OR "1"="1` + "`; --"
			}
		}
	}
}

// checkSQL scans q: quoted identifiers are skipped, the literal ESCAPE '!'
// is allowed, and any other quote, comment or statement separator fails.
// Placeholders outside identifiers must match the argument count.
func checkSQL(t *testing.T, input, d, q string, nargs int) {
	t.Helper()
	identQ := byte('`')
	if d == dialect.Postgres {
		identQ = '"'
	}
	placeholders := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == identQ:
			j := i + 1
			for ; j < len(q); j++ {
				if q[j] == identQ {
					if j+1 < len(q) && q[j+1] == identQ {
						j++
						continue
					}
					break
				}
			}
			if j >= len(q) {
				t.Fatalf("%s: unterminated identifier in %q (input %q)", d, q, input)
			}
			i = j
		case c == '\'' && strings.HasSuffix(q[:i], " ESCAPE ") && strings.HasPrefix(q[i:], "'!'"):
			i += 2
		case c == '\'' || c == '"' || c == '`' || c == ';':
			t.Fatalf("%s: %q outside an identifier in %q (input %q)", d, c, q, input)
		case c == '-' && i+1 < len(q) && q[i+1] == '-', c == '/' && i+1 < len(q) && q[i+1] == '*':
			t.Fatalf("%s: comment in %q (input %q)", d, q, input)
		case c == '?' && d != dialect.Postgres, c == '$' && d == dialect.Postgres:
			placeholders++
		}
	}
	if placeholders != nargs {
		t.Fatalf("%s: %d placeholders for %d args in %q (input %q)", d, placeholders, nargs, q, input)
	}
}
