package sqldb

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"entgo.io/ent/dialect"

	"github.com/apiary/apiary/platform"
)

// simpleTypes are the DreamFactory simple types a field may be created with (reference §2.6),
// in the order the 400 for an unknown type lists them.
var simpleTypes = []string{
	"id", "bigid", "smallid", "mediumid", "reference", "user_id", "user_id_on_create", "user_id_on_update",
	"timestamp_on_create", "timestamp_on_update", "string", "text", "mediumtext", "longtext",
	"integer", "bigint", "mediumint", "smallint", "tinyint", "boolean", "decimal", "money", "double", "float",
	"date", "time", "timetz", "datetime", "datetimetz", "timestamp", "timestamptz", "binary", "json", "jsonb", "uuid",
}

func isSimpleType(t string) bool {
	for _, s := range simpleTypes {
		if s == t {
			return true
		}
	}
	return false
}

// isIDType reports whether a simple type is an auto-increment integer primary key.
func isIDType(t string) bool {
	switch t {
	case "id", "bigid", "smallid", "mediumid":
		return true
	}
	return false
}

const defaultStringLength = 255

// typeOpts are the size properties of a field.
type typeOpts struct {
	length, precision, scale int
	hasLength, hasPrecision  bool
	hasScale, fixed          bool
}

// simpleAtlasType maps a DreamFactory simple type to an Atlas column type of the dialect. Every
// type is built from constants and numbers: nothing the client wrote reaches the DDL as text.
// "reference" is not handled here: its type is the referenced column's.
func simpleAtlasType(d, simple string, o typeOpts) schema.Type {
	sqliteT, pg, my := d == dialect.SQLite, d == dialect.Postgres, d == dialect.MySQL
	pick := func(lite, postgres, mysql schema.Type) schema.Type {
		switch {
		case sqliteT:
			return lite
		case pg:
			return postgres
		}
		return mysql
	}
	intT := func(lite, postgres, mysql string) schema.Type {
		return pick(&schema.IntegerType{T: lite}, &schema.IntegerType{T: postgres}, &schema.IntegerType{T: mysql})
	}
	timeT := func(lite, postgres, mysql string) schema.Type {
		return pick(&schema.TimeType{T: lite}, &schema.TimeType{T: postgres}, &schema.TimeType{T: mysql})
	}
	switch simple {
	case "id":
		return intT("integer", "integer", "int")
	case "mediumid":
		return intT("integer", "integer", "mediumint")
	case "bigid":
		// SQLite's auto-increment key must be exactly INTEGER (a 64-bit rowid alias).
		return intT("integer", "bigint", "bigint")
	case "smallid":
		return intT("integer", "smallint", "smallint")
	case "integer", "user_id", "user_id_on_create", "user_id_on_update":
		return intT("integer", "integer", "int")
	case "bigint":
		return intT("bigint", "bigint", "bigint")
	case "mediumint":
		return intT("mediumint", "integer", "mediumint")
	case "smallint":
		return intT("smallint", "smallint", "smallint")
	case "tinyint":
		return intT("tinyint", "smallint", "tinyint")
	case "boolean":
		return pick(&schema.BoolType{T: "boolean"}, &schema.BoolType{T: "boolean"}, &schema.BoolType{T: "bool"})
	case "string":
		n := defaultStringLength
		if o.hasLength && o.length > 0 {
			n = o.length
		}
		base := "varchar"
		if o.fixed {
			base = "char"
		}
		if sqliteT {
			// Atlas prints a SQLite string type as its name only: the size goes into the name.
			return &schema.StringType{T: fmt.Sprintf("%s(%d)", base, n), Size: n}
		}
		return &schema.StringType{T: base, Size: n}
	case "text":
		return &schema.StringType{T: "text"}
	case "mediumtext", "longtext":
		if my {
			return &schema.StringType{T: simple}
		}
		return &schema.StringType{T: "text"}
	case "decimal", "money":
		p, s := 0, 0
		if simple == "money" {
			p, s = 19, 4
		}
		if o.hasPrecision {
			p = o.precision
		} else if o.hasLength {
			p = o.length
		}
		if o.hasScale {
			s = o.scale
		}
		switch {
		case sqliteT:
			name := "decimal"
			if p > 0 {
				name = fmt.Sprintf("decimal(%d,%d)", p, s)
			}
			return &schema.DecimalType{T: name, Precision: p, Scale: s}
		case pg:
			return &schema.DecimalType{T: "numeric", Precision: p, Scale: s}
		}
		return &schema.DecimalType{T: "decimal", Precision: p, Scale: s}
	case "double":
		return pick(&schema.FloatType{T: "double"}, &schema.FloatType{T: "double precision"}, &schema.FloatType{T: "double"})
	case "float":
		return pick(&schema.FloatType{T: "float"}, &schema.FloatType{T: "real"}, &schema.FloatType{T: "float"})
	case "date":
		return timeT("date", "date", "date")
	case "time":
		return timeT("time", "time", "time")
	case "timetz":
		return timeT("time", "timetz", "time")
	case "datetime":
		return timeT("datetime", "timestamp", "datetime")
	case "datetimetz":
		return timeT("datetime", "timestamptz", "datetime")
	case "timestamp", "timestamp_on_create", "timestamp_on_update":
		return timeT("timestamp", "timestamp", "timestamp")
	case "timestamptz":
		return timeT("timestamp", "timestamptz", "timestamp")
	case "binary":
		switch {
		case sqliteT:
			return &schema.BinaryType{T: "blob"}
		case pg:
			return &schema.BinaryType{T: "bytea"}
		case o.hasLength && o.length > 0:
			n := o.length
			return &schema.BinaryType{T: "varbinary", Size: &n}
		}
		return &schema.BinaryType{T: "blob"}
	case "json", "jsonb":
		if pg && simple == "jsonb" {
			return &schema.JSONType{T: "jsonb"}
		}
		return &schema.JSONType{T: "json"}
	case "uuid":
		if my {
			return &schema.StringType{T: "char", Size: 36}
		}
		return &schema.UUIDType{T: "uuid"}
	}
	return nil
}

