package sqldb

// Writes on _schema/{table}/_related: virtual relationships (virtual.go) and the extras of
// relationships derived from foreign keys (relationship_extras.go).
//
//   - A relationship in a body with is_virtual true is virtual. POST _schema/{t}/_related with
//     {"resource":[relationship…]} declares them; one whose name the table already has is a
//     400. PUT and PATCH declare or replace them (the same name). POST, PUT and PATCH on
//     _schema/{t}/_related/{name} take one relationship, which must have that name. The
//     answer is {"resource":[{"name"}]} (bare for one by path; the described relationships
//     with fields=).
//   - A virtual relationship is DreamFactory's relation JSON: type belongs_to, has_one,
//     has_many or many_many; field, ref_table, ref_field; for many_many junction_table,
//     junction_field, junction_ref_field. Fields may be a name or a list of one name. Its name
//     is DreamFactory's automatic one (reference §2.5); a given name must be that one.
//     ref_on_* are ignored. ref_service_id may name another database service of the platform
//     (virtual.go), whose tables and fields are then checked; a many_many's junction table
//     must be in the service of its ref_table (junction_service_id the same id, or both this
//     service). Its extras (parseExtras) are part of it: absent ones are unset.
//   - A relationship without is_virtual true names (name, or the path) a relationship
//     derived from a foreign key, whose extras PUT replaces (absent ones are unset) and PATCH
//     merges (absent ones are kept), as DreamFactory's db_relationship_extras. Its definition
//     (type, field, ref_table, ref_field, junction_*, ref_service_id, junction_service_id,
//     ref_on_*) may be sent back as described but not changed: that is a 400 pointing to the
//     foreign key's field on _field. POST of one is a 400 (it exists: PUT or PATCH).
//   - DELETE _schema/{t}/_related/{name} (or the collection with ids= or a body of names)
//     removes virtual relationships and clears the extras of foreign-key ones, which stay (as
//     DreamFactory: its DbSchemaResource::deleteRelationship drops nothing from the database
//     for them and deletes their db_relationship_extras row). The answer is {"success":true}.
//   - Every table and field must exist (tables and views of this service), and the fields
//     matched against each other must hold the same kind of value (whole numbers with whole
//     numbers, text with text, …; JSON and other types can not be keys). A relationship's key
//     (its alias, else its name) must name it alone: not a field of its table, not the name or
//     alias of another of its relationships. Otherwise the answer is a 400 and nothing is
//     stored. The whole request is checked before anything is stored.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// relatedRequest serves POST, PUT, PATCH and DELETE on _schema/{table}/_related[/{name}].
func (s *Service) relatedRequest(ctx context.Context, req *platform.Request, table, name string) (*platform.Response, error) {
	c, _, err := s.schema(ctx, req.BoolParam("refresh"))
	if err != nil {
		return nil, err
	}
	t, _, err := c.table(table)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodDelete {
		return s.deleteRelated(ctx, req, c, t, name)
	}
	var items []any
	if name != "" {
		var m map[string]any
		if list := unwrap(req.Payload); len(list) == 1 {
			m, _ = list[0].(map[string]any)
		}
		if len(m) == 0 {
			return nil, platform.BadRequest("No data in schema %s request.", map[bool]string{true: "create", false: "update"}[req.Method == http.MethodPost])
		}
		items = []any{m}
	} else if items = unwrap(req.Payload); len(items) == 0 {
		return nil, platform.BadRequest("No data in schema %s request.", map[bool]string{true: "create", false: "update"}[req.Method == http.MethodPost])
	}
	var virtuals []virtualRel
	var fks []fkChange
	var names []string
	seen := map[string]bool{}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, platform.BadRequest("Bad data format in request: each relationship must be an object.")
		}
		var n string
		if virtual, _ := boolValue(m["is_virtual"]); virtual {
			v, err := s.parseVirtual(ctx, c.base, t, m)
			if err != nil {
				return nil, err
			}
			virtuals, n = append(virtuals, v), v.name()
		} else {
			fk, err := s.parseFKChange(c, t, m, name, req.Method)
			if err != nil {
				return nil, err
			}
			fks, n = append(fks, fk), fk.rel.Name
		}
		if name != "" && !strings.EqualFold(n, name) {
			return nil, platform.BadRequest("The relationship in the body is named '%s', not '%s' as in the path.", n, name)
		}
		if seen[strings.ToLower(n)] {
			return nil, platform.BadRequest("Relationship '%s' is listed twice.", n)
		}
		seen[strings.ToLower(n)] = true
		names = append(names, n)
	}
	err = s.changeRelated(ctx, c, t, names, func(rc relConfig) (relConfig, error) {
		for _, v := range virtuals {
			i := findVirtual(rc.virtual, v.Table, v.name())
			switch {
			case i >= 0 && req.Method == http.MethodPost:
				return rc, platform.BadRequest("Relationship '%s' already exists in table '%s'. Use PUT or PATCH to replace it.", v.name(), t.Name)
			case i >= 0:
				rc.virtual[i] = v
			default:
				rc.virtual = append(rc.virtual, v)
			}
		}
		for _, fk := range fks {
			var err error
			if rc.extras, err = fk.apply(rc.extras, t.Name, req.Method == http.MethodPatch); err != nil {
				return rc, err
			}
		}
		return rc, nil
	})
	if err != nil {
		return nil, err
	}
	return s.relatedResult(req, t.Name, names, name != "")
}

