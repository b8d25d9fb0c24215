package sqldb

// Virtual relationships (DreamFactory's is_virtual): relationships an admin declares through
// _schema/{table}/_related between columns that have no foreign key. They are kept in the
// service's config under ConfigVirtualRelationships, a list of
// {table, type, field, ref_table, ref_field[, junction_table, junction_field, junction_ref_field],
// [ref_service_id, ref_service, junction_service_id,] always_fetch, flatten,
// flatten_drop_prefix[, alias, label, description]} with the names as the databases spell them,
// so they survive restarts and reach every node. Types are
// belongs_to, has_one, has_many and many_many; the rest are DreamFactory's relationship extras
// (dbschema.Extras, related_extras.go), false or empty when absent. The extras of relationships
// derived from foreign keys are kept beside them (relationship_extras.go).
// On top of each introspected schema they are added to their tables' relations (see
// dbschema.WithRelations), after the foreign-key ones, and serve related=, _schema and the
// GraphQL data API like those. A stored relationship whose table or fields are gone (changed
// outside Apiary or dropped) is left out of the schema, and logged, until they are back; it
// can still be deleted by name.
//
// Relationships to another service (DreamFactory's ref_service_id): ref_table (and for
// many_many the junction table, which must be in that same service: junction_service_id) is a
// table of another database service of the platform, read through that service
// (related.go). ref_service_id is stored with the service's name as it was when the
// relationship was last written (ref_service); the name in use is looked up by id whenever
// the config is read (a new instance, Reconfigure), so the relationship follows a renamed
// service then, and is left out while no service has that id. The other service's table and
// fields are checked when the relationship is written (schema_related.go); afterwards only
// this service's side is, as the other's schema is not at hand when this one's is built (a
// relation whose other side went away fails when it is read). DreamFactory names them with
// the service as a prefix (RelationSchema::buildName): "{service}.{ref_table}_by_{field}".

import (
	"fmt"
	"maps"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// ConfigVirtualRelationships is the service config key that holds the virtual relationships.
const ConfigVirtualRelationships = "virtual_relationships"

// virtualRel is one stored virtual relationship; Table is the table it belongs to.
type virtualRel struct {
	Table, Type, Field, RefTable, RefField    string
	JunctionTable, JunctionField, JunctionRef string
	// RefServiceID: the service of RefTable (and JunctionTable), 0 for this one; RefService its
	// name. JunctionServiceID: the service of JunctionTable, 0 for this one, else RefServiceID.
	RefServiceID, JunctionServiceID int
	RefService                      string
	// refGone: no service has RefServiceID (as the config was read).
	refGone bool
	dbschema.Extras
}

// name is DreamFactory's name of the relationship (reference §2.5): belongs_to
// {ref_table}_by_{field}, has_many and has_one {ref_table}_by_{ref_field}, many_many
// {ref_table}_by_{junction_table}, where a table of another service is "{service}.{table}".
func (v virtualRel) name() string {
	ref := v.RefTable
	if v.RefServiceID != 0 {
		ref = v.RefService + "." + ref
	}
	switch v.Type {
	case dbschema.BelongsTo:
		return ref + "_by_" + v.Field
	case dbschema.HasMany, dbschema.HasOne:
		return ref + "_by_" + v.RefField
	}
	if v.JunctionServiceID != 0 {
		return ref + "_by_" + v.RefService + "." + v.JunctionTable
	}
	return ref + "_by_" + v.JunctionTable
}

// config is v as stored.
func (v virtualRel) config() map[string]any {
	m := map[string]any{"table": v.Table, "type": v.Type, "field": v.Field, "ref_table": v.RefTable, "ref_field": v.RefField}
	maps.Copy(m, extrasConfig(v.Extras))
	if v.Type == dbschema.ManyMany {
		m["junction_table"], m["junction_field"], m["junction_ref_field"] = v.JunctionTable, v.JunctionField, v.JunctionRef
	}
	if v.RefServiceID != 0 {
		m["ref_service_id"], m["ref_service"] = v.RefServiceID, v.RefService
	}
	if v.JunctionServiceID != 0 {
		m["junction_service_id"] = v.JunctionServiceID
	}
	return m
}

// virtualsFromConfig reads the stored virtual relationships of a service config (entries that
// are not objects with the keys above are skipped). services maps the platform's service ids
// to their names, for relationships to other services; nil when unknown (the stored names
// are used).
func virtualsFromConfig(cfg map[string]any, services map[int]string) []virtualRel {
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
			RefService: str("ref_service"), Extras: extrasOf(m)}
		if id, ok := platform.IntValue(m["ref_service_id"]); ok {
			v.RefServiceID = int(id)
		}
		if id, ok := platform.IntValue(m["junction_service_id"]); ok {
			v.JunctionServiceID = int(id)
		}
		if v.Table == "" || v.Field == "" || v.RefTable == "" || v.RefField == "" ||
			(v.Type == dbschema.ManyMany && (v.JunctionTable == "" || v.JunctionField == "" || v.JunctionRef == "")) ||
			!virtualType(v.Type) || !validExtras(v.Extras, v.Type) ||
			(v.JunctionServiceID != 0 && (v.JunctionServiceID != v.RefServiceID || v.Type != dbschema.ManyMany)) {
			continue
		}
		if v.RefServiceID != 0 && services != nil {
			name, ok := services[v.RefServiceID]
			v.refGone = !ok
			if ok {
				v.RefService = name
			}
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

// virtualsConfig is list as stored.
func virtualsConfig(list []virtualRel) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v.config()
	}
	return out
}

