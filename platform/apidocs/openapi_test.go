package apidocs

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apiary/apiary/platform/dbschema"
)

// addressBook is a hand-built schema: two related tables, a view, and a table whose name
// needs escaping.
func addressBook() *dbschema.Schema {
	contact := &dbschema.Table{Name: "contact", PrimaryKey: []string{"id"}, Columns: []*dbschema.Column{
		{Name: "id", DBType: "integer", Type: "id", Kind: dbschema.KindInt, AutoIncrement: true, IsPrimaryKey: true},
		{Name: "first_name", DBType: "varchar(40)", Type: "string", Kind: dbschema.KindString, Length: 40, Required: true},
		{Name: "last_name", DBType: "varchar(40)", Type: "string", Kind: dbschema.KindString, Length: 40, Required: true},
		{Name: "notes", DBType: "text", Type: "text", Kind: dbschema.KindString, AllowNull: true},
		{Name: "active", DBType: "boolean", Type: "boolean", Kind: dbschema.KindBool, Default: true},
		{Name: "created", DBType: "datetime", Type: "datetime", Kind: dbschema.KindTime, Default: "CURRENT_TIMESTAMP"},
		{Name: "balance", DBType: "decimal(10,2)", Type: "decimal", Kind: dbschema.KindDecimal, AllowNull: true},
		{Name: "photo", DBType: "blob", Type: "binary", Kind: dbschema.KindBytes, AllowNull: true},
		{Name: "prefs", DBType: "json", Type: "json", Kind: dbschema.KindJSON, AllowNull: true},
	}, Related: []*dbschema.Relation{
		{Name: "contact_info_by_contact_id", Type: dbschema.HasMany, Field: "id", RefTable: "contact_info", RefField: "contact_id"},
	}}
	info := &dbschema.Table{Name: "contact_info", PrimaryKey: []string{"id"}, Columns: []*dbschema.Column{
		{Name: "id", DBType: "integer", Type: "id", Kind: dbschema.KindInt, AutoIncrement: true, IsPrimaryKey: true},
		{Name: "contact_id", DBType: "integer", Type: "reference", Kind: dbschema.KindInt, Required: true,
			IsForeignKey: true, RefTable: "contact", RefField: "id"},
		{Name: "email", DBType: "varchar(255)", Type: "string", Kind: dbschema.KindString, Length: 255, AllowNull: true},
	}, Related: []*dbschema.Relation{
		{Name: "contact_by_contact_id", Type: dbschema.BelongsTo, Field: "contact_id", RefTable: "contact", RefField: "id"},
	}}
	view := &dbschema.Table{Name: "contact_view", IsView: true, Columns: []*dbschema.Column{
		{Name: "first_name", DBType: "varchar(40)", Type: "string", Kind: dbschema.KindString, AllowNull: true},
	}}
	odd := &dbschema.Table{Name: "Odd Name", PrimaryKey: []string{"code"}, Columns: []*dbschema.Column{
		{Name: "code", DBType: "uuid", Type: "uuid", Kind: dbschema.KindString, IsPrimaryKey: true, Required: true},
	}}
	// A table named like another table's wrapper: the table keeps its name.
	clash := &dbschema.Table{Name: "ContactRequest", Columns: []*dbschema.Column{
		{Name: "x", DBType: "integer", Type: "integer", Kind: dbschema.KindInt, AllowNull: true},
	}}
	s := &dbschema.Schema{Tables: map[string]*dbschema.Table{}}
	for _, t := range []*dbschema.Table{contact, info, view, odd, clash} {
		s.Tables[strings.ToLower(t.Name)] = t
		s.Names = append(s.Names, t.Name)
	}
	sort.Slice(s.Names, func(i, j int) bool { return strings.ToLower(s.Names[i]) < strings.ToLower(s.Names[j]) })
	return s
}