// deleteRelated removes virtual relationships of t, and clears the extras of foreign-key
// ones, by name: name from the path, else ids= or a body of names (or of objects with a name).
func (s *Service) deleteRelated(ctx context.Context, req *platform.Request, c *catalog, t *dbschema.Table, name string) (*platform.Response, error) {
	names := []string{name}
	if name == "" {
		names = idsParam(req)
		if len(names) == 0 {
			for _, r := range unwrap(req.Payload) {
				switch x := r.(type) {
				case map[string]any:
					n, _ := x["name"].(string)
					names = append(names, n)
				case string:
					names = append(names, x)
				}
			}
		}
		if len(names) == 0 {
			return nil, platform.BadRequest("No data in schema delete request.")
		}
	}
	bt, _ := c.base.Table(t.Name)
	err := s.changeRelated(ctx, c, t, names, func(rc relConfig) (relConfig, error) {
		for _, n := range names {
			if i := findVirtual(rc.virtual, t.Name, n); i >= 0 {
				rc.virtual = slices.Delete(rc.virtual, i, i+1)
				continue
			}
			if _, ok := bt.Relation(n); !ok {
				return rc, platform.NotFound("No requested relationships found in table '%s'.", t.Name)
			}
			if i := findFKExtras(rc.extras, t.Name, n); i >= 0 {
				rc.extras = slices.Delete(rc.extras, i, i+1)
			}
		}
		return rc, nil
	})
	if err != nil {
		return nil, err
	}
	return platform.OK(platform.Success()), nil
}

// changeRelated stores the relationship settings change returns for the current ones (see
// updateRelConfig), unless the new settings leave out something the current ones did not
// (buildSchema on c's inspected schema): then the answer is a 400 saying why, naming the
// relationship (one of names, those of the request, or another of t's) and nothing is stored.
func (s *Service) changeRelated(ctx context.Context, c *catalog, t *dbschema.Table, names []string, change func(relConfig) (relConfig, error)) error {
	return s.updateRelConfig(ctx, func(rc relConfig) (relConfig, error) {
		_, before := buildSchema(c.base, rc)
		next, err := change(rc)
		if err != nil {
			return rc, err
		}
		_, after := buildSchema(c.base, next)
		for _, l := range after {
			if slices.Contains(before, l) {
				continue
			}
			for _, n := range names {
				if strings.EqualFold(n, l.relationship) {
					return rc, platform.BadRequest("Invalid relationship '%s' of table '%s': %s.", l.relationship, t.Name, l.why)
				}
			}
			return rc, platform.BadRequest("The change conflicts with relationship '%s' of table '%s': %s.", l.relationship, orDefault(l.table, t.Name), l.why)
		}
		return next, nil
	})
}

// foreignKeyOf is where the foreign key of an FK-derived relation of table is: its table and
// field.
func foreignKeyOf(table string, r *dbschema.Relation) (string, string) {
	switch r.Type {
	case dbschema.BelongsTo:
		return table, r.Field
	case dbschema.HasMany:
		return r.RefTable, r.RefField
	}
	return r.JunctionTable, r.JunctionField
}

