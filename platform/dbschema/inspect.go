package dbschema

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
)

// Dialect names (those of entgo.io/ent/dialect).
const (
	dialectSQLite   = "sqlite3"
	dialectPostgres = "postgres"
	dialectMySQL    = "mysql"
)

// normalizeDialect accepts ent's dialect names and common aliases.
func normalizeDialect(d string) (string, error) {
	switch strings.ToLower(d) {
	case "sqlite3", "sqlite":
		return dialectSQLite, nil
	case "postgres", "postgresql", "pgx":
		return dialectPostgres, nil
	case "mysql", "mariadb":
		return dialectMySQL, nil
	}
	return "", fmt.Errorf("dbschema: unsupported dialect %q", d)
}

// Inspect reads the schema of the database behind db: its tables (with
// columns, primary keys, unique/index flags, foreign keys and relations)
// and its views (columns only).
//
// dialect is "sqlite3", "postgres" or "mysql" (entgo.io/ent/dialect names;
// "sqlite", "postgresql", "pgx" and "mariadb" are accepted too). For SQLite
// the "main" database is read; for PostgreSQL the connection's current
// schema (the first existing schema of search_path, normally "public"); for
// MySQL/MariaDB the connected database.
func Inspect(ctx context.Context, db *sql.DB, dialect string) (*Schema, error) {
	d, err := normalizeDialect(dialect)
	if err != nil {
		return nil, err
	}
	var drv migrate.Driver
	switch d {
	case dialectSQLite:
		drv, err = sqlite.Open(sqliteQuerier{db})
	case dialectPostgres:
		drv, err = postgres.Open(db)
	case dialectMySQL:
		drv, err = mysql.Open(db)
	}
	if err != nil {
		return nil, fmt.Errorf("dbschema: %w", err)
	}
	as, err := drv.InspectSchema(ctx, "", &schema.InspectOptions{Mode: schema.InspectTables})
	if err != nil {
		return nil, fmt.Errorf("dbschema: inspect: %w", err)
	}
	tables := make([]*Table, 0, len(as.Tables))
	for _, at := range as.Tables {
		tables = append(tables, convertTable(d, at))
	}
	views, err := inspectViews(ctx, db, d)
	if err != nil {
		return nil, fmt.Errorf("dbschema: inspect views: %w", err)
	}
	tables = append(tables, views...)
	s := newSchema(tables)
	buildRelations(s, as)
	return s, nil
}

// newSchema indexes tables by lower-case name (see Schema.Tables for
// clashes) and sorts Names.
func newSchema(tables []*Table) *Schema {
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	s := &Schema{Tables: make(map[string]*Table, len(tables))}
	for _, t := range tables {
		key := strings.ToLower(t.Name)
		if prev, ok := s.Tables[key]; ok && (prev.Name == key || t.Name != key) {
			continue
		}
		s.Tables[key] = t
	}
	for _, t := range s.Tables {
		s.Names = append(s.Names, t.Name)
	}
	sort.Slice(s.Names, func(i, j int) bool {
		a, b := strings.ToLower(s.Names[i]), strings.ToLower(s.Names[j])
		if a != b {
			return a < b
		}
		return s.Names[i] < s.Names[j]
	})
	return s
}