// resolve checks v against local (this service's schema) and ref (the schema of the service
// of its ref_table: local for this one, nil when not at hand, then its names there are taken as
// stored) and returns its relation with the schemas' spelling of every name, or "" and a
// reason when a service, table or field does not exist (or is left out of the API).
func (v virtualRel) resolve(local, ref *dbschema.Schema) (*dbschema.Relation, string) {
	if v.RefServiceID == 0 {
		ref = local
	}
	in := "" // where ref tables are, in messages
	if v.RefServiceID != 0 {
		in = " in service '" + v.RefService + "'"
	}
	switch {
	case v.refGone:
		return nil, fmt.Sprintf("ref_service_id %d names no service (was '%s' deleted?)", v.RefServiceID, v.RefService)
	case v.JunctionServiceID != v.RefServiceID && v.Type == dbschema.ManyMany:
		return nil, "its junction_table is not in the service of its ref_table"
	}
	t, ok := local.Table(v.Table)
	if !ok {
		return nil, "table '" + v.Table + "' does not exist"
	}
	f, ok := t.Column(v.Field)
	if !ok {
		return nil, "field '" + v.Field + "' does not exist in table '" + t.Name + "'"
	}
	r := &dbschema.Relation{Type: v.Type, Field: f.Name, RefTable: v.RefTable, RefField: v.RefField, Virtual: true, Extras: v.Extras}
	if v.Type == dbschema.ManyMany {
		r.JunctionTable, r.JunctionField, r.JunctionRefField = v.JunctionTable, v.JunctionField, v.JunctionRef
	}
	if v.RefServiceID != 0 {
		r.RefService, r.RefServiceID = v.RefService, v.RefServiceID
	}
	if ref != nil {
		rt, ok := ref.Table(v.RefTable)
		if !ok {
			return nil, "ref_table '" + v.RefTable + "' does not exist" + in
		}
		rf, ok := rt.Column(v.RefField)
		if !ok {
			return nil, "ref_field '" + v.RefField + "' does not exist in table '" + rt.Name + "'" + in
		}
		r.RefTable, r.RefField = rt.Name, rf.Name
		if v.Type == dbschema.ManyMany {
			jt, ok := ref.Table(v.JunctionTable)
			if !ok {
				return nil, "junction_table '" + v.JunctionTable + "' does not exist" + in
			}
			jf, ok := jt.Column(v.JunctionField)
			if !ok {
				return nil, "junction_field '" + v.JunctionField + "' does not exist in table '" + jt.Name + "'" + in
			}
			jr, ok := jt.Column(v.JunctionRef)
			if !ok {
				return nil, "junction_ref_field '" + v.JunctionRef + "' does not exist in table '" + jt.Name + "'" + in
			}
			r.JunctionTable, r.JunctionField, r.JunctionRefField = jt.Name, jf.Name, jr.Name
		}
	}
	spelled := v
	spelled.Field, spelled.RefTable, spelled.RefField, spelled.JunctionTable = r.Field, r.RefTable, r.RefField, r.JunctionTable
	r.Name = spelled.name()
	return r, ""
}
