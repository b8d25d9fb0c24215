package sqltable

import "strings"

// Quote returns name as a quoted identifier of dialect ("name" on PostgreSQL, `name` on SQLite
// and MySQL), inner quote characters doubled. ent writes an identifier that is already quoted
// as it is, and would otherwise pass names that look like expressions (with parentheses, " AS ",
// a leading ALL or DISTINCT) through unquoted: every table and column name reaches ent quoted.
func Quote(dialect, name string) string {
	if dialect == "postgres" {
		return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// SafeName reports whether a name can be quoted safely for every dialect: no quote
// characters of either kind and no NUL. Names that are not are left out of the API.
func SafeName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "`\"\x00")
}