// convertTable converts one Atlas table (without relations).
func convertTable(dialect string, at *schema.Table) *Table {
	t := &Table{Name: at.Name, byName: make(map[string]*Column, len(at.Columns))}
	for _, ac := range at.Columns {
		c := convertColumn(dialect, ac)
		t.Columns = append(t.Columns, c)
		t.byName[c.Name] = c
	}
	if at.PrimaryKey != nil {
		for _, p := range at.PrimaryKey.Parts {
			if p.C == nil {
				continue
			}
			t.PrimaryKey = append(t.PrimaryKey, p.C.Name)
			if c, ok := t.byName[p.C.Name]; ok {
				c.IsPrimaryKey = true
			}
		}
	}
	for _, idx := range at.Indexes {
		for _, p := range idx.Parts {
			if p.C == nil {
				continue
			}
			if c, ok := t.byName[p.C.Name]; ok {
				c.IsIndex = true
				if idx.Unique && len(idx.Parts) == 1 {
					c.IsUnique = true
				}
			}
		}
	}
	for _, fk := range at.ForeignKeys {
		ref := refTableName(at, fk)
		for i, fc := range fk.Columns {
			c, ok := t.byName[fc.Name]
			if !ok {
				continue
			}
			c.IsForeignKey, c.RefTable = true, ref
			if i < len(fk.RefColumns) {
				c.RefField = fk.RefColumns[i].Name
			}
		}
	}
	if dialect == dialectSQLite && len(t.PrimaryKey) == 1 && !hasAttr[*sqlite.WithoutRowID](at.Attrs) {
		// A lone "INTEGER PRIMARY KEY" column is an alias of the rowid and
		// is assigned automatically (https://sqlite.org/lang_createtable.html#rowid).
		c := t.byName[t.PrimaryKey[0]]
		if c != nil && strings.EqualFold(strings.TrimSpace(c.DBType), "integer") {
			// pragma reports it nullable, but it never holds NULL.
			c.AutoIncrement, c.Default, c.AllowNull = true, nil, false
		}
	}
	for _, c := range t.Columns {
		finishColumn(c)
	}
	return t
}

// refTableName names the table a foreign key references, qualified by its
// schema when that is not the inspected one.
func refTableName(at *schema.Table, fk *schema.ForeignKey) string {
	if fk.RefTable == nil {
		return ""
	}
	if rs := fk.RefTable.Schema; rs != nil && at.Schema != nil && rs.Name != "" && rs.Name != at.Schema.Name {
		return rs.Name + "." + fk.RefTable.Name
	}
	return fk.RefTable.Name
}

// convertColumn converts the per-column facts; keys are applied by
// convertTable and derived fields by finishColumn.
func convertColumn(dialect string, ac *schema.Column) *Column {
	ti := mapType(dialect, ac.Type)
	c := &Column{
		Name:      ac.Name,
		DBType:    ti.dbType,
		Type:      ti.typ,
		Kind:      ti.kind,
		Length:    ti.length,
		Precision: ti.precision,
		Scale:     ti.scale,
		AllowNull: ac.Type.Null,
		Default:   defaultValue(ac.Default, ti.kind),
	}
	switch {
	case ti.serial,
		hasAttr[*sqlite.AutoIncrement](ac.Attrs),
		hasAttr[*mysql.AutoIncrement](ac.Attrs),
		hasAttr[*postgres.Identity](ac.Attrs):
		c.AutoIncrement = true
	case dialect == dialectPostgres:
		// A nextval() default whose sequence name Atlas did not recognise
		// as the column's own serial sequence.
		if s, ok := c.Default.(string); ok && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "nextval(") {
			c.AutoIncrement = true
		}
	}
	if c.AutoIncrement {
		c.Default = nil
	}
	if hasAttr[*schema.GeneratedExpr](ac.Attrs) {
		c.Default, c.generated = nil, true
	}
	return c
}

// finishColumn derives Type "id"/"reference" and Required once keys are known.
func finishColumn(c *Column) {
	switch {
	case c.IsPrimaryKey && c.AutoIncrement && c.Kind == KindInt:
		c.Type = "id"
	case c.IsForeignKey && !c.IsPrimaryKey && c.Kind == KindInt:
		c.Type = "reference"
	}
	c.Required = !(c.AllowNull || c.Default != nil || c.AutoIncrement || c.generated)
}

// hasAttr reports whether attrs holds an attribute of type T.
func hasAttr[T schema.Attr](attrs []schema.Attr) bool {
	for _, a := range attrs {
		if _, ok := a.(T); ok {
			return true
		}
	}
	return false
}
