package data

import (
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/apiary/apiary/platform"
)

// perms are the operations a caller may run on one table.
type perms struct{ read, insert, update, remove bool }

// visibility is what a caller may do per table (by lower-case database name); tables absent
// are invisible.
type visibility map[string]perms

// visibilityOf computes a session's visibility from its role, as the pipeline would authorize
// GET, POST, PATCH and DELETE on _table/{table}. Views are read-only.
func visibilityOf(s *platform.Session, service string, m *model) visibility {
	v := visibility{}
	for _, tb := range m.tables {
		comp := "_table/" + tb.t.Name
		allows := func(verb string) bool { return s.Allows(service, comp, verb, platform.RequestorAPI) }
		p := perms{read: allows(http.MethodGet)}
		if !tb.t.IsView {
			p.insert, p.update, p.remove = allows(http.MethodPost), allows(http.MethodPatch), allows(http.MethodDelete)
		}
		if p.read || p.insert || p.update || p.remove {
			v[strings.ToLower(tb.t.Name)] = p
		}
	}
	return v
}

// key is a stable text for the visibility: roles that see the same get the same schema.
func (v visibility) key(m *model) string {
	var b strings.Builder
	for _, tb := range m.tables {
		p, ok := v[strings.ToLower(tb.t.Name)]
		if !ok {
			continue
		}
		b.WriteString(tb.name)
		b.WriteByte(':')
		for _, f := range []bool{p.read, p.insert, p.update, p.remove} {
			if f {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		b.WriteByte(';')
	}
	return b.String()
}

func (v visibility) of(tb *table) perms { return v[strings.ToLower(tb.t.Name)] }

// readsRelation reports whether a relation is in the schema: its target (and, for many_many,
// its junction) is readable.
func (v visibility) readsRelation(r *relation) bool {
	return v.of(r.target).read && (r.junction == nil || v.of(r.junction).read)
}

// comparisonScalars have a {Scalar}_comparison_exp input.
var comparisonScalars = []string{"Int", "Float", "String", "Boolean", "ID", "JSON", "DateTime", "Decimal"}

// buildSchema writes the SDL of the tables v shows and loads it.
//
// Per readable table: an object type with its columns and its relations to readable tables;
// Query fields {t}(where, order_by, limit, offset), {t}_by_pk(keys…) and
// {t}_aggregate(where) { count sum avg min max }. Per writable table: insert_{t}, insert_{t}_one,
// update_{t}, update_{t}_by_pk, delete_{t}, delete_{t}_by_pk, each needing read access too
// (they return rows).
func buildSchema(m *model, v visibility) (*ast.Schema, error) {
	var b strings.Builder
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	w(`"A JSON value."`, "\nscalar JSON\n",
		`"A date, time or date-time as the database gives it (DreamFactory's format)."`, "\nscalar DateTime\n",
		`"An exact decimal number (a JSON number or string as the database gives it)."`, "\nscalar Decimal\n",
		"\n\"Sort direction.\"\nenum order_by { asc asc_nulls_first asc_nulls_last desc desc_nulls_first desc_nulls_last }\n")
	for _, s := range comparisonScalars {
		w("\ninput ", s, "_comparison_exp {\n  _eq: ", s, "\n  _neq: ", s, "\n  _gt: ", s, "\n  _gte: ", s,
			"\n  _lt: ", s, "\n  _lte: ", s, "\n  _in: [", s, "!]\n  _nin: [", s, "!]\n  _is_null: Boolean\n")
		if s == "String" || s == "ID" {
			w("  \"SQL LIKE: % any run of characters, _ any one character.\"\n  _like: String\n  _nlike: String\n")
		}
		w("}\n")
	}
	var query, mutation strings.Builder
	for _, tb := range m.tables {
		p := v.of(tb)
		if !p.read {
			continue
		}
		n := tb.name
		// Object type.
		w("\n\"Table ", strings.ReplaceAll(tb.t.Name, `"`, `'`), ".\"\ntype ", n, " {\n")
		for _, c := range tb.cols {
			w("  ", c.name, ": ", c.scalar)
			if !c.c.AllowNull {
				w("!")
			}
			w("\n")
		}
		for _, r := range tb.rels {
			if !v.readsRelation(r) {
				continue
			}
			t := r.target.name
			if r.single() {
				w("  ", r.name, ": ", t, "\n")
				continue
			}
			w("  ", r.name, "(where: ", t, "_bool_exp, order_by: [", t, "_order_by!], limit: Int, offset: Int): [", t, "!]!\n")
		}
		w("}\n")
		// Filters and ordering.
		w("\ninput ", n, "_bool_exp {\n  _and: [", n, "_bool_exp!]\n  _or: [", n, "_bool_exp!]\n  _not: ", n, "_bool_exp\n")
		for _, c := range tb.cols {
			w("  ", c.name, ": ", c.scalar, "_comparison_exp\n")
		}
		for _, r := range tb.rels {
			if !v.readsRelation(r) {
				continue
			}
			if r.single() {
				w("  \"The related ", r.target.name, " row matches.\"\n")
			} else {
				w("  \"At least one related ", r.target.name, " row matches.\"\n")
			}
			w("  ", r.name, ": ", r.target.name, "_bool_exp\n")
		}
		w("}\n\ninput ", n, "_order_by {\n")
		for _, c := range tb.cols {
			w("  ", c.name, ": order_by\n")
		}
		w("}\n")
		aggregateSDL(&b, tb)
		query.WriteString("  " + n + "(where: " + n + "_bool_exp, order_by: [" + n + "_order_by!], limit: Int, offset: Int): [" + n + "!]!\n")
		pkArgs := pkArgs(tb)
		if pkArgs != "" {
			query.WriteString("  " + n + "_by_pk(" + pkArgs + "): " + n + "\n")
		}
		query.WriteString("  " + n + "_aggregate(where: " + n + "_bool_exp): " + n + "_aggregate!\n")
		if !(p.insert || p.update || p.remove) {
			continue
		}
		w("\ntype ", n, "_mutation_response {\n  affected_rows: Int!\n  returning: [", n, "!]!\n}\n")
		if p.insert {
			w("\ninput ", n, "_insert_input {\n")
			for _, c := range tb.cols {
				w("  ", c.name, ": ", c.scalar)
				if c.c.Required {
					w("!")
				}
				w("\n")
			}
			w("}\n")
			mutation.WriteString("  insert_" + n + "(objects: [" + n + "_insert_input!]!): " + n + "_mutation_response\n")
			mutation.WriteString("  insert_" + n + "_one(object: " + n + "_insert_input!): " + n + "\n")
		}
		if p.update {
			w("\ninput ", n, "_set_input {\n")
			for _, c := range tb.cols {
				w("  ", c.name, ": ", c.scalar, "\n")
			}
			w("}\n")
			mutation.WriteString("  update_" + n + "(where: " + n + "_bool_exp!, _set: " + n + "_set_input!): " + n + "_mutation_response\n")
			if pkArgs != "" {
				mutation.WriteString("  update_" + n + "_by_pk(" + pkArgs + ", _set: " + n + "_set_input!): " + n + "\n")
			}
		}
		if p.remove {
			mutation.WriteString("  delete_" + n + "(where: " + n + "_bool_exp!): " + n + "_mutation_response\n")
			if pkArgs != "" {
				mutation.WriteString("  delete_" + n + "_by_pk(" + pkArgs + "): " + n + "\n")
			}
		}
	}
	if query.Len() == 0 {
		query.WriteString("  \"This role may read no table of the service.\"\n  no_queries_available: String!\n")
	}
	w("\ntype Query {\n", query.String(), "}\n")
	if mutation.Len() > 0 {
		w("\ntype Mutation {\n", mutation.String(), "}\n")
	}
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "data.graphql", Input: b.String(), BuiltIn: false})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// pkArgs are the arguments of the _by_pk fields: every key column, non-null.
func pkArgs(tb *table) string {
	parts := make([]string, len(tb.pk))
	for i, c := range tb.pk {
		parts[i] = c.name + ": " + c.scalar + "!"
	}
	return strings.Join(parts, ", ")
}
