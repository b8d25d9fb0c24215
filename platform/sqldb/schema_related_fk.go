package sqldb

// The extras of a relationship derived from a foreign key in a PUT or PATCH of
// _schema/{table}/_related (see schema_related.go).

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// fkHowTo says how relationships derived from foreign keys change.
const fkHowTo = "Relationships derived from foreign keys are changed through a field of type 'reference' (ref_table, ref_field) " +
	"on _schema/{table}/_field; here only their extras (alias, label, description, always_fetch, flatten, flatten_drop_prefix) are set, " +
	"by their name, with PUT or PATCH."

// fkChange is one foreign-key relationship of a request and the body that sets its extras.
type fkChange struct {
	rel  *dbschema.Relation // as inspected (without extras)
	body map[string]any
	bad  func(format string, args ...any) error
}

// parseFKChange reads a relationship of table t that a request body m names without
// is_virtual true: it must be one derived from a foreign key (by m's name, else the path's
// name pathName), and m may repeat its definition as described but not change it. The extras
// themselves are read by apply, on top of the stored ones.
func (s *Service) parseFKChange(c *catalog, t *dbschema.Table, m map[string]any, pathName, method string) (fkChange, error) {
	name, _ := m["name"].(string)
	if name == "" {
		name = pathName
	}
	label := name
	if label == "" {
		label = "(unnamed)"
	}
	bad := func(format string, args ...any) error {
		return platform.BadRequest("Invalid relationship '%s' of table '%s': %s", label, t.Name, fmt.Sprintf(format, args...))
	}
	if v, ok := m["is_virtual"]; ok && v != nil {
		if _, ok := boolValue(v); !ok {
			return fkChange{}, bad("is_virtual must be true or false.")
		}
	}
	if name == "" {
		return fkChange{}, bad("it is not virtual (is_virtual is not true) and has no name. Send is_virtual: true to declare a virtual " +
			"relationship. " + fkHowTo)
	}
	bt, _ := c.base.Table(t.Name)
	rel, ok := bt.Relation(name)
	if !ok {
		if r, ok := t.Relation(name); ok && r.Virtual {
			return fkChange{}, bad("it is virtual: send it with is_virtual: true and its definition (type, field, ref_table, ref_field) to change it.")
		}
		return fkChange{}, bad("it is not virtual (is_virtual is not true), and the table has no relationship of that name derived " +
			"from a foreign key. Send is_virtual: true to declare a virtual relationship. " + fkHowTo)
	}
	label = rel.Name
	if method == http.MethodPost {
		return fkChange{}, platform.BadRequest("Relationship '%s' already exists in table '%s' (derived from a foreign key). "+
			"Use PUT or PATCH to set its extras (alias, label, description, always_fetch, flatten, flatten_drop_prefix).", rel.Name, t.Name)
	}
	fkTable, fkField := foreignKeyOf(t.Name, rel)
	fixed := func(key string) error {
		return bad("it is derived from a foreign key, so its %s can not change here: change or drop the foreign key through "+
			"_schema/%s/_field (field '%s', type 'reference'). Only its extras (alias, label, description, always_fetch, flatten, "+
			"flatten_drop_prefix) are set here.", key, fkTable, fkField)
	}
	if v, ok := m["type"]; ok && !sameName(v, rel.Type) {
		return fkChange{}, fixed("type")
	}
	for _, f := range []struct{ key, have string }{{"field", rel.Field}, {"ref_table", rel.RefTable}, {"ref_field", rel.RefField},
		{"junction_table", rel.JunctionTable}, {"junction_field", rel.JunctionField}, {"junction_ref_field", rel.JunctionRefField}} {
		if v, ok := m[f.key]; ok && !sameName(v, f.have) {
			return fkChange{}, fixed(f.key)
		}
	}
	for _, k := range []string{"ref_service_id", "junction_service_id"} {
		if v, ok := m[k]; ok && v != nil && v != "" {
			if id, ok := platform.IntValue(v); !ok || int(id) != s.id {
				return fkChange{}, fixed(k)
			}
		}
	}
	for _, k := range []string{"ref_on_update", "ref_on_delete"} {
		if v, ok := m[k]; ok && v != nil && v != "" {
			return fkChange{}, fixed(k)
		}
	}
	// Check the extras now (on top of the current ones for PATCH), so that a bad value is a 400
	// before anything is stored; apply checks them again on top of the stored ones.
	var cur dbschema.Extras
	if list := s.relConfig().extras; method == http.MethodPatch {
		if i := findFKExtras(list, t.Name, rel.Name); i >= 0 {
			cur = list[i].Extras
		}
	}
	if _, err := parseExtras(m, cur, rel.Type, bad); err != nil {
		return fkChange{}, err
	}
	return fkChange{rel: rel, body: m, bad: bad}, nil
}

// sameName reports whether a definition value of a request (a name or a list of one name) is
// have, case-insensitively; null, "" and [] are not given and match anything.
func sameName(v any, have string) bool {
	if list, ok := v.([]any); ok {
		if len(list) > 1 {
			return false
		}
		if len(list) == 0 {
			return true
		}
		v = list[0]
	}
	switch x := v.(type) {
	case nil:
		return true
	case string:
		x = strings.TrimSpace(x)
		return x == "" || strings.EqualFold(x, have)
	}
	return false
}

// apply sets the extras of fk's relationship of table in list (the stored ones): those of its
// body on top of the stored ones with merge (PATCH), or alone (PUT). A relationship left with
// no extras has no entry.
func (fk fkChange) apply(list []fkExtras, table string, merge bool) ([]fkExtras, error) {
	i := findFKExtras(list, table, fk.rel.Name)
	var cur dbschema.Extras
	if merge && i >= 0 {
		cur = list[i].Extras
	}
	x, err := parseExtras(fk.body, cur, fk.rel.Type, fk.bad)
	if err != nil {
		return list, err
	}
	switch {
	case x == (dbschema.Extras{}) && i >= 0:
		return slices.Delete(list, i, i+1), nil
	case x == (dbschema.Extras{}):
		return list, nil
	case i >= 0:
		list[i].Extras = x
		return list, nil
	}
	return append(list, fkExtras{Table: table, Relationship: fk.rel.Name, Extras: x}), nil
}
