// Package data is the GraphQL data API of a database service, /graphql/{service}: a schema
// built at run time from the service's introspected tables and served through gqlgen's handler
// with a hand-written executor (no generated code).
//
// Every table access is a platform request for the matching _table call — GET
// _table/{table} with filter, fields, order, limit and offset; GET _table/{table}/{id};
// POST, PATCH and DELETE with records — so RBAC, role row filters and event scripts apply
// with the event names REST fires. Typed where inputs become DreamFactory filter strings
// (quoted and escaped by the filter package's own renderer). Relations load in one batched
// request per relation and level (two for many_many: the junction, then the targets), grouped
// in Go.
//
// One schema is built per service, schema version and visibility (the set of tables and verbs
// a role may use); a schema change builds a new generation and swaps it in atomically, while
// requests already running finish on the old one.
package data

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/apiary/apiary/platform/dbschema"
)

// model is the GraphQL naming of one introspected schema: every table and column with a valid,
// unique GraphQL name. Names are assigned over all tables (not per role), so a table keeps its
// name whatever a role may see. A model is immutable once built.
type model struct {
	tables []*table          // in schema.Names order
	byName map[string]*table // by GraphQL base name
	byDB   map[string]*table // by lower-case table name
	schema *dbschema.Schema
}

// table is one table or view.
type table struct {
	t      *dbschema.Table
	name   string    // GraphQL base name: the object type and the list field
	cols   []*column // columns with plain names, in database order
	byName map[string]*column
	rels   []*relation
	relBy  map[string]*relation
	pk     []*column            // empty for views and tables without a key (no _by_pk fields)
	aggs   map[string]aggFields // by aggregate function (aggregateFuncs): the columns it applies to
	// fieldNames are the object type's field names taken so far (while building).
	fieldNames map[string]bool
}

// column is one column.
type column struct {
	c      *dbschema.Column
	name   string // GraphQL field name
	scalar string // Int, Float, String, Boolean, ID, JSON, DateTime, Decimal
}

// relation is a relation field of a table.
type relation struct {
	r        *dbschema.Relation
	name     string
	field    *column // the parent's column (Field)
	target   *table
	refField *column // the target's column (RefField)
	junction *table  // many_many only
	jField   *column // junction column matched against field
	jRef     *column // junction column matched against refField
	// How keys match (keyIn): by number when a decimal or float column is on either side of
	// the match, as in REST (platform.MatchKey). fraction: field with refField (many_many:
	// field with jField); linkFraction, many_many only: jRef with refField.
	fraction, linkFraction bool
}

// single reports whether the relation has at most one related row per parent (belongs_to,
// has_one; dbschema.Relation.Single): its field is a nullable object, not a list.
func (r *relation) single() bool {
	return r.r.Single()
}

var invalidName = regexp.MustCompile(`[^_0-9A-Za-z]`)

// gqlName maps a database name to a valid GraphQL name ([_A-Za-z][_0-9A-Za-z]*): other
// characters become "_", a leading digit gets a "_" prefix and a leading "__" (reserved for
// introspection) an "x" prefix.
func gqlName(s string) string {
	s = invalidName.ReplaceAllString(s, "_")
	if s == "" {
		s = "_"
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	if strings.HasPrefix(s, "__") {
		s = "x" + s
	}
	return s
}

// plainName reports whether a column name can be written in DreamFactory's fields, order and
// filter parameters as a bare word. Other columns are left out of the GraphQL API.
func plainName(s string) bool {
	if s == "" {
		return false
	}
	switch strings.ToLower(s) {
	case "and", "or", "not":
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80) {
			return false
		}
	}
	return true
}

// fixedNames are the schema's own type and field names; tables never take them.
var fixedNames = []string{"Query", "Mutation", "Subscription", "Int", "Float", "String", "Boolean", "ID",
	"JSON", "DateTime", "Decimal", "order_by", "no_queries_available"}

// derived are the names a table with GraphQL base name n uses, types and root fields together.
func derived(n string) []string {
	return []string{n, n + "_by_pk", n + "_aggregate", n + "_sum_fields", n + "_avg_fields", n + "_min_fields", n + "_max_fields", n + "_bool_exp", n + "_order_by", n + "_insert_input",
		n + "_set_input", n + "_mutation_response", "insert_" + n, "insert_" + n + "_one", "update_" + n,
		"update_" + n + "_by_pk", "delete_" + n, "delete_" + n + "_by_pk"}
}

