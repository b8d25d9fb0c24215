package filter

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

var testColumns = ColumnSet(
	Column{Name: "id", Type: Int},
	Column{Name: "age", Type: Int},
	Column{Name: "a", Type: Int},
	Column{Name: "b", Type: Int},
	Column{Name: "c", Type: Int},
	Column{Name: "user_id", Type: Int},
	Column{Name: "first_name", Type: String},
	Column{Name: "last_name", Type: String},
	Column{Name: "name", Type: String},
	Column{Name: "phone", Type: String},
	Column{Name: "status", Type: String},
	Column{Name: "email", Type: String},
	Column{Name: "price", Type: Float},
	Column{Name: "active", Type: Bool},
	Column{Name: "created", Type: Time},
	Column{Name: "data", Type: JSON},
	Column{Name: "Full Name", Column: "full name", Type: String},
	Column{Name: "odd", Column: "we`ird\"col", Type: String},
)

func testEnv() Env {
	lookups := map[string]string{
		"user.id":               "7",
		"user.email":            "o'brien@example.com",
		"urlencode(user.email)": "o%27brien%40example.com",
	}
	return Env{
		Columns: testColumns,
		Params: map[string]any{
			":n":    "John",
			"plain": "Jane",
			":ids":  []any{float64(1), float64(2), float64(3)},
			":nil":  nil,
			":age":  float64(30),
			":frac": 1.5,
			":on":   true,
			":pct":  "50%",
		},
		Lookup: func(name string) (string, bool) { s, ok := lookups[name]; return s, ok },
	}
}

// render compiles and renders the WHERE clause of filter for d.
func render(t *testing.T, filter string, env Env, d string) (string, []any) {
	t.Helper()
	e, err := Parse(filter)
	if err != nil {
		t.Fatalf("Parse(%q): %v", filter, err)
	}
	p, err := Predicate(e, env)
	if err != nil {
		t.Fatalf("Predicate(%q): %v", filter, err)
	}
	return where(t, p, d)
}

func where(t *testing.T, p *sql.Predicate, d string) (string, []any) {
	t.Helper()
	q, args := sql.Dialect(d).Select("*").From(sql.Table("contact")).Where(p).Query()
	prefix := "SELECT * FROM `contact` WHERE "
	if d == dialect.Postgres {
		prefix = `SELECT * FROM "contact" WHERE `
	}
	if !strings.HasPrefix(q, prefix) {
		t.Fatalf("unexpected query shape: %s", q)
	}
	return strings.TrimPrefix(q, prefix), args
}

