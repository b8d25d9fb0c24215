package dbschema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
)

// typeInfo is the dialect-independent description of a column type.
type typeInfo struct {
	dbType                   string
	typ                      string // DreamFactory simple type
	kind                     Kind
	length, precision, scale int
	serial                   bool // the type itself implies auto-increment (PostgreSQL serial)
}

// mapType maps an Atlas column type to Apiary's description. It never
// fails: unknown types become KindOther with DreamFactory type "string".
func mapType(dialect string, ct *schema.ColumnType) typeInfo {
	ti := typeInfo{dbType: ct.Raw, typ: "string", kind: KindOther}
	switch t := ct.Type.(type) {
	case *schema.IntegerType:
		ti.kind, ti.typ = KindInt, intType(t.T)
	case *postgres.SerialType:
		ti.kind, ti.serial = KindInt, true
		switch strings.ToLower(t.T) {
		case "smallserial", "serial2":
			ti.typ, ti.dbType = "smallint", "smallint"
		case "bigserial", "serial8":
			ti.typ, ti.dbType = "bigint", "bigint"
		default:
			ti.typ, ti.dbType = "integer", "integer"
		}
	case *schema.BoolType:
		ti.kind, ti.typ = KindBool, "boolean"
	case *mysql.BitType:
		if t.Size <= 1 {
			ti.kind, ti.typ = KindBool, "boolean"
		} else {
			ti.typ, ti.length = "binary", t.Size
		}
	case *schema.DecimalType:
		ti.kind, ti.typ, ti.precision, ti.scale = KindDecimal, "decimal", t.Precision, t.Scale
	case *postgres.CurrencyType:
		// money scans as text with a currency sign ("$1.00"): not a number.
		ti.typ = "money"
	case *schema.FloatType:
		ti.kind, ti.precision = KindFloat, t.Precision
		switch strings.ToLower(t.T) {
		case "double", "double precision", "float8":
			ti.typ = "double"
		default:
			ti.typ = "float"
		}
	case *schema.StringType:
		ti.kind, ti.length = KindString, t.Size
		switch strings.ToLower(t.T) {
		case "text", "clob", "tinytext":
			ti.typ = "text"
		case "mediumtext":
			ti.typ = "mediumtext"
		case "longtext":
			ti.typ = "longtext"
		default:
			ti.typ = "string"
		}
	case *schema.EnumType, *mysql.SetType:
		ti.kind = KindString
	case *schema.UUIDType:
		ti.kind, ti.typ = KindString, "uuid"
	case *schema.TimeType:
		ti.kind, ti.typ = timeType(t.T)
		if t.Precision != nil && ti.kind != KindInt && ti.kind != KindDate {
			ti.precision = *t.Precision
		}
	case *schema.JSONType:
		ti.kind, ti.typ = KindJSON, "json"
		if strings.EqualFold(t.T, "jsonb") {
			ti.typ = "jsonb"
		}
	case *schema.BinaryType:
		ti.kind, ti.typ = KindBytes, "binary"
		if t.Size != nil {
			ti.length = *t.Size
		}
		if dialect == dialectSQLite && strings.TrimSpace(ct.Raw) == "" {
			// No declared type: SQLite stores any value as given.
			ti.kind, ti.typ = KindOther, "string"
		}
	case *postgres.ArrayType:
		ti.typ = "array"
	case *postgres.UserDefinedType:
		if t.C == "e" { // enum
			ti.kind = KindString
		}
	case *sqlite.UserDefinedType:
		ti.kind, ti.typ = sqliteAffinity(t.T)
	}
	if dialect == dialectPostgres {
		ti.dbType = postgresDBType(ct, ti)
	}
	return ti
}

// intType names an integer type the DreamFactory way.
func intType(t string) string {
	switch strings.ToLower(t) {
	case "tinyint":
		return "tinyint"
	case "smallint", "int2":
		return "smallint"
	case "mediumint":
		return "mediumint"
	case "bigint", "int8", "int64", "uint64", "unsigned big int":
		return "bigint"
	default:
		return "integer"
	}
}

// timeType maps a date/time type name (any dialect) to DreamFactory's.
func timeType(t string) (Kind, string) {
	switch strings.ToLower(t) {
	case "date":
		return KindDate, "date"
	case "time", "time without time zone":
		return KindTime, "time"
	case "timetz", "time with time zone":
		return KindTime, "timetz"
	case "datetime":
		return KindTime, "datetime"
	case "timestamptz", "timestamp with time zone":
		return KindTime, "timestamptz"
	case "year": // MySQL YEAR holds a number
		return KindInt, "integer"
	default: // timestamp, timestamp without time zone
		return KindTime, "timestamp"
	}
}