// reDBType is the only shape of db_type accepted: a type name of letters (words separated by
// single spaces), an optional (n) or (p,s), and optional trailing words ("unsigned", "with
// time zone"). It keeps quotes, semicolons, comments and expressions out before parsing.
var reDBType = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*)*( ?\( ?[0-9]{1,5} ?(, ?[0-9]{1,5} ?)?\))?( [A-Za-z][A-Za-z0-9_]*)*$`)

// nativeType parses a db_type with the dialect's Atlas parser and accepts it only when it is a
// type Atlas knows and can print again; user-defined, unsupported and exotic types are refused.
func nativeType(d, raw string) (schema.Type, error) {
	raw = strings.TrimSpace(raw)
	bad := platform.BadRequest("db_type '%s' is not a native type this database service can create. Give a plain type such as "+
		"varchar(64), integer, numeric(10,2), timestamp, or use a simple 'type'.", raw)
	if len(raw) > 64 || !reDBType.MatchString(raw) {
		return nil, bad
	}
	var (
		t   schema.Type
		err error
	)
	switch d {
	case dialect.SQLite:
		t, err = sqlite.ParseType(strings.ToLower(raw))
	case dialect.Postgres:
		t, err = postgres.ParseType(strings.ToLower(raw))
	case dialect.MySQL:
		t, err = mysql.ParseType(strings.ToLower(raw))
	}
	if err != nil || t == nil {
		return nil, bad
	}
	switch x := t.(type) {
	case *schema.IntegerType, *schema.BoolType, *schema.FloatType, *schema.TimeType, *schema.JSONType,
		*schema.BinaryType, *schema.UUIDType:
	case *schema.StringType:
		if d == dialect.SQLite && x.Size > 0 {
			x.T = fmt.Sprintf("%s(%d)", baseTypeName(x.T), x.Size)
		}
	case *schema.DecimalType:
		if d == dialect.SQLite && x.Precision > 0 {
			x.T = fmt.Sprintf("%s(%d,%d)", baseTypeName(x.T), x.Precision, x.Scale)
		}
	case *postgres.CurrencyType, *postgres.NetworkType, *postgres.BitType, *mysql.BitType:
	default:
		return nil, bad
	}
	if _, err := formatType(d, t); err != nil {
		return nil, bad
	}
	return t, nil
}

// formatType prints a type as the dialect's planner would.
func formatType(d string, t schema.Type) (string, error) {
	switch d {
	case dialect.SQLite:
		return sqlite.FormatType(t)
	case dialect.Postgres:
		if st, ok := t.(*postgres.SerialType); ok {
			t = st.IntegerType()
		}
		return postgres.FormatType(t)
	case dialect.MySQL:
		return mysql.FormatType(t)
	}
	return "", fmt.Errorf("sqldb: unknown dialect %q", d)
}

// typeKey is a comparable form of a column type: two types with the same key need no ALTER.
func typeKey(d string, t schema.Type) string {
	if d == dialect.SQLite {
		switch x := t.(type) {
		case *schema.StringType:
			if x.Size > 0 {
				return fmt.Sprintf("%s(%d)", strings.ToLower(baseTypeName(x.T)), x.Size)
			}
			return strings.ToLower(baseTypeName(x.T))
		case *schema.DecimalType:
			if x.Precision > 0 {
				return fmt.Sprintf("%s(%d,%d)", strings.ToLower(baseTypeName(x.T)), x.Precision, x.Scale)
			}
			return strings.ToLower(baseTypeName(x.T))
		}
	}
	s, err := formatType(d, t)
	if err != nil {
		return fmt.Sprintf("%T", t)
	}
	return strings.ToLower(s)
}

func baseTypeName(t string) string {
	if i := strings.IndexByte(t, '('); i >= 0 {
		return strings.TrimSpace(t[:i])
	}
	return t
}

// sqliteKeepSize returns t with its size written into the type name, which is how Atlas's SQLite
// planner prints it; an inspected varchar(40) would otherwise be re-created as a bare varchar
// when a table is rebuilt.
func sqliteKeepSize(t schema.Type) schema.Type {
	switch x := t.(type) {
	case *schema.StringType:
		if x.Size > 0 && !strings.Contains(x.T, "(") {
			c := *x
			c.T = fmt.Sprintf("%s(%d)", x.T, x.Size)
			return &c
		}
	case *schema.DecimalType:
		if x.Precision > 0 && !strings.Contains(x.T, "(") {
			c := *x
			c.T = fmt.Sprintf("%s(%d,%d)", x.T, x.Precision, x.Scale)
			return &c
		}
	}
	return t
}

// referenceType is the type of a column that references a column of type t: the same type
// without its auto-increment (a PostgreSQL serial becomes its integer).
func referenceType(t schema.Type) schema.Type {
	if st, ok := t.(*postgres.SerialType); ok {
		return st.IntegerType()
	}
	return cloneType(t)
}

// cloneType makes a shallow copy of an Atlas type, so that two columns never share one.
func cloneType(t schema.Type) schema.Type {
	v := reflect.ValueOf(t)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return t
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface().(schema.Type)
}

// isNowDefault reports whether a default value asks for the current time.
func isNowDefault(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "current_timestamp", "current_timestamp()", "now()", "localtimestamp":
		return true
	}
	return false
}

// defaultExpr converts a field's JSON default to an Atlas expression for a column of type t,
// and to the normalised value dbschema reports for it (to tell whether a default changed).
// Numbers and booleans are re-printed from their parsed value; strings become quoted literals
// with the dialect's escaping; the only expression accepted is CURRENT_TIMESTAMP (or NOW()) on
// date-time columns.
func defaultExpr(d string, t schema.Type, v any) (schema.Expr, any, error) {
	if v == nil {
		return nil, nil, nil
	}
	switch t.(type) {
	case *schema.TimeType:
		if isNowDefault(v) {
			return &schema.RawExpr{X: "CURRENT_TIMESTAMP"}, "CURRENT_TIMESTAMP", nil
		}
	case *schema.BoolType, *mysql.BitType:
		b, ok := boolValue(v)
		if !ok {
			return nil, nil, fmt.Errorf("a boolean default must be true or false")
		}
		if d == dialect.Postgres {
			return &schema.Literal{V: strconv.FormatBool(b)}, b, nil
		}
		return &schema.Literal{V: map[bool]string{true: "1", false: "0"}[b]}, b, nil
	case *schema.IntegerType:
		f, ok := numberValue(v)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, nil, fmt.Errorf("an integer default must be a whole number")
		}
		return &schema.Literal{V: strconv.FormatInt(int64(f), 10)}, int64(f), nil
	case *schema.DecimalType, *schema.FloatType:
		f, ok := numberValue(v)
		if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, nil, fmt.Errorf("a numeric default must be a number")
		}
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return &schema.Literal{V: s}, int64(f), nil
		}
		return &schema.Literal{V: s}, f, nil
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case map[string]any, []any:
		if _, ok := t.(*schema.JSONType); !ok {
			return nil, nil, fmt.Errorf("the default must be a single value")
		}
		buf, err := json.Marshal(x)
		if err != nil {
			return nil, nil, err
		}
		s = string(buf)
	default:
		return nil, nil, fmt.Errorf("the default must be a single value")
	}
	if strings.ContainsRune(s, 0) {
		return nil, nil, fmt.Errorf("the default can not hold a NUL character")
	}
	return &schema.Literal{V: quoteLiteral(d, s)}, s, nil
}

// quoteLiteral quotes s as an SQL string literal of the dialect: quotes doubled, and on MySQL
// (where a backslash escapes) backslashes doubled as well.
func quoteLiteral(d, s string) string {
	if d == dialect.MySQL {
		s = strings.ReplaceAll(s, `\`, `\\`)
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case json.Number:
		return boolValue(x.String())
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1", "t", "yes":
			return true, true
		case "false", "0", "f", "no":
			return false, true
		}
	}
	return false, false
}

// numberValue is platform.FloatValue that also reads json.Number and booleans (1/0), as
// field JSON and introspected defaults carry them.
func numberValue(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return platform.FloatValue(v)
}

// sameDefault compares a desired default (as defaultExpr normalises it) with the one dbschema
// read from the database.
func sameDefault(want, have any) bool {
	if want == nil || have == nil {
		return want == nil && have == nil
	}
	if isNowDefault(want) || want == "CURRENT_TIMESTAMP" {
		return isNowDefault(have) || strings.EqualFold(fmt.Sprint(have), "CURRENT_TIMESTAMP")
	}
	if wb, ok := want.(bool); ok {
		hb, ok := boolValue(have)
		return ok && hb == wb
	}
	if wf, ok := numberValue(want); ok {
		if _, isString := want.(string); !isString {
			hf, ok := numberValue(have)
			return ok && hf == wf
		}
	}
	return fmt.Sprint(want) == fmt.Sprint(have)
}

// referenceOption reads ref_on_delete / ref_on_update.
func referenceOption(v string) (schema.ReferenceOption, bool) {
	switch strings.ToUpper(strings.Join(strings.Fields(strings.ReplaceAll(v, "_", " ")), " ")) {
	case "":
		return "", true
	case "CASCADE":
		return schema.Cascade, true
	case "SET NULL":
		return schema.SetNull, true
	case "SET DEFAULT":
		return schema.SetDefault, true
	case "RESTRICT":
		return schema.Restrict, true
	case "NO ACTION":
		return schema.NoAction, true
	}
	return "", false
}

// sameAction compares foreign-key actions, an unset one being NO ACTION. MySQL treats NO ACTION
// as RESTRICT (and MariaDB reports it so).
func sameAction(d string, a, b schema.ReferenceOption) bool {
	norm := func(o schema.ReferenceOption) schema.ReferenceOption {
		if o == "" || (d == dialect.MySQL && o == schema.Restrict) {
			return schema.NoAction
		}
		return o
	}
	return norm(a) == norm(b)
}