// toPostgres rewrites SQL written with backticks and ? placeholders into
// PostgreSQL's "quoting" and $n placeholders. Test expectations contain no
// ? or backtick inside identifiers except where handled explicitly.
func toPostgres(s string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			b.WriteByte('"')
		case '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"(last_name='Smith') AND (age>=21)", "(last_name = 'Smith' AND age >= 21)"},
		{"first_name like 'J%'", "first_name LIKE 'J%'"},
		{"id in (1,2,3)", "id IN (1, 2, 3)"},
		{"phone is null", "phone IS NULL"},
		{"phone IS NOT NULL", "phone IS NOT NULL"},
		{"NOT(status='x')", "NOT (status = 'x')"},
		{"NOT (status='x')", "NOT (status = 'x')"},
		{"not (a=1 or b=2)", "NOT (a = 1 OR b = 2)"},
		{"user_id={user.id}", "user_id = {user.id}"},
		{"email = {urlencode(user.email)}", "email = {urlencode(user.email)}"},
		{"email = '{user.email}'", "email = {user.email}"},
		{"a=1 AND b=2 OR c=3", "((a = 1 AND b = 2) OR c = 3)"},
		{"a=1 OR b=2 AND c=3", "(a = 1 OR (b = 2 AND c = 3))"},
		{"a=1 AND (b=2 OR c=3)", "(a = 1 AND (b = 2 OR c = 3))"},
		{"NOT a=1 AND b=2", "(NOT (a = 1) AND b = 2)"},
		{"a=1 && b=2 || c=3", "((a = 1 AND b = 2) OR c = 3)"},
		{"a=1&&b=2", "(a = 1 AND b = 2)"},
		{"(a=1)AND(b=2)", "(a = 1 AND b = 2)"},
		{"(a=1)or(b=2)", "(a = 1 OR b = 2)"},
		{"((((a=1))))", "a = 1"},
		{"name = 'a AND b'", "name = 'a AND b'"},
		{"name = 'x=(y)'", "name = 'x=(y)'"},
		{"name like '%a=b%'", "name LIKE '%a=b%'"},
		{"name='O''Brien'", "name = 'O''Brien'"},
		{`name='O\'Brien'`, "name = 'O''Brien'"},
		{`name="say ""hi"""`, `name = 'say "hi"'`},
		{`name="O\"Brien"`, `name = 'O"Brien'`},
		{`name='C:\path'`, `name = 'C:\\path'`},
		{"first_name like J%", "first_name LIKE J%"},
		{"name = John", "name = John"},
		{"name = John Smith", "name = 'John Smith'"},
		{"name = John Smith AND age > 3", "(name = 'John Smith' AND age > 3)"},
		{"(name = John Smith)", "name = 'John Smith'"},
		{"name = Smith (Jr)", "name = 'Smith (Jr)'"},
		{"name = ORwell", "name = ORwell"},
		{"name = :n", "name = :n"},
		{"a EQ 1", "a = 1"},
		{"a ne 1", "a != 1"},
		{"a <> 1", "a != 1"},
		{"a Gt 1", "a > 1"},
		{"a GTE 1", "a >= 1"},
		{"a lt 1", "a < 1"},
		{"a LTE 1", "a <= 1"},
		{"a!=1", "a != 1"},
		{"a<=1", "a <= 1"},
		{"a<1", "a < 1"},
		{"a>1", "a > 1"},
		{"name contains 'x'", "name CONTAINS 'x'"},
		{"name starts with 'x'", "name STARTS WITH 'x'"},
		{"name ENDS   WITH 'x'", "name ENDS WITH 'x'"},
		{"name NOT LIKE 'x%'", "name NOT LIKE 'x%'"},
		{"id NOT IN (1,2)", "id NOT IN (1, 2)"},
		{"id not in(1 , 2 )", "id NOT IN (1, 2)"},
		{"name NOT CONTAINS 'x'", "NOT (name CONTAINS 'x')"},
		{"name in ('a,b', \"c)d\", e f, :n, {user.id})", "name IN ('a,b', 'c)d', 'e f', :n, {user.id})"},
		{"name = null", "name = null"},
		{"name != NULL", "name != null"},
		{"name = 'null'", "name = 'null'"},
		{"active = true", "active = true"},
		{"  a = 1  ", "a = 1"},
		{"a\t=\n1", "a = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			// String is a fixed point of Parse.
			e2, err := Parse(e.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", e.String(), err)
			}
			if e2.String() != tt.want {
				t.Fatalf("reparse changed %q to %q", tt.want, e2.String())
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for _, s := range []string{"", "  ", "\t\n"} {
		e, err := Parse(s)
		if e != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", s, e, err)
		}
	}
	p, err := Predicate(nil, testEnv())
	if p != nil || err != nil {
		t.Errorf("Predicate(nil) = %v, %v", p, err)
	}
}

func TestParseTree(t *testing.T) {
	e, err := Parse("name = :n AND (id IN (1, '2') OR NOT(email = {user.email}))")
	if err != nil {
		t.Fatal(err)
	}
	want := &And{Terms: []Expr{
		&Compare{Field: "name", Op: OpEQ, Pos: 0, Values: []Value{{Kind: ParamValue, Text: "n", Pos: 7}}},
		&Or{Terms: []Expr{
			&Compare{Field: "id", Op: OpIn, Pos: 15, Values: []Value{
				{Kind: LiteralValue, Text: "1", Pos: 22},
				{Kind: LiteralValue, Text: "2", Quoted: true, Pos: 25},
			}},
			&Not{X: &Compare{Field: "email", Op: OpEQ, Pos: 37, Values: []Value{{Kind: LookupValue, Text: "user.email", Pos: 45}}}},
		}},
	}}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("got %#v\nwant %#v", e, want)
	}
}