// sqliteAffinity classifies a declared SQLite type that Atlas does not know,
// following SQLite's column affinity rules (https://sqlite.org/datatype3.html
// §3.1), with date/time and boolean names recognised first.
func sqliteAffinity(decl string) (Kind, string) {
	u := strings.ToUpper(decl)
	switch {
	case strings.Contains(u, "BOOL"):
		return KindBool, "boolean"
	case strings.Contains(u, "INT"):
		if strings.Contains(u, "BIG") {
			return KindInt, "bigint"
		}
		return KindInt, "integer"
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"):
		return KindString, "string"
	case strings.Contains(u, "TEXT"):
		return KindString, "text"
	case strings.Contains(u, "BLOB"):
		return KindBytes, "binary"
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"):
		return KindFloat, "float"
	case strings.Contains(u, "DOUB"):
		return KindFloat, "double"
	case strings.Contains(u, "TIMESTAMP"):
		return KindTime, "timestamp"
	case strings.Contains(u, "DATETIME"):
		return KindTime, "datetime"
	case strings.Contains(u, "DATE"):
		return KindDate, "date"
	case strings.Contains(u, "TIME"):
		return KindTime, "time"
	case strings.Contains(u, "JSON"):
		return KindJSON, "json"
	case strings.Contains(u, "DEC"), strings.Contains(u, "NUM"), strings.Contains(u, "MONEY"):
		return KindDecimal, "decimal"
	}
	return KindOther, "string"
}

// postgresDBType renders a PostgreSQL type as format_type would, where
// Atlas keeps only the information_schema data_type ("character varying").
func postgresDBType(ct *schema.ColumnType, ti typeInfo) string {
	raw := ct.Raw
	switch t := ct.Type.(type) {
	case *postgres.SerialType:
		return ti.dbType
	case *postgres.ArrayType:
		return t.T
	case *postgres.UserDefinedType:
		return t.T
	case *schema.StringType:
		if t.Size > 0 && !strings.Contains(raw, "(") && raw != "text" {
			return fmt.Sprintf("%s(%d)", raw, t.Size)
		}
	case *schema.DecimalType:
		if t.Precision > 0 && !strings.Contains(raw, "(") {
			return fmt.Sprintf("%s(%d,%d)", raw, t.Precision, t.Scale)
		}
	case *postgres.BitType:
		if t.Len > 0 && !strings.Contains(raw, "(") {
			return fmt.Sprintf("%s(%d)", raw, t.Len)
		}
	}
	return raw
}

// reNullDefault matches an explicit NULL default, possibly cast
// (PostgreSQL reports DEFAULT NULL as "NULL::character varying").
var reNullDefault = regexp.MustCompile(`(?i)^\(?\s*NULL\s*\)?(::[\w ."\[\]]+)?$`)

// defaultValue converts an Atlas default expression to Column.Default.
func defaultValue(x schema.Expr, kind Kind) any {
	switch d := x.(type) {
	case nil:
		return nil
	case *schema.NamedDefault:
		return defaultValue(d.Expr, kind)
	case *schema.Literal:
		return literalValue(d.V, kind)
	case *schema.RawExpr:
		x := unwrapParens(strings.TrimSpace(d.X))
		if reNullDefault.MatchString(x) {
			return nil
		}
		return x
	default:
		return nil
	}
}

// unwrapParens removes one pair of parentheses enclosing all of x, as in
// MariaDB's "(current_timestamp())" or SQLite's "(datetime('now'))".
func unwrapParens(x string) string {
	if len(x) < 2 || x[0] != '(' || x[len(x)-1] != ')' {
		return x
	}
	depth, quote := 0, byte(0)
	for i := 0; i < len(x); i++ {
		switch ch := x[i]; {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"' || ch == '`':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
			if depth == 0 && i != len(x)-1 {
				return x // "(a) + (b)": the first pair closes early
			}
		}
	}
	if depth != 0 {
		return x
	}
	return strings.TrimSpace(x[1 : len(x)-1])
}

// literalValue converts a literal's SQL text: quoted strings are unquoted,
// numbers become int64/float64 for numeric kinds, and 0/1/true/false/b'0'/
// b'1' become bool for KindBool.
func literalValue(v string, kind Kind) any {
	v = strings.TrimSpace(v)
	if s, ok := unquote(v); ok {
		if kind == KindBool {
			if b, ok := boolText(s); ok {
				return b
			}
		}
		return s
	}
	if reNullDefault.MatchString(v) {
		return nil
	}
	switch kind {
	case KindBool:
		if b, ok := boolText(v); ok {
			return b
		}
	case KindInt, KindFloat, KindDecimal:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

// unquote removes SQL quotes ('…' or "…", doubled quotes inside) from s.
func unquote(s string) (string, bool) {
	if len(s) < 2 {
		return "", false
	}
	q := s[0]
	if (q != '\'' && q != '"') || s[len(s)-1] != q {
		return "", false
	}
	body := s[1 : len(s)-1]
	return strings.ReplaceAll(body, string([]byte{q, q}), string(q)), true
}

// boolText reads the usual textual spellings of a boolean default.
func boolText(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "t", "b'1'", "yes", "y", "on":
		return true, true
	case "0", "false", "f", "b'0'", "no", "n", "off":
		return false, true
	}
	return false, false
}