// findVirtual is the index in list of table's virtual relationship name (case-insensitive), or -1.
func findVirtual(list []virtualRel, table, name string) int {
	for i, v := range list {
		if strings.EqualFold(v.Table, table) && strings.EqualFold(v.name(), name) {
			return i
		}
	}
	return -1
}

// relatedResult answers like fieldsResult: {"name"} per relationship, the names with as_list,
// the described relationships with fields=.
func (s *Service) relatedResult(req *platform.Request, table string, names []string, single bool) (*platform.Response, error) {
	fields, _ := req.Param("fields")
	out := make([]any, len(names))
	var described []any
	if c := s.catalog.Load(); c != nil && fields != "" {
		if t, ok := c.schema.Table(table); ok {
			described, _ = describe(t, c.schema)["related"].([]any)
		}
	}
	for i, n := range names {
		out[i] = map[string]any{"name": n}
		for _, d := range described {
			if m := d.(map[string]any); strings.EqualFold(m["name"].(string), n) {
				out[i] = pickFields(m, fields)
			}
		}
	}
	if single && len(out) == 1 {
		return platform.OK(out[0]), nil
	}
	if req.BoolParam("as_list") {
		return platform.OK(platform.Wrap(names)), nil
	}
	return platform.OK(platform.Wrap(out)), nil
}