// roundTrip encodes and decodes doc, as a client sees it.
func roundTrip(t *testing.T, doc any) map[string]any {
	t.Helper()
	buf, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(buf, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// get walks a decoded document by keys.
func get(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	cur := doc
	for i, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", strings.Join(keys[:i], "."))
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%s: missing", strings.Join(keys[:i+1], "."))
		}
	}
	return cur
}

// paramNames resolves an operation's parameters to their names.
func paramNames(t *testing.T, doc map[string]any, op any) []string {
	t.Helper()
	var out []string
	list, _ := get(t, op, "parameters").([]any)
	for _, p := range list {
		pm := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm = get(t, doc, "components", "parameters", strings.TrimPrefix(ref, "#/components/parameters/")).(map[string]any)
		}
		out = append(out, pm["name"].(string))
	}
	return out
}

func TestDocsDatabase(t *testing.T) {
	doc := roundTrip(t, Database(Info{Service: "db", Title: "Address Book"}, addressBook(), nil))
	if err := Validate(doc); err != nil {
		t.Fatalf("invalid document:\n%v", err)
	}
	if doc["openapi"] != "3.0.3" || get(t, doc, "info", "title") != "Address Book" || get(t, doc, "info", "version") != "2.0" {
		t.Errorf("header: %v %v", doc["openapi"], doc["info"])
	}
	if got := get(t, doc, "servers"); !reflect.DeepEqual(got, []any{map[string]any{"url": "/api/v2"}}) {
		t.Errorf("servers: %v", got)
	}

	paths := get(t, doc, "paths").(map[string]any)
	want := map[string][]string{
		"/db":                          {"get"},
		"/db/_table":                   {"get"},
		"/db/_schema":                  {"get", "patch", "post", "put"},
		"/db/_table/contact":           {"delete", "get", "patch", "post", "put"},
		"/db/_table/contact/{id}":      {"delete", "get", "patch", "put"},
		"/db/_table/contact_info":      {"delete", "get", "patch", "post", "put"},
		"/db/_table/contact_info/{id}": {"delete", "get", "patch", "put"},
		"/db/_table/contact_view":      {"get"},
		"/db/_table/Odd%20Name":        {"delete", "get", "patch", "post", "put"},
		"/db/_table/Odd%20Name/{id}":   {"delete", "get", "patch", "put"},
		"/db/_table/ContactRequest":    {"delete", "get", "patch", "post", "put"},
		"/db/_schema/contact":          {"delete", "get", "patch", "post", "put"},
		"/db/_schema/contact_view":     {"get"},
		"/db/_schema/contact_info":     {"delete", "get", "patch", "post", "put"},
		"/db/_schema/Odd%20Name":       {"delete", "get", "patch", "post", "put"},
		"/db/_schema/ContactRequest":   {"delete", "get", "patch", "post", "put"},
	}
	for p, verbs := range want {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Errorf("path %s missing", p)
			continue
		}
		var got []string
		for k := range item {
			if k != "parameters" {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, verbs) {
			t.Errorf("%s: verbs %v, want %v", p, got, verbs)
		}
	}
	if len(paths) != len(want) {
		t.Errorf("%d paths, want %d", len(paths), len(want))
	}

	// The list parameters of a table read.
	names := paramNames(t, doc, get(t, doc, "paths", "/db/_table/contact", "get"))
	for _, n := range []string{"fields", "filter", "limit", "offset", "order", "ids", "include_count", "count_only", "related", "as_list"} {
		if !contains(names, n) {
			t.Errorf("GET _table/contact lacks parameter %s: %v", n, names)
		}
	}
	if p := get(t, doc, "components", "parameters", "limit"); get(t, p, "in") != "query" || get(t, p, "schema", "type") != "integer" {
		t.Errorf("limit parameter: %v", p)
	}
	// The id path parameter takes the primary key's type.
	idParam := get(t, doc, "paths", "/db/_table/contact/{id}", "parameters").([]any)[0]
	if get(t, idParam, "in") != "path" || get(t, idParam, "required") != true || get(t, idParam, "schema", "type") != "integer" {
		t.Errorf("id parameter: %v", idParam)
	}
	if got := get(t, doc, "paths", "/db/_table/Odd%20Name/{id}", "parameters").([]any)[0]; get(t, got, "schema", "format") != "uuid" {
		t.Errorf("uuid id parameter: %v", got)
	}

	// Bodies and responses.
	post := get(t, doc, "paths", "/db/_table/contact", "post")
	if ref := get(t, post, "requestBody", "content", "application/json", "schema", "$ref"); ref != "#/components/schemas/ContactRequest_2" {
		t.Errorf("POST body: %v (the table ContactRequest keeps its name)", ref)
	}
	if ref := get(t, post, "responses", "200", "content", "application/json", "schema", "$ref"); ref != "#/components/schemas/ContactResponse" {
		t.Errorf("POST response: %v", ref)
	}
	if ref := get(t, post, "responses", "4XX", "$ref"); ref != "#/components/responses/Error" {
		t.Errorf("POST error response: %v", ref)
	}
	if ref := get(t, doc, "paths", "/db/_table/contact", "delete", "requestBody", "content", "application/json", "schema", "$ref"); ref != "#/components/schemas/ContactRequest_2" {
		t.Errorf("DELETE body: %v", ref)
	}
	if ref := get(t, doc, "components", "schemas", "ContactRequest_2", "properties", "resource", "items", "$ref"); ref != "#/components/schemas/contact" {
		t.Errorf("request wrapper items: %v", ref)
	}
	if got := get(t, doc, "components", "schemas", "ContactResponse", "properties", "meta", "properties", "count", "type"); got != "integer" {
		t.Errorf("response meta.count: %v", got)
	}
	errProps := get(t, doc, "components", "schemas", "Error", "properties", "error", "properties").(map[string]any)
	for _, k := range []string{"code", "context", "message", "status_code"} {
		if _, ok := errProps[k]; !ok {
			t.Errorf("error envelope lacks %s", k)
		}
	}
	schemes := get(t, doc, "components", "securitySchemes").(map[string]any)
	if get(t, schemes, "api_key", "name") != "X-DreamFactory-API-Key" || get(t, schemes, "session_token", "name") != "X-DreamFactory-Session-Token" {
		t.Errorf("security schemes: %v", schemes)
	}

	// The table's component.
	contact := get(t, doc, "components", "schemas", "contact")
	if got := get(t, contact, "required"); !reflect.DeepEqual(got, []any{"first_name", "last_name"}) {
		t.Errorf("required: %v", got)
	}
	props := get(t, contact, "properties").(map[string]any)
	checks := []struct {
		field string
		want  map[string]any
	}{
		{"id", map[string]any{"type": "integer", "format": "int64", "readOnly": true}},
		{"first_name", map[string]any{"type": "string", "maxLength": float64(40)}},
		{"notes", map[string]any{"type": "string", "nullable": true}},
		{"active", map[string]any{"type": "boolean", "default": true}},
		{"created", map[string]any{"type": "string", "format": "datetime"}},
		{"balance", map[string]any{"type": "number", "nullable": true}},
		{"photo", map[string]any{"type": "string", "format": "byte"}},
	}
	for _, c := range checks {
		p := props[c.field].(map[string]any)
		for k, v := range c.want {
			if !reflect.DeepEqual(p[k], v) {
				t.Errorf("%s.%s = %v, want %v", c.field, k, p[k], v)
			}
		}
	}
	if _, ok := props["created"].(map[string]any)["default"]; ok {
		t.Error("an SQL expression default is documented as a value")
	}
	if _, ok := props["prefs"].(map[string]any)["type"]; ok {
		t.Error("a JSON column has a type")
	}
	if got := get(t, props, "contact_info_by_contact_id", "items", "$ref"); got != "#/components/schemas/contact_info" {
		t.Errorf("has_many relation: %v", got)
	}
	if got := get(t, doc, "components", "schemas", "contact_info", "properties", "contact_by_contact_id", "allOf").([]any)[0]; get(t, got, "$ref") != "#/components/schemas/contact" {
		t.Errorf("belongs_to relation: %v", got)
	}
	if _, ok := get(t, doc, "components", "schemas").(map[string]any)["Odd_Name"]; !ok {
		t.Error("the component of a table with a space is not Odd_Name")
	}
}

