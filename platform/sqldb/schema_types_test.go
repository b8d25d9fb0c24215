package sqldb

import (
	"testing"

	"ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
)

// TestNativeType: db_type is accepted only as a type Atlas parses and prints for the dialect.
func TestNativeType(t *testing.T) {
	ok := map[string][]string{
		dialect.SQLite:   {"varchar(64)", "INTEGER", "decimal(10,2)", "text", "blob", "datetime", "boolean"},
		dialect.Postgres: {"varchar(64)", "character varying(20)", "integer", "numeric(12,3)", "timestamp(3) with time zone", "jsonb", "uuid", "double precision", "inet"},
		dialect.MySQL:    {"varchar(64)", "int unsigned", "decimal(10,2)", "datetime(6)", "json", "longtext", "tinyint(1)"},
	}
	bad := []string{"varchar(10); DROP TABLE contact", "int -- x", "varchar('x')", "text) ; x", "enum('a','b')", "a\nb",
		"mytype", "varchar(64) DEFAULT 1", "geometry(point, 4326)", ""}
	for d, list := range ok {
		for _, raw := range list {
			typ, err := nativeType(d, raw)
			if err != nil {
				t.Errorf("%s: %q refused: %v", d, raw, err)
				continue
			}
			if _, err := formatType(d, typ); err != nil {
				t.Errorf("%s: %q does not print: %v", d, raw, err)
			}
		}
		for _, raw := range bad {
			if typ, err := nativeType(d, raw); err == nil {
				f, _ := formatType(d, typ)
				t.Errorf("%s: %q accepted as %s", d, raw, f)
			}
		}
	}
	// SQLite keeps the size in the printed type.
	typ, _ := nativeType(dialect.SQLite, "varchar(64)")
	if f, _ := formatType(dialect.SQLite, typ); f != "varchar(64)" {
		t.Errorf("sqlite varchar(64) prints as %q", f)
	}
}

// TestDefaultExpr: values are re-printed from their parsed form, strings quoted per dialect.
func TestDefaultExpr(t *testing.T) {
	str := &schema.StringType{T: "varchar", Size: 10}
	cases := []struct {
		d    string
		t    schema.Type
		v    any
		want string // Literal V or RawExpr X; "" for an error
	}{
		{dialect.Postgres, str, "it's", "'it''s'"},
		{dialect.MySQL, str, `a\'; DROP TABLE x; --`, `'a\\''; DROP TABLE x; --'`},
		{dialect.SQLite, str, `a\`, `'a\'`},
		{dialect.Postgres, &schema.IntegerType{T: "integer"}, 3.0, "3"},
		{dialect.Postgres, &schema.IntegerType{T: "integer"}, "7", "7"},
		{dialect.Postgres, &schema.IntegerType{T: "integer"}, "1; DROP TABLE x", ""},
		{dialect.Postgres, &schema.IntegerType{T: "integer"}, 1.5, ""},
		{dialect.Postgres, &schema.DecimalType{T: "numeric"}, "2.50", "2.5"},
		{dialect.Postgres, &schema.BoolType{T: "boolean"}, false, "false"},
		{dialect.MySQL, &schema.BoolType{T: "bool"}, true, "1"},
		{dialect.SQLite, &schema.BoolType{T: "boolean"}, "maybe", ""},
		{dialect.Postgres, &schema.TimeType{T: "timestamp"}, "now()", "CURRENT_TIMESTAMP"},
		{dialect.Postgres, &schema.TimeType{T: "timestamp"}, "2020-01-02 03:04:05", "'2020-01-02 03:04:05'"},
		{dialect.Postgres, &schema.JSONType{T: "jsonb"}, map[string]any{"a": 1.0}, `'{"a":1}'`},
		{dialect.Postgres, str, map[string]any{"a": 1.0}, ""},
		{dialect.Postgres, str, "a\x00b", ""},
	}
	for _, c := range cases {
		x, _, err := defaultExpr(c.d, c.t, c.v)
		got := ""
		switch e := x.(type) {
		case *schema.Literal:
			got = e.V
		case *schema.RawExpr:
			got = e.X
		}
		if c.want == "" {
			if err == nil {
				t.Errorf("%s %T %v: accepted as %s", c.d, c.t, c.v, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %T %v: %q %v, want %q", c.d, c.t, c.v, got, err, c.want)
		}
	}
}

func TestObjectName(t *testing.T) {
	long := "a_really_long_table_name_that_goes_on_and_on"
	n := objectName(long, "another_long_column_name", "fkey")
	if len(n) > maxIdentLength || n == objectName(long, "another_long_column_nam", "fkey") {
		t.Errorf("objectName: %q", n)
	}
	if got := objectName("todo", "owner_id", "fkey"); got != "todo_owner_id_fkey" {
		t.Errorf("objectName: %q", got)
	}
}
