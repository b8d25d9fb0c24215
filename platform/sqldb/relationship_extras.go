package sqldb

// DreamFactory's relationship extras (its db_relationship_extras; reference §2.5): alias,
// label, description, always_fetch, flatten and flatten_drop_prefix, as dbschema.Extras.
//
//   - A virtual relationship keeps its extras in its own entry (virtual.go).
//   - A relationship derived from a foreign key keeps them in the service's config under
//     ConfigRelationshipExtras: a list of {table, relationship, always_fetch, flatten,
//     flatten_drop_prefix[, alias, label, description]}, the names as the schema spells them,
//     one entry per relationship that has any extra set. They are set by PUT and PATCH on
//     _schema/{table}/_related and cleared by DELETE there (schema_related.go), and added to
//     the inspected schema's relations (relationship_schema.go), so they survive restarts
//     and ?refresh=true and reach every node. An entry whose relationship is gone (its
//     foreign key or table dropped) is left out of the schema and logged; the next schema
//     change made through Apiary drops it from the config.
//
// What they do on reads is in related_extras.go; the alias is the relation's key in records
// and in related= (dbschema.Relation.Key), as DreamFactory's RelationSchema::getName(true).

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apiary/apiary/platform/dbschema"
)

// ConfigRelationshipExtras is the service config key that holds the extras of relationships
// derived from foreign keys.
const ConfigRelationshipExtras = "relationship_extras"

// maxExtraText bounds a relationship's label and description (characters).
const maxExtraText = 1000

// reAlias is what an alias may be: it is a key in records and a prefix of related= options
// (<alias>.fields), so a plain identifier.
var reAlias = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// fkExtras are the stored extras of the relationship Relationship of table Table.
type fkExtras struct {
	Table, Relationship string
	dbschema.Extras
}

// fkExtrasFromConfig reads the stored extras of foreign-key relationships of a service config
// (entries that are not objects with a table and a relationship, or whose extras are not
// valid together, are skipped).
func fkExtrasFromConfig(cfg map[string]any) []fkExtras {
	list, _ := cfg[ConfigRelationshipExtras].([]any)
	var out []fkExtras
	for _, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		table, _ := m["table"].(string)
		rel, _ := m["relationship"].(string)
		x := fkExtras{Table: table, Relationship: rel, Extras: extrasOf(m)}
		if table == "" || rel == "" || x.Extras == (dbschema.Extras{}) || !validExtras(x.Extras, "") {
			continue
		}
		out = append(out, x)
	}
	return out
}

// fkExtrasConfig is list as stored.
func fkExtrasConfig(list []fkExtras) []any {
	out := make([]any, len(list))
	for i, x := range list {
		m := extrasConfig(x.Extras)
		m["table"], m["relationship"] = x.Table, x.Relationship
		out[i] = m
	}
	return out
}

// findFKExtras is the index in list of the extras of table's relationship name
// (case-insensitive), or -1.
func findFKExtras(list []fkExtras, table, name string) int {
	for i, x := range list {
		if strings.EqualFold(x.Table, table) && strings.EqualFold(x.Relationship, name) {
			return i
		}
	}
	return -1
}

// extrasOf reads extras as extrasConfig stores them (missing or mistyped values are unset).
func extrasOf(m map[string]any) dbschema.Extras {
	str := func(k string) string { v, _ := m[k].(string); return v }
	flag := func(k string) bool { b, _ := m[k].(bool); return b }
	return dbschema.Extras{Alias: str("alias"), Label: str("label"), Description: str("description"),
		AlwaysFetch: flag("always_fetch"), Flatten: flag("flatten"), FlattenDropPrefix: flag("flatten_drop_prefix")}
}

// extrasConfig is x as stored: the three flags, and the texts that are set.
func extrasConfig(x dbschema.Extras) map[string]any {
	m := map[string]any{"always_fetch": x.AlwaysFetch, "flatten": x.Flatten, "flatten_drop_prefix": x.FlattenDropPrefix}
	for k, v := range map[string]string{"alias": x.Alias, "label": x.Label, "description": x.Description} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

// validExtras reports whether x may be stored for a relationship of type typ ("": any type
// that flattens when x flattens): see parseExtras.
func validExtras(x dbschema.Extras, typ string) bool { return extrasProblem(x, typ) == "" }

// extrasProblem says what is wrong with x for a relationship of type typ ("": any type that
// flattens when x flattens), "" when nothing is.
func extrasProblem(x dbschema.Extras, typ string) string {
	switch {
	case x.Flatten && typ != "" && !dbschema.SingleType(typ):
		return fmt.Sprintf("flatten is only for belongs_to and has_one relationships (one related record), not %s.", typ)
	case x.FlattenDropPrefix && !x.Flatten:
		return "flatten_drop_prefix only applies with flatten: true."
	case x.Alias != "" && !reAlias.MatchString(x.Alias):
		return fmt.Sprintf("alias '%s' is not a plain name: it must start with a letter or an underscore and hold only letters, digits and underscores.", x.Alias)
	case len(x.Label) > maxExtraText:
		return fmt.Sprintf("label is longer than %d characters.", maxExtraText)
	case len(x.Description) > maxExtraText:
		return fmt.Sprintf("description is longer than %d characters.", maxExtraText)
	}
	return ""
}

// parseExtras reads the extras a request body m gives for a relationship of type typ, on top
// of cur: a key that m lacks keeps cur's value, null clears it. always_fetch, flatten and
// flatten_drop_prefix are true or false; flatten only for belongs_to and has_one (one related
// record), flatten_drop_prefix only with flatten; alias is an identifier (letters, digits and
// underscores); label and description are text of at most maxExtraText characters. bad
// builds the 400 for a problem.
func parseExtras(m map[string]any, cur dbschema.Extras, typ string, bad func(format string, args ...any) error) (dbschema.Extras, error) {
	x := cur
	for _, f := range []struct {
		key string
		dst *bool
	}{{"always_fetch", &x.AlwaysFetch}, {"flatten", &x.Flatten}, {"flatten_drop_prefix", &x.FlattenDropPrefix}} {
		v, ok := m[f.key]
		if !ok {
			continue
		}
		if v == nil {
			*f.dst = false
			continue
		}
		b, ok := boolValue(v)
		if !ok {
			return cur, bad("%s must be true or false.", f.key)
		}
		*f.dst = b
	}
	for _, k := range []string{"alias", "label", "description"} {
		v, ok := m[k]
		if !ok {
			continue
		}
		str, ok := v.(string)
		if !ok && v != nil {
			return cur, bad("%s must be text.", k)
		}
		switch k {
		case "alias":
			x.Alias = str
		case "label":
			x.Label = str
		default:
			x.Description = str
		}
	}
	if p := extrasProblem(x, typ); p != "" {
		return cur, bad("%s", p)
	}
	return x, nil
}
