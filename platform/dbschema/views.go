package dbschema

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
)

// Atlas's open-source build does not inspect views, so views are read from
// the catalogue here: one query on PostgreSQL and MySQL, one plus one per
// view on SQLite. A view gets columns (name, type, nullability) only: no
// keys, defaults, indexes or relations, and IsView set.
//
// PostgreSQL materialized views are included. A SQLite view that cannot be
// compiled (it refers to a dropped table, say) is left out rather than
// failing the inspection.

const (
	sqliteViewsQuery       = "SELECT name FROM sqlite_master WHERE type = 'view' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	sqliteViewColumnsQuery = "SELECT name, type, NOT \"notnull\" FROM pragma_table_info(?) ORDER BY cid"
	postgresViewsQuery     = `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
ORDER BY c.relname, a.attnum`
	mysqlViewsQuery = `SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE = 'YES'
FROM INFORMATION_SCHEMA.COLUMNS c
JOIN INFORMATION_SCHEMA.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'VIEW'
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`
)

// inspectViews returns the views of the inspected schema.
func inspectViews(ctx context.Context, db *sql.DB, dialect string) ([]*Table, error) {
	switch dialect {
	case dialectSQLite:
		return sqliteViews(ctx, db)
	case dialectPostgres:
		return catalogueViews(ctx, db, dialect, postgresViewsQuery, postgres.ParseType)
	case dialectMySQL:
		return catalogueViews(ctx, db, dialect, mysqlViewsQuery, mysql.ParseType)
	}
	return nil, nil
}

// catalogueViews reads (view, column, type, nullable) rows in view and
// column order.
func catalogueViews(ctx context.Context, db *sql.DB, dialect, query string, parse func(string) (schema.Type, error)) ([]*Table, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var views []*Table
	for rows.Next() {
		var (
			view, name, typ string
			null            bool
		)
		if err := rows.Scan(&view, &name, &typ, &null); err != nil {
			return nil, err
		}
		if len(views) == 0 || views[len(views)-1].Name != view {
			views = append(views, &Table{Name: view, IsView: true, byName: map[string]*Column{}})
		}
		if err := addViewColumn(views[len(views)-1], dialect, name, typ, null, parse); err != nil {
			return nil, err
		}
	}
	return views, rows.Err()
}

// sqliteViews lists the views, then reads each one's columns.
func sqliteViews(ctx context.Context, db *sql.DB) ([]*Table, error) {
	names, err := queryStrings(ctx, db, sqliteViewsQuery)
	if err != nil {
		return nil, err
	}
	var views []*Table
	for _, name := range names {
		v := &Table{Name: name, IsView: true, byName: map[string]*Column{}}
		if err := sqliteViewColumns(ctx, db, v); err != nil {
			continue // a broken view: leave it out
		}
		views = append(views, v)
	}
	return views, nil
}

func sqliteViewColumns(ctx context.Context, db *sql.DB, v *Table) error {
	rows, err := db.QueryContext(ctx, sqliteViewColumnsQuery, v.Name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name, typ string
			null      bool
		)
		if err := rows.Scan(&name, &typ, &null); err != nil {
			return err
		}
		if err := addViewColumn(v, dialectSQLite, name, typ, null, sqlite.ParseType); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(v.Columns) == 0 {
		return fmt.Errorf("view %q has no columns", v.Name)
	}
	return nil
}

// addViewColumn appends a view column; a type the parser rejects becomes
// KindOther rather than an error.
func addViewColumn(v *Table, dialect, name, typ string, null bool, parse func(string) (schema.Type, error)) error {
	t, err := parse(typ)
	if err != nil || t == nil {
		t = &schema.UnsupportedType{T: typ}
	}
	ti := mapType(dialect, &schema.ColumnType{Type: t, Raw: typ, Null: null})
	if dialect == dialectPostgres {
		ti.dbType = typ // format_type text is already complete
	}
	c := &Column{
		Name: name, DBType: ti.dbType, Type: ti.typ, Kind: ti.kind,
		Length: ti.length, Precision: ti.precision, Scale: ti.scale,
		AllowNull: null, Required: !null,
	}
	if _, dup := v.byName[name]; !dup {
		v.byName[name] = c
	}
	v.Columns = append(v.Columns, c)
	return nil
}

func queryStrings(ctx context.Context, db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sqliteQuerier adapts Atlas's SQLite foreign-key query to keys declared
// without a column list ("REFERENCES contact"): SQLite reports their target
// column as NULL, which Atlas cannot scan. The query is rewritten to report
// the referenced table's primary key column instead (the seq-th one), which
// is what such a key references.
type sqliteQuerier struct{ db *sql.DB }

const sqliteFKTarget = "coalesce(`to`, (SELECT p.name FROM pragma_table_info(`table`) AS p WHERE p.pk = `seq` + 1), '')"

func (q sqliteQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if strings.Contains(query, "FROM pragma_foreign_key_list(") {
		query = strings.Replace(query, "`to`", sqliteFKTarget, 1)
	}
	return q.db.QueryContext(ctx, query, args...)
}

func (q sqliteQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.db.ExecContext(ctx, query, args...)
}