func TestPredicateSQL(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want string // MySQL/SQLite form; PostgreSQL is derived by toPostgres
		args []any
	}{
		{"(last_name='Smith') AND (age>=21)", "`last_name` = ? AND `age` >= ?", []any{"Smith", int64(21)}},
		{"first_name like 'J%'", "`first_name` LIKE ?", []any{"J%"}},
		{"first_name like J%", "`first_name` LIKE ?", []any{"J%"}},
		{"id in (1,2,3)", "`id` IN (?, ?, ?)", []any{int64(1), int64(2), int64(3)}},
		{"id NOT IN (1,2)", "`id` NOT IN (?, ?)", []any{int64(1), int64(2)}},
		{"phone is null", "`phone` IS NULL", nil},
		{"phone is not null", "`phone` IS NOT NULL", nil},
		{"NOT(status='x')", "NOT (`status` = ?)", []any{"x"}},
		{"user_id={user.id}", "`user_id` = ?", []any{int64(7)}},
		{"email = {user.email}", "`email` = ?", []any{"o'brien@example.com"}},
		{"email = '{urlencode(user.email)}'", "`email` = ?", []any{"o%27brien%40example.com"}},
		{"a=1 AND b=2 OR c=3", "(`a` = ? AND `b` = ?) OR `c` = ?", []any{int64(1), int64(2), int64(3)}},
		{"a=1 AND (b=2 OR c=3)", "`a` = ? AND (`b` = ? OR `c` = ?)", []any{int64(1), int64(2), int64(3)}},
		{"NOT (a=1 OR b=2) AND c=3", "(NOT (`a` = ? OR `b` = ?)) AND `c` = ?", []any{int64(1), int64(2), int64(3)}},
		{"name = 'a AND b'", "`name` = ?", []any{"a AND b"}},
		{"name = 'x=(y)'", "`name` = ?", []any{"x=(y)"}},
		{"name='O''Brien'", "`name` = ?", []any{"O'Brien"}},
		{`name='O\'Brien'`, "`name` = ?", []any{"O'Brien"}},
		{"name = John Smith", "`name` = ?", []any{"John Smith"}},
		{"name = :n", "`name` = ?", []any{"John"}},
		{"name = :plain", "`name` = ?", []any{"Jane"}},
		{"age = :age", "`age` = ?", []any{int64(30)}},
		{"price > :frac", "`price` > ?", []any{1.5}},
		{"id in (:ids)", "`id` IN (?, ?, ?)", []any{int64(1), int64(2), int64(3)}},
		{"id in (:ids, 9)", "`id` IN (?, ?, ?, ?)", []any{int64(1), int64(2), int64(3), int64(9)}},
		{"name = :nil", "`name` IS NULL", nil},
		{"name != :nil", "`name` IS NOT NULL", nil},
		{"name = null", "`name` IS NULL", nil},
		{"name <> NULL", "`name` IS NOT NULL", nil},
		{"a EQ 1 and b NE 2 or c GTE 3", "(`a` = ? AND `b` <> ?) OR `c` >= ?", []any{int64(1), int64(2), int64(3)}},
		{"a lt 1 && b lte 2 && c gt 3", "`a` < ? AND `b` <= ? AND `c` > ?", []any{int64(1), int64(2), int64(3)}},
		{"name contains '50%_off!'", "`name` LIKE ? ESCAPE '!'", []any{"%50!%!_off!!%"}},
		{"name starts with '50%'", "`name` LIKE ? ESCAPE '!'", []any{"50!%%"}},
		{"name ends with '_x'", "`name` LIKE ? ESCAPE '!'", []any{"%!_x"}},
		{"name contains :pct", "`name` LIKE ? ESCAPE '!'", []any{"%50!%%"}},
		{"name NOT LIKE 'x%'", "`name` NOT LIKE ?", []any{"x%"}},
		{"name NOT STARTS WITH 'x'", "NOT (`name` LIKE ? ESCAPE '!')", []any{"x%"}},
		{"active = true", "`active` = ?", []any{true}},
		{"active = 0", "`active` = ?", []any{false}},
		{"active = :on", "`active` = ?", []any{true}},
		{"price >= 9.5", "`price` >= ?", []any{9.5}},
		{"FIRST_NAME = 'x'", "`first_name` = ?", []any{"x"}},
		{"data = '{\"a\":1}'", "`data` = ?", []any{`{"a":1}`}},
		{"data = {\"a\":1}", "`data` = ?", []any{`{"a":1}`}},
		{"id = '5'", "`id` = ?", []any{int64(5)}},
		{"age = -3", "`age` = ?", []any{int64(-3)}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			for _, d := range []string{dialect.SQLite, dialect.MySQL, dialect.Postgres} {
				want := tt.want
				if d == dialect.Postgres {
					want = toPostgres(want)
				}
				got, args := render(t, tt.in, testEnv(), d)
				if got != want {
					t.Errorf("%s:\ngot  %s\nwant %s", d, got, want)
				}
				if len(args) == 0 && len(tt.args) == 0 {
					continue
				}
				if !reflect.DeepEqual(args, tt.args) {
					t.Errorf("%s: args %#v, want %#v", d, args, tt.args)
				}
			}
		})
	}

	t.Run("time", func(t *testing.T) {
		for _, in := range []string{"created >= '2024-01-02T03:04:05Z'", "created >= 2024-01-02T03:04:05Z", "created >= '2024-01-02 03:04:05'"} {
			for _, d := range []string{dialect.MySQL, dialect.Postgres} {
				_, args := render(t, in, testEnv(), d)
				if len(args) != 1 || !args[0].(time.Time).Equal(ts) {
					t.Errorf("%s %s: args %#v", d, in, args)
				}
			}
			_, args := render(t, in, testEnv(), dialect.SQLite)
			if len(args) != 1 || !strings.HasPrefix(args[0].(string), "2024-01-02") {
				t.Errorf("sqlite %s: args %#v", in, args)
			}
		}
		_, args := render(t, "created = 2024-01-02", testEnv(), dialect.Postgres)
		if !args[0].(time.Time).Equal(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("date only: %#v", args)
		}
	})

	t.Run("cast for LIKE on non-text", func(t *testing.T) {
		want := map[string]string{
			dialect.SQLite:   "CAST(`age` AS TEXT) LIKE ?",
			dialect.MySQL:    "CAST(`age` AS CHAR) LIKE ?",
			dialect.Postgres: `CAST("age" AS TEXT) LIKE $1`,
		}
		for d, w := range want {
			if got, _ := render(t, "age like '2%'", testEnv(), d); got != w {
				t.Errorf("%s: got %s, want %s", d, got, w)
			}
		}
	})

	t.Run("identifier quoting", func(t *testing.T) {
		want := map[string]string{
			dialect.SQLite:   "`we``ird\"col` = ? AND `full name` = ?",
			dialect.MySQL:    "`we``ird\"col` = ? AND `full name` = ?",
			dialect.Postgres: `"we` + "`" + `ird""col" = $1 AND "full name" = $2`,
		}
		e := &And{Terms: []Expr{
			&Compare{Field: "ODD", Op: OpEQ, Values: []Value{{Text: "x"}}},
			&Compare{Field: "full name", Op: OpEQ, Values: []Value{{Text: "y"}}},
		}}
		p, err := Predicate(e, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		for d, w := range want {
			if got, _ := where(t, p, d); got != w {
				t.Errorf("%s: got %s, want %s", d, got, w)
			}
		}
	})

	t.Run("render twice", func(t *testing.T) {
		e, _ := Parse("a=1 AND (b=2 OR c=3)")
		p, err := Predicate(e, testEnv())
		if err != nil {
			t.Fatal(err)
		}
		q1, a1 := where(t, p, dialect.Postgres)
		q2, a2 := where(t, p, dialect.Postgres)
		if q1 != q2 || !reflect.DeepEqual(a1, a2) {
			t.Errorf("second render differs: %s %v / %s %v", q1, a1, q2, a2)
		}
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		in   string
		msg  string // exact message
		pos  int
		want string // substring, when msg is empty
	}{
		// syntax
		{in: "(a=1", msg: "Invalid or unparsable filter request: missing ')' to close '(' at position 0.", pos: 0},
		{in: "(a=1) AND (b=2", msg: "Invalid or unparsable filter request: missing ')' to close '(' at position 10.", pos: 10},
		{in: "(last_name='x'))", msg: "Invalid or unparsable filter request: unexpected ')' at position 15.", pos: 15},
		{in: "a = 1)", msg: "Invalid or unparsable filter request: unexpected ')' at position 5.", pos: 5},
		{in: "()", msg: "Invalid or unparsable filter request: unexpected ')', expected a field name at position 1.", pos: 1},
		{in: "a =", msg: "Invalid or unparsable filter request: missing value after '=' at position 3.", pos: 3},
		{in: "a = AND b = 1", msg: "Invalid or unparsable filter request: missing value after '=' at position 4.", pos: 4},
		{in: "(a = )", msg: "Invalid or unparsable filter request: missing value after '=' at position 5.", pos: 5},
		{in: "name starts with", msg: "Invalid or unparsable filter request: missing value after 'starts with' at position 16.", pos: 16},
		{in: "a", msg: "Invalid or unparsable filter request: expected a comparison operator after 'a' at position 1.", pos: 1},
		{in: "a REGEXP 'x'", msg: "Invalid or unparsable filter request: unknown operator 'REGEXP' at position 2.", pos: 2},
		{in: "a == 1", msg: "Invalid or unparsable filter request: unknown operator '==' at position 2.", pos: 2},
		{in: "a => 1", msg: "Invalid or unparsable filter request: unknown operator '=>' at position 2.", pos: 2},
		{in: "a IS 1", msg: "Invalid or unparsable filter request: expected NULL or NOT NULL after 'IS', found '1' at position 5.", pos: 5},
		{in: "a STARTS 'x'", pos: 9, want: "expected WITH after 'STARTS'"},
		{in: "a = 1 AND", msg: "Invalid or unparsable filter request: unexpected end of filter, expected a condition at position 9.", pos: 9},
		{in: "name = 'abc", msg: "Invalid or unparsable filter request: unterminated string at position 7.", pos: 7},
		{in: "name = 'a' 'b'", msg: "Invalid or unparsable filter request: unexpected ''b'' at position 11.", pos: 11},
		{in: "name = {user.id", msg: "Invalid or unparsable filter request: unterminated lookup at position 7.", pos: 7},
		{in: "name = {}", msg: "Invalid or unparsable filter request: empty lookup at position 7.", pos: 7},
		{in: "name in ({user.id, 2)", msg: "Invalid or unparsable filter request: unterminated lookup at position 9.", pos: 9},
		{in: "name > null", msg: "Invalid or unparsable filter request: null can only be compared with = or != at position 7.", pos: 7},
		{in: "id in (1, null)", msg: "Invalid or unparsable filter request: null is not allowed in a value list, use IS NULL at position 10.", pos: 10},
		{in: strings.Repeat("(", 100) + "a=1" + strings.Repeat(")", 100), want: "nested too deeply"},
		// raw SQL values
		{in: "created > (NOW())", msg: "Invalid or unparsable filter request: raw SQL expression at position 10; raw SQL expressions are not allowed in filter values, send a literal or a :param instead.", pos: 10},
		{in: "id = (SELECT id FROM users)", pos: 5, want: "raw SQL expressions are not allowed"},
		{in: "created > NOW()", pos: 10, want: "raw SQL expressions are not allowed"},
		{in: "id = SLEEP(5)", pos: 5, want: "raw SQL expressions are not allowed"},
		{in: "id in (SELECT id FROM users)", pos: 7, want: "raw SQL expressions are not allowed"},
		{in: "id in ((1))", pos: 7, want: "raw SQL expressions are not allowed"},
		{in: "id in (1, max(2))", pos: 10, want: "raw SQL expressions are not allowed"},
		{in: "name = SELECT password FROM users", pos: 7, want: "raw SQL expressions are not allowed"},
		// lists
		{in: "id in 1,2,3", msg: "Filter value lists must be wrapped in parentheses.", pos: 6},
		{in: "id not in 1", msg: "Filter value lists must be wrapped in parentheses.", pos: 10},
		{in: "id in", msg: "Filter value lists must be wrapped in parentheses.", pos: 5},
		{in: "id in ()", msg: "Filter value lists must not be empty.", pos: 7},
		{in: "id in (1,,2)", msg: "Invalid or unparsable filter request: missing value in list at position 9.", pos: 9},
		{in: "id in (1,2", msg: "Invalid or unparsable filter request: missing ')' to close the value list at position 6.", pos: 6},
		{in: "id in ('a' 'b')", pos: 11, want: "unexpected ''b'' in value list"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			checkErr(t, err, tt.msg, tt.want, tt.pos)
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		in, msg string
		pos     int
	}{
		{"x = 1", "Invalid or unparsable field in filter request: 'x'", 0},
		{"a = 1 AND customer.country = 'x'", "Invalid or unparsable field in filter request: 'customer.country'", 10},
		{"age = abc", "Field 'age' must be a valid integer.", 6},
		{"age = 1.5", "Field 'age' must be a valid integer.", 6},
		{"age >= 'twenty'", "Field 'age' must be a valid integer.", 7},
		{"age = 99999999999999999999", "Field 'age' must be a valid integer.", 6},
		{"id = 1; DROP TABLE x", "Field 'id' must be a valid integer.", 5},
		{"a = 1 b = 2", "Field 'a' must be a valid integer.", 4},
		{"id in (1, x)", "Field 'id' must be a valid integer.", 10},
		{"price = NaN", "Field 'price' must be a valid number.", 8},
		{"price = abc", "Field 'price' must be a valid number.", 8},
		{"active = yes", "Field 'active' must be a valid boolean (true, false, 1 or 0).", 9},
		{"created > yesterday", "Field 'created' must be a valid date/time (RFC 3339 or YYYY-MM-DD[ HH:MM:SS]).", 10},
		{"name = {user.secret}", "Invalid lookup '{user.secret}' in filter.", 7},
		{"name = :missing", "Missing value for filter parameter ':missing'.", 7},
		{"age = :frac", "Field 'age' must be a valid integer.", 6},
		{"age = :ids", "Field 'age' must be a single value, not a list.", 6},
		{"age > :nil", "Invalid or unparsable filter request: null can only be compared with = or != at position 6.", 6},
		{"id in (:nil)", "Invalid or unparsable filter request: null is not allowed in a value list, use IS NULL at position 7.", 7},
		{"user_id = {user.email}", "Field 'user_id' must be a valid integer.", 10},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = Predicate(e, testEnv())
			checkErr(t, err, tt.msg, "", tt.pos)
		})
	}

	t.Run("no column env", func(t *testing.T) {
		e, _ := Parse("a = 1")
		_, err := Predicate(e, Env{})
		checkErr(t, err, "Invalid or unparsable field in filter request: 'a'", "", 0)
	})
	t.Run("no lookup func", func(t *testing.T) {
		e, _ := Parse("a = {user.id}")
		_, err := Predicate(e, Env{Columns: testColumns})
		checkErr(t, err, "Invalid lookup '{user.id}' in filter.", "", 4)
	})
	t.Run("hand-built trees", func(t *testing.T) {
		for _, e := range []Expr{
			&And{}, &Or{}, &Not{}, (*Compare)(nil), (*And)(nil),
			&Compare{Field: "a", Op: OpEQ},
			&Compare{Field: "a", Op: "~~", Values: []Value{{Text: "1"}}},
			&Compare{Field: "a", Op: OpIsNull, Values: []Value{{Text: "1"}}},
			&Compare{Field: "a", Op: OpIn},
		} {
			if _, err := Predicate(e, testEnv()); err == nil {
				t.Errorf("Predicate(%#v) succeeded", e)
			}
		}
	})
}