// parseVirtual reads one relationship of table t from a request body and checks it against
// sch (the inspected schema, without virtual relationships) and, for one to another service
// (ref_service_id), that service's schema: it must be a database service of the platform, and
// the junction table of a many_many must be there too (junction_service_id, the same id).
func (s *Service) parseVirtual(ctx context.Context, sch *dbschema.Schema, t *dbschema.Table, m map[string]any) (virtualRel, error) {
	label, _ := m["name"].(string)
	if label == "" {
		label = "(unnamed)"
	}
	bad := func(format string, args ...any) error {
		return platform.BadRequest("Invalid relationship '%s' of table '%s': %s", label, t.Name, fmt.Sprintf(format, args...))
	}
	str := func(k string) (string, error) {
		v, ok := m[k]
		if !ok || v == nil {
			return "", nil
		}
		if list, ok := v.([]any); ok {
			if len(list) > 1 {
				return "", bad("%s lists %d fields: relationships over several fields are not supported.", k, len(list))
			}
			if len(list) == 0 {
				return "", nil
			}
			v = list[0]
		}
		str, ok := v.(string)
		if !ok {
			return "", bad("%s must be a name.", k)
		}
		return strings.TrimSpace(str), nil
	}
	typ, _ := m["type"].(string)
	v := virtualRel{Table: t.Name, Type: strings.ToLower(strings.TrimSpace(typ))}
	if !virtualType(v.Type) {
		return virtualRel{}, bad("type '%v' is not supported: send belongs_to, has_one, has_many or many_many.", m["type"])
	}
	var err error
	if v.Extras, err = parseExtras(m, dbschema.Extras{}, v.Type, bad); err != nil {
		return virtualRel{}, err
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{"ref_service_id", &v.RefServiceID}, {"junction_service_id", &v.JunctionServiceID}} {
		if x, ok := m[f.key]; ok && x != nil && x != "" {
			id, ok := platform.IntValue(x)
			if !ok {
				return virtualRel{}, bad("%s must be the id of a service.", f.key)
			}
			if int(id) != s.id { // this service's own id is the default
				*f.dst = int(id)
			}
		}
	}
	switch {
	case v.JunctionServiceID != 0 && v.Type != dbschema.ManyMany:
		return virtualRel{}, bad("junction_service_id is only for many_many relationships.")
	case v.Type == dbschema.ManyMany && v.JunctionServiceID != v.RefServiceID:
		want := "null, for this service"
		if v.RefServiceID != 0 {
			want = fmt.Sprint(v.RefServiceID)
		}
		return virtualRel{}, bad("its junction table must be in the service of its ref_table (send junction_service_id %s): "+
			"a junction table in another service than ref_table's is not supported.", want)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"field", &v.Field}, {"ref_table", &v.RefTable}, {"ref_field", &v.RefField},
		{"junction_table", &v.JunctionTable}, {"junction_field", &v.JunctionField}, {"junction_ref_field", &v.JunctionRef}} {
		if *f.dst, err = str(f.key); err != nil {
			return virtualRel{}, err
		}
		junction := strings.HasPrefix(f.key, "junction_")
		switch {
		case *f.dst == "" && (!junction || v.Type == dbschema.ManyMany):
			return virtualRel{}, bad("%s is required.", f.key)
		case *f.dst != "" && junction && v.Type != dbschema.ManyMany:
			return virtualRel{}, bad("%s is only for many_many relationships.", f.key)
		}
	}
	refSch := sch // the schema of ref_table's (and junction_table's) service
	if v.RefServiceID != 0 {
		other, why := s.serviceByID(ctx, v.RefServiceID)
		if other == nil {
			return virtualRel{}, bad("ref_service_id %s.", why)
		}
		v.RefService = other.name
		if refSch, err = other.Schema(ctx, false); err != nil {
			return virtualRel{}, err
		}
	}
	r, why := v.resolve(sch, refSch)
	if r == nil {
		return virtualRel{}, bad("%s.", why)
	}
	// Keep the databases' spelling of every name.
	v.Field, v.RefTable, v.RefField = r.Field, r.RefTable, r.RefField
	v.JunctionTable, v.JunctionField, v.JunctionRef = r.JunctionTable, r.JunctionField, r.JunctionRefField
	if given, _ := m["name"].(string); given != "" && !strings.EqualFold(given, v.name()) {
		return virtualRel{}, bad("a relationship's name is built from its fields (%s): this one is named '%s'.", namingRule(v), v.name())
	}
	label = v.name()
	// Matched fields must hold the same kind of value.
	type side struct {
		sch          *dbschema.Schema
		table, field string
	}
	pairs := [][2]side{{{sch, t.Name, v.Field}, {refSch, v.RefTable, v.RefField}}}
	if v.Type == dbschema.ManyMany {
		pairs = [][2]side{{{sch, t.Name, v.Field}, {refSch, v.JunctionTable, v.JunctionField}},
			{{refSch, v.JunctionTable, v.JunctionRef}, {refSch, v.RefTable, v.RefField}}}
	}
	for _, p := range pairs {
		a, b := columnOf(p[0].sch, p[0].table, p[0].field), columnOf(p[1].sch, p[1].table, p[1].field)
		for _, c := range []struct {
			col   *dbschema.Column
			table string
		}{{a, p[0].table}, {b, p[1].table}} {
			if keyFamily(c.col.Kind) == "" {
				return virtualRel{}, bad("field '%s.%s' (type %s) can not relate rows.", c.table, c.col.Name, c.col.Type)
			}
		}
		if keyFamily(a.Kind) != keyFamily(b.Kind) {
			return virtualRel{}, bad("fields '%s.%s' (type %s) and '%s.%s' (type %s) hold different kinds of values.",
				p[0].table, a.Name, a.Type, p[1].table, b.Name, b.Type)
		}
	}
	if _, ok := t.Column(v.name()); ok {
		return virtualRel{}, bad("its name '%s' is a field of the table.", v.name())
	}
	if fk, ok := t.Relation(v.name()); ok && !fk.Virtual {
		return virtualRel{}, bad("the table already has relationship '%s', derived from a foreign key.", fk.Name)
	}
	return v, nil
}

// namingRule says how DreamFactory names a relationship like v.
func namingRule(v virtualRel) string {
	ref, junction := "{ref_table}", "{junction_table}"
	if v.RefServiceID != 0 {
		ref, junction = "{ref_service}."+ref, "{ref_service}."+junction
	}
	switch v.Type {
	case dbschema.BelongsTo:
		return ref + "_by_{field}"
	case dbschema.HasMany, dbschema.HasOne:
		return ref + "_by_{ref_field}"
	}
	return ref + "_by_" + junction
}

// columnOf returns a column of sch that resolve found.
func columnOf(sch *dbschema.Schema, table, name string) *dbschema.Column {
	t, _ := sch.Table(table)
	c, _ := t.Column(name)
	return c
}

// keyFamily groups value kinds that can be matched as relationship keys ("" for kinds that can
// not be keys: JSON and other types). Keys read from one side are bound against the other,
// so whole numbers match only whole numbers, and float and decimal each other.
func keyFamily(k dbschema.Kind) string {
	if k.Fractional() {
		return "fraction"
	}
	switch k {
	case dbschema.KindInt, dbschema.KindString, dbschema.KindBool, dbschema.KindTime, dbschema.KindDate, dbschema.KindBytes:
		return string(k)
	}
	return ""
}
