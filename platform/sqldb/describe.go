package sqldb

import (
	"strings"

	"github.com/apiary/apiary/platform/dbschema"
)

// describe renders a table as DreamFactory's _schema/{table} object (reference §2.6).
func describe(t *dbschema.Table, _ *dbschema.Schema) map[string]any {
	fields := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = map[string]any{
			"alias": nil, "name": c.Name, "label": label(c.Name), "description": nil, "native": []any{},
			"type": c.Type, "db_type": c.DBType, "length": c.Length, "precision": c.Precision, "scale": c.Scale,
			"default": c.Default, "required": c.Required, "allow_null": c.AllowNull, "fixed_length": false,
			"supports_multibyte": true, "auto_increment": c.AutoIncrement, "is_primary_key": c.IsPrimaryKey,
			"is_unique": c.IsUnique, "is_index": c.IsIndex, "is_foreign_key": c.IsForeignKey,
			"ref_table": nilIfEmpty(c.RefTable), "ref_field": nilIfEmpty(c.RefField), "ref_on_update": nil, "ref_on_delete": nil,
			"picklist": nil, "validation": nil, "db_function": nil, "is_virtual": false, "is_aggregate": false,
		}
	}
	related := make([]any, len(t.Related))
	for i, r := range t.Related {
		var refService, junctionService any // null: this service
		if r.RefServiceID != 0 {
			refService = r.RefServiceID
			if r.JunctionTable != "" {
				junctionService = r.RefServiceID
			}
		}
		related[i] = map[string]any{
			"name": r.Name, "alias": nilIfEmpty(r.Alias), "label": relationLabel(r), "description": nilIfEmpty(r.Description), "native": []any{},
			"type": r.Type, "field": []string{r.Field}, "is_virtual": r.Virtual, "ref_service_id": refService,
			"ref_table": r.RefTable, "ref_field": []string{r.RefField}, "ref_on_update": nil, "ref_on_delete": nil,
			"junction_service_id": junctionService, "junction_table": nilIfEmpty(r.JunctionTable),
			"junction_field": nilIfEmpty(r.JunctionField), "junction_ref_field": nilIfEmpty(r.JunctionRefField),
			"always_fetch": r.AlwaysFetch, "flatten": r.Flatten, "flatten_drop_prefix": r.FlattenDropPrefix,
		}
	}
	var pk any
	switch len(t.PrimaryKey) {
	case 0:
	case 1:
		pk = t.PrimaryKey[0]
	default:
		pk = t.PrimaryKey
	}
	return map[string]any{"alias": nil, "name": t.Name, "label": label(t.Name), "plural": label(t.Name) + "s",
		"description": nil, "native": []any{}, "is_view": t.IsView, "primary_key": pk, "name_field": nil,
		"field": fields, "related": related, "constraints": []any{}, "access": nil}
}

// relationLabel is r's label, else DreamFactory's default: its key in words
// (RelationSchema::getLabel).
func relationLabel(r *dbschema.Relation) string {
	if r.Label != "" {
		return r.Label
	}
	return label(strings.ReplaceAll(r.Key(), ".", " "))
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