func TestDocsDatabaseIncludeFilter(t *testing.T) {
	doc := roundTrip(t, Database(Info{Service: "db"}, addressBook(), func(table string) bool { return table == "contact_info" }))
	if err := Validate(doc); err != nil {
		t.Fatalf("invalid document:\n%v", err)
	}
	paths := get(t, doc, "paths").(map[string]any)
	if _, ok := paths["/db/_table/contact"]; ok {
		t.Error("an excluded table is documented")
	}
	if _, ok := paths["/db/_table/contact_info/{id}"]; !ok {
		t.Error("an included table is missing")
	}
	// The relation to an undocumented table is left out.
	if _, ok := get(t, doc, "components", "schemas", "contact_info", "properties").(map[string]any)["contact_by_contact_id"]; ok {
		t.Error("relation to an excluded table documented")
	}
	if get(t, doc, "info", "title") != "db" {
		t.Errorf("title without a label: %v", get(t, doc, "info", "title"))
	}
}

func TestDocsCatalog(t *testing.T) {
	cat := map[string][]string{
		"system":                         {"get"},
		"system.role":                    {"get", "post", "put", "patch", "delete"},
		"system.admin.session":           {"get", "post", "put", "delete"},
		"system.thing.{table_name}.{id}": {"get", "patch"},
		"system.cache":                   {"get", "delete", "bogus"},
	}
	doc := roundTrip(t, Catalog(Info{Service: "system", Title: "System Management"}, cat))
	if err := Validate(doc); err != nil {
		t.Fatalf("invalid document:\n%v", err)
	}
	paths := get(t, doc, "paths").(map[string]any)
	for _, p := range []string{"/system", "/system/role", "/system/admin/session", "/system/thing/{table_name}/{id}", "/system/cache"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("path %s missing", p)
		}
	}
	if _, ok := get(t, paths, "/system/role", "post", "requestBody").(map[string]any); !ok {
		t.Error("POST system/role has no body")
	}
	if _, ok := paths["/system/cache"].(map[string]any)["bogus"]; ok {
		t.Error("an unknown verb became an operation")
	}
	params := get(t, paths, "/system/thing/{table_name}/{id}", "parameters").([]any)
	if len(params) != 2 || get(t, params[0], "name") != "table_name" || get(t, params[1], "in") != "path" {
		t.Errorf("templated parameters: %v", params)
	}
	// Without a catalog: the root only.
	doc = roundTrip(t, Catalog(Info{Service: "x"}, nil))
	if err := Validate(doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, doc, "paths").(map[string]any)["/x"]; !ok {
		t.Error("root path missing")
	}
}

func TestDocsValidateCatchesErrors(t *testing.T) {
	doc := roundTrip(t, Database(Info{Service: "db"}, addressBook(), nil))
	paths := doc["paths"].(map[string]any)
	// An undeclared template parameter, a dangling $ref, a duplicate operation id.
	paths["/db/_table/contact/{id}/{extra}"] = paths["/db/_table/contact/{id}"]
	get(t, paths, "/db/_table/contact", "get").(map[string]any)["parameters"] = []any{map[string]any{"$ref": "#/components/parameters/nope"}}
	err := Validate(doc)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"{extra} is not declared", `"#/components/parameters/nope" does not resolve`, "is also used by"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