// scalarOf maps a column to its GraphQL scalar.
func scalarOf(c *dbschema.Column) string {
	switch c.Kind {
	case dbschema.KindInt:
		return "Int"
	case dbschema.KindFloat:
		return "Float"
	case dbschema.KindDecimal:
		return "Decimal"
	case dbschema.KindBool:
		return "Boolean"
	case dbschema.KindTime, dbschema.KindDate:
		return "DateTime"
	case dbschema.KindJSON:
		return "JSON"
	}
	if c.Type == "uuid" {
		return "ID"
	}
	return "String"
}

// newModel names the tables of sch. Tables are taken in sch.Names order (sorted), and a name
// already taken — by the schema's own names or by another table's derived names — gets the
// first free suffix _2, _3, …, so the result is deterministic. Columns and relations are named
// the same way within their type, columns first in database order.
func newModel(sch *dbschema.Schema) *model {
	m := &model{byName: map[string]*table{}, byDB: map[string]*table{}, schema: sch}
	taken := map[string]bool{}
	for _, n := range fixedNames {
		taken[n] = true
	}
	for _, n := range comparisonScalars {
		taken[n+"_comparison_exp"] = true
	}
	for _, key := range sch.Names {
		t, ok := sch.Table(key)
		if !ok {
			continue
		}
		base := gqlName(t.Name)
		var name string
		for i := 1; ; i++ {
			name = base
			if i > 1 {
				name = fmt.Sprintf("%s_%d", base, i)
			}
			free := true
			for _, d := range derived(name) {
				if taken[d] {
					free = false
					break
				}
			}
			if free {
				break
			}
		}
		for _, d := range derived(name) {
			taken[d] = true
		}
		tb := &table{t: t, name: name, byName: map[string]*column{}, relBy: map[string]*relation{}}
		fields := map[string]bool{"__typename": true, "_and": true, "_or": true, "_not": true}
		unique := func(base string) string {
			n := base
			for i := 2; fields[n]; i++ {
				n = fmt.Sprintf("%s_%d", base, i)
			}
			fields[n] = true
			return n
		}
		for _, c := range t.Columns {
			if !plainName(c.Name) {
				continue
			}
			col := &column{c: c, name: unique(gqlName(c.Name)), scalar: scalarOf(c)}
			tb.cols = append(tb.cols, col)
			tb.byName[col.name] = col
		}
		for _, k := range t.PrimaryKey {
			if c := tb.column(k); c != nil {
				tb.pk = append(tb.pk, c)
			} else {
				tb.pk = nil
				break
			}
		}
		tb.aggs = aggregates(tb)
		m.tables = append(m.tables, tb)
		m.byName[name] = tb
		m.byDB[strings.ToLower(t.Name)] = tb
		tb.fieldNames = fields
	}
	// Relations once every table is named.
	for _, tb := range m.tables {
		for _, r := range tb.t.Related {
			if r.RefService != "" {
				// A virtual relationship to a table of another service (DreamFactory's ref_service_id)
				// is left out: this schema is one service's, and its RefTable is no type of it (a
				// table of the same name here would be the wrong one). REST's related= reads it.
				continue
			}
			rel := &relation{r: r, field: tb.column(r.Field), target: m.byDB[strings.ToLower(r.RefTable)]}
			if rel.field == nil || rel.target == nil {
				continue
			}
			if rel.refField = rel.target.column(r.RefField); rel.refField == nil {
				continue
			}
			rel.fraction = rel.field.c.Kind.Fractional() || rel.refField.c.Kind.Fractional()
			if r.Type == dbschema.ManyMany {
				rel.junction = m.byDB[strings.ToLower(r.JunctionTable)]
				if rel.junction == nil {
					continue
				}
				rel.jField, rel.jRef = rel.junction.column(r.JunctionField), rel.junction.column(r.JunctionRefField)
				if rel.jField == nil || rel.jRef == nil {
					continue
				}
				rel.fraction = rel.field.c.Kind.Fractional() || rel.jField.c.Kind.Fractional()
				rel.linkFraction = rel.jRef.c.Kind.Fractional() || rel.refField.c.Kind.Fractional()
			}
			base := gqlName(r.Name)
			rel.name = base
			for i := 2; tb.fieldNames[rel.name]; i++ {
				rel.name = fmt.Sprintf("%s_%d", base, i)
			}
			tb.fieldNames[rel.name] = true
			tb.rels = append(tb.rels, rel)
			tb.relBy[rel.name] = rel
		}
	}
	return m
}

// column returns the column named (in the database) name, or nil.
func (t *table) column(name string) *column {
	for _, c := range t.cols {
		if c.c.Name == name {
			return c
		}
	}
	for _, c := range t.cols {
		if strings.EqualFold(c.c.Name, name) {
			return c
		}
	}
	return nil
}

// sortedKeys returns the keys of m in order, so that the same input builds the same filter text.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
