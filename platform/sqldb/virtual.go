package sqldb

// Virtual relationships (DreamFactory's is_virtual): relationships an admin declares through
// _schema/{table}/_related between columns that have no foreign key. They are kept in the
// service's config under ConfigVirtualRelationships, a list of
// {table, type, field, ref_table, ref_field[, junction_table, junction_field, junction_ref_field],
// always_fetch, flatten, flatten_drop_prefix[, alias, label, description]} with the names as
// the database spells them, so they survive restarts and reach every node. Types are
// belongs_to, has_one, has_many and many_many; the rest are DreamFactory's relationship extras
// (dbschema.Extras, related_extras.go), false or empty when absent. The extras of relationships
// derived from foreign keys are kept beside them (relationship_extras.go).
// On top of each introspected schema they are added to their tables' relations (see
// dbschema.WithRelations), after the foreign-key ones, and serve related=, _schema and the
// GraphQL data API like those. A stored relationship whose table or fields are gone (changed
// outside Apiary or dropped) is left out of the schema, and logged, until they are back; it
// can still be deleted by name.

import (
	"maps"

	"github.com/apiary/apiary/platform/dbschema"
)

// ConfigVirtualRelationships is the service config key that holds the virtual relationships.
const ConfigVirtualRelationships = "virtual_relationships"

// virtualRel is one stored virtual relationship; Table is the table it belongs to.
type virtualRel struct {
	Table, Type, Field, RefTable, RefField    string
	JunctionTable, JunctionField, JunctionRef string
	dbschema.Extras
}

// name is DreamFactory's name of the relationship (reference §2.5): belongs_to
// {ref_table}_by_{field}, has_many and has_one {ref_table}_by_{ref_field}, many_many
// {ref_table}_by_{junction_table}.
func (v virtualRel) name() string {
	switch v.Type {
	case dbschema.BelongsTo:
		return v.RefTable + "_by_" + v.Field
	case dbschema.HasMany, dbschema.HasOne:
		return v.RefTable + "_by_" + v.RefField
	}
	return v.RefTable + "_by_" + v.JunctionTable
}

// config is v as stored.
func (v virtualRel) config() map[string]any {
	m := map[string]any{"table": v.Table, "type": v.Type, "field": v.Field, "ref_table": v.RefTable, "ref_field": v.RefField}
	maps.Copy(m, extrasConfig(v.Extras))
	if v.Type == dbschema.ManyMany {
		m["junction_table"], m["junction_field"], m["junction_ref_field"] = v.JunctionTable, v.JunctionField, v.JunctionRef
	}
	return m
}

// virtualsFromConfig reads the stored virtual relationships of a service config (entries that
// are not objects with the keys above are skipped).
func virtualsFromConfig(cfg map[string]any) []virtualRel {
	list, _ := cfg[ConfigVirtualRelationships].([]any)
	var out []virtualRel
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		str := func(k string) string { v, _ := m[k].(string); return v }
		v := virtualRel{Table: str("table"), Type: str("type"), Field: str("field"), RefTable: str("ref_table"), RefField: str("ref_field"),
			JunctionTable: str("junction_table"), JunctionField: str("junction_field"), JunctionRef: str("junction_ref_field"),
			Extras: extrasOf(m)}
		if v.Table == "" || v.Field == "" || v.RefTable == "" || v.RefField == "" ||
			(v.Type == dbschema.ManyMany && (v.JunctionTable == "" || v.JunctionField == "" || v.JunctionRef == "")) ||
			!virtualType(v.Type) || !validExtras(v.Extras, v.Type) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// virtualType reports whether typ is a type a virtual relationship may have.
func virtualType(typ string) bool {
	switch typ {
	case dbschema.BelongsTo, dbschema.HasOne, dbschema.HasMany, dbschema.ManyMany:
		return true
	}
	return false
}

// flattens reports whether relationships of type typ may be flattened: those with one
// related record (DreamFactory: "if a single record").
func flattens(typ string) bool {
	return typ == dbschema.BelongsTo || typ == dbschema.HasOne
}

// virtualsConfig is list as stored.
func virtualsConfig(list []virtualRel) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v.config()
	}
	return out
}

// resolve checks v against sch and returns its relation with the schema's spelling of every
// name, or "" and a reason when a table or field does not exist (or is left out of the API).
func (v virtualRel) resolve(sch *dbschema.Schema) (*dbschema.Relation, string) {
	t, ok := sch.Table(v.Table)
	if !ok {
		return nil, "table '" + v.Table + "' does not exist"
	}
	f, ok := t.Column(v.Field)
	if !ok {
		return nil, "field '" + v.Field + "' does not exist in table '" + t.Name + "'"
	}
	rt, ok := sch.Table(v.RefTable)
	if !ok {
		return nil, "ref_table '" + v.RefTable + "' does not exist"
	}
	rf, ok := rt.Column(v.RefField)
	if !ok {
		return nil, "ref_field '" + v.RefField + "' does not exist in table '" + rt.Name + "'"
	}
	r := &dbschema.Relation{Type: v.Type, Field: f.Name, RefTable: rt.Name, RefField: rf.Name, Virtual: true, Extras: v.Extras}
	if v.Type == dbschema.ManyMany {
		jt, ok := sch.Table(v.JunctionTable)
		if !ok {
			return nil, "junction_table '" + v.JunctionTable + "' does not exist"
		}
		jf, ok := jt.Column(v.JunctionField)
		if !ok {
			return nil, "junction_field '" + v.JunctionField + "' does not exist in table '" + jt.Name + "'"
		}
		jr, ok := jt.Column(v.JunctionRef)
		if !ok {
			return nil, "junction_ref_field '" + v.JunctionRef + "' does not exist in table '" + jt.Name + "'"
		}
		r.JunctionTable, r.JunctionField, r.JunctionRefField = jt.Name, jf.Name, jr.Name
	}
	r.Name = virtualRel{Type: r.Type, Field: r.Field, RefTable: r.RefTable, RefField: r.RefField, JunctionTable: r.JunctionTable}.name()
	return r, ""
}