func checkErr(t *testing.T, err error, msg, sub string, pos int) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg+sub)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not *Error", err)
	}
	if msg != "" && fe.Message != msg {
		t.Errorf("message\ngot  %q\nwant %q", fe.Message, msg)
	}
	if sub != "" && !strings.Contains(fe.Message, sub) {
		t.Errorf("message %q does not contain %q", fe.Message, sub)
	}
	if fe.Error() != fe.Message {
		t.Errorf("Error() %q != Message", fe.Error())
	}
	if pos != 0 || msg != "" {
		if fe.Pos != pos {
			t.Errorf("pos %d, want %d (%s)", fe.Pos, pos, fe.Message)
		}
	}
}

// TestInjection covers the attack classes of DreamFactory's SqlInjectionTest:
// each input either fails or renders SQL holding nothing but identifiers,
// operators and placeholders.
func TestInjection(t *testing.T) {
	attacks := []string{
		"id = 1 OR 1=1",
		"id = 1 OR '1'='1'",
		"name = 'x' OR 'a'='a'",
		"name = 'x' UNION SELECT password FROM users",
		"name = x' UNION SELECT password FROM users --",
		"name = 'x' UNION SELECT password FROM users --'",
		"id = 1; DROP TABLE x",
		"name = 'a'; DROP TABLE x; --",
		"name = a; DROP TABLE x; --",
		"id = SLEEP(5)",
		"name = 'x' AND SLEEP(5)",
		"name = x AND SLEEP(5)=0",
		"id = 1 AND (SELECT 1 FROM sqlite_master)",
		"id in (1) UNION SELECT 1",
		"id in (1); DROP TABLE x",
		`name" FROM sqlite_master; -- = 1`,
		"name` FROM sqlite_master; -- = 1",
		"name = '' OR ''=''",
		`name = "x" OR "1"="1"`,
		"name = 'x\\' OR 1=1 --'",
		"name = 'x'' OR 1=1 --'",
		"name = x' OR '1'='1",
		"name = {user.email}",
		"name like '%' OR 1=1 --",
		"name = 1 /* comment */",
		"name = CHAR(65)",
		"name = 0x41",
		"(name = 'x') OR (1=1)",
		"name = 'x') OR (1=1",
		"id = 1 OR id IS NOT NULL --",
	}
	markers := []string{"UNION", "SELECT", "DROP", "SLEEP", "sqlite_master", "1=1", ";", "--", "/*", "'1'", "OR 1", "CHAR(", "0x41", "o'brien"}
	for _, in := range attacks {
		t.Run(in, func(t *testing.T) {
			e, err := Parse(in)
			if err != nil {
				return
			}
			p, err := Predicate(e, testEnv())
			if err != nil {
				return
			}
			for _, d := range []string{dialect.SQLite, dialect.MySQL, dialect.Postgres} {
				q, _ := where(t, p, d)
				for _, m := range markers {
					if strings.Contains(q, m) {
						t.Errorf("%s: SQL %q contains %q", d, q, m)
					}
				}
				if strings.Contains(q, "'") {
					t.Errorf("%s: SQL %q contains a string literal", d, q)
				}
			}
		})
	}

	t.Run("unknown field is refused before SQL", func(t *testing.T) {
		for _, field := range []string{`name" FROM sqlite_master; --`, "1", "name`", "COUNT(*)"} {
			_, err := Predicate(&Compare{Field: field, Op: OpEQ, Values: []Value{{Text: "1"}}}, testEnv())
			checkErr(t, err, "Invalid or unparsable field in filter request: '"+field+"'", "", 0)
		}
	})
	t.Run("tautology names its field", func(t *testing.T) {
		e, err := Parse("id = 1 OR 1=1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Predicate(e, testEnv())
		checkErr(t, err, "Invalid or unparsable field in filter request: '1'", "", 10)
	})
	t.Run("bound as a whole string", func(t *testing.T) {
		q, args := render(t, "name = x' UNION SELECT password FROM users --", testEnv(), dialect.MySQL)
		if q != "`name` = ?" || args[0] != "x' UNION SELECT password FROM users --" {
			t.Errorf("got %s %#v", q, args)
		}
	})
}

func BenchmarkParseAndCompile(b *testing.B) {
	const in = "(last_name = 'Smith') AND (age >= 21) AND first_name LIKE 'J%'"
	env := testEnv()
	b.Run("parse+compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, err := Parse(in)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Predicate(e, env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse+compile+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e, _ := Parse(in)
			p, _ := Predicate(e, env)
			sql.Dialect(dialect.Postgres).Select("*").From(sql.Table("contact")).Where(p).Query()
		}
	})
}
