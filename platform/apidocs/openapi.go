package apidocs

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/apiary/apiary/platform/dbschema"
)

// Version is the OpenAPI version of the documents.
const Version = "3.0.3"

// verbs are the operations a path can have, in document order.
var verbs = []string{"get", "post", "put", "patch", "delete"}

// Info names the documented service.
type Info struct {
	Service     string // the service name: the first path segment
	Title       string // the service label; the name when empty
	Description string
}

// builder accumulates one document. Component names are allocated once each, in the order
// asked, so that a table's own schema keeps the table's name and later names yield.
type builder struct {
	info       Info
	paths      map[string]map[string]any
	schemas    map[string]any
	parameters map[string]any
	names      map[string]bool // allocated component schema names
	opIDs      map[string]bool
	tags       map[string]string // name → description
	fixed
}

func newBuilder(info Info) *builder {
	if info.Title == "" {
		info.Title = info.Service
	}
	return &builder{info: info, paths: map[string]map[string]any{}, schemas: map[string]any{},
		parameters: map[string]any{}, names: map[string]bool{}, opIDs: map[string]bool{}, tags: map[string]string{}}
}

// Names of the fixed components.
const (
	respError = "Error"
)

var invalidName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// name allocates a component schema name from want: characters OpenAPI does not allow in
// component names become "_", and a taken name gets a numeric suffix.
func (b *builder) name(want string) string {
	n := invalidName.ReplaceAllString(want, "_")
	if n == "" {
		n = "_"
	}
	out := n
	for i := 2; b.names[out]; i++ {
		out = fmt.Sprintf("%s_%d", n, i)
	}
	b.names[out] = true
	return out
}

func schemaRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}
func paramRef(name string) map[string]any {
	return map[string]any{"$ref": "#/components/parameters/" + name}
}

// jsonContent is a content map with one application/json media type.
func jsonContent(schema map[string]any) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": schema}}
}

// operation is one operation of a path.
type operation struct {
	summary, description string
	tag                  string
	params               []any          // parameter objects or refs
	body                 map[string]any // request body schema, or nil
	bodyRequired         bool
	response             map[string]any // 200 response schema
	responseDescription  string
}

// add puts op on path under verb; pathParams are the path-level parameters.
func (b *builder) add(path, verb string, op operation, pathParams []any) {
	item := b.paths[path]
	if item == nil {
		item = map[string]any{}
		if len(pathParams) > 0 {
			item["parameters"] = pathParams
		}
		b.paths[path] = item
	}
	desc := op.responseDescription
	if desc == "" {
		desc = "Success."
	}
	o := map[string]any{
		"summary":     op.summary,
		"operationId": b.operationID(verb, path),
		"responses": map[string]any{
			"200": map[string]any{"description": desc, "content": jsonContent(op.response)},
			"4XX": map[string]any{"$ref": "#/components/responses/" + respError},
			"5XX": map[string]any{"$ref": "#/components/responses/" + respError},
		},
	}
	if op.description != "" {
		o["description"] = op.description
	}
	if op.tag != "" {
		o["tags"] = []any{op.tag}
		if _, ok := b.tags[op.tag]; !ok {
			b.tags[op.tag] = ""
		}
	}
	if len(op.params) > 0 {
		o["parameters"] = op.params
	}
	if op.body != nil {
		o["requestBody"] = map[string]any{"required": op.bodyRequired, "content": jsonContent(op.body)}
	}
	item[verb] = o
}

var wordSep = regexp.MustCompile(`[^A-Za-z0-9]+`)

// camel turns "contact_info" into "ContactInfo".
func camel(s string) string {
	var sb strings.Builder
	for _, w := range wordSep.Split(s, -1) {
		if w != "" {
			sb.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return sb.String()
}

// operationID derives a unique id from the verb and path: get /db/_table/contact/{id} →
// getDbTableContactById.
func (b *builder) operationID(verb, path string) string {
	var sb strings.Builder
	sb.WriteString(verb)
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			sb.WriteString("By" + camel(strings.Trim(seg, "{}")))
			continue
		}
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		sb.WriteString(camel(seg))
	}
	id := sb.String()
	out := id
	for i := 2; b.opIDs[out]; i++ {
		out = fmt.Sprintf("%s%d", id, i)
	}
	b.opIDs[out] = true
	return out
}

// document assembles the OpenAPI object.
func (b *builder) document() map[string]any {
	paths := make(map[string]any, len(b.paths))
	for p, item := range b.paths {
		paths[p] = item
	}
	tagNames := make([]string, 0, len(b.tags))
	for t := range b.tags {
		tagNames = append(tagNames, t)
	}
	sort.Strings(tagNames)
	tags := make([]any, len(tagNames))
	for i, t := range tagNames {
		tag := map[string]any{"name": t}
		if d := b.tags[t]; d != "" {
			tag["description"] = d
		}
		tags[i] = tag
	}
	info := map[string]any{"title": b.info.Title, "version": "2.0"}
	if b.info.Description != "" {
		info["description"] = b.info.Description
	}
	components := map[string]any{
		"schemas": b.schemas,
		"responses": map[string]any{respError: map[string]any{
			"description": "Error: DreamFactory's error envelope.",
			"content":     jsonContent(schemaRef(b.errorSchema)),
		}},
		"securitySchemes": map[string]any{
			"api_key": map[string]any{"type": "apiKey", "in": "header", "name": "X-DreamFactory-API-Key",
				"description": "An app's API key: the app's default role applies."},
			"session_token": map[string]any{"type": "apiKey", "in": "header", "name": "X-DreamFactory-Session-Token",
				"description": "A session token (JWT) from user/session or system/admin/session."},
		},
	}
	if len(b.parameters) > 0 {
		components["parameters"] = b.parameters
	}
	return map[string]any{
		"openapi":    Version,
		"info":       info,
		"servers":    []any{map[string]any{"url": "/api/v2"}},
		"paths":      paths,
		"components": components,
		"tags":       tags,
		"security": []any{
			map[string]any{"api_key": []any{}},
			map[string]any{"session_token": []any{}},
			map[string]any{"api_key": []any{}, "session_token": []any{}},
		},
	}
}

// fixed holds the names allocated to the shared component schemas.
type fixed struct {
	errorSchema, resourceList, success, generic string
}

// common allocates and defines the shared schemas: the error envelope, the resource list,
// success and generic JSON.
func (b *builder) common() {
	b.errorSchema = b.name("Error")
	b.schemas[b.errorSchema] = map[string]any{
		"type":     "object",
		"required": []any{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type":     "object",
			"required": []any{"code", "message", "status_code"},
			"properties": map[string]any{
				"code":        map[string]any{"type": "integer", "description": "The error code: the HTTP status, or 1000 for a batch error."},
				"context":     map[string]any{"nullable": true, "description": "Details, e.g. per-record results of a batch error."},
				"message":     map[string]any{"type": "string"},
				"status_code": map[string]any{"type": "integer", "description": "The HTTP status."},
			},
		}},
	}
	b.resourceList = b.name("ResourceList")
	b.schemas[b.resourceList] = map[string]any{
		"type":        "object",
		"description": "A list of resources: [{name}], or bare names with as_list=true.",
		"properties": map[string]any{"resource": map[string]any{"type": "array", "items": map[string]any{
			"oneOf": []any{
				map[string]any{"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}},
				map[string]any{"type": "string"},
			}}}},
	}
	b.success = b.name("Success")
	b.schemas[b.success] = map[string]any{"type": "object",
		"properties": map[string]any{"success": map[string]any{"type": "boolean"}}}
	b.generic = b.name("JSON")
	b.schemas[b.generic] = map[string]any{"description": "Any JSON value; records go in a \"resource\" array."}
}

// Parameters shared by database operations, as components.parameters.
var dbParams = map[string]map[string]any{
	"fields":         {"description": "Comma-separated fields to return, or * for all.", "schema": str()},
	"filter":         {"description": "SQL-like filter, e.g. (first_name like 'J%') and (age > 21).", "schema": str()},
	"limit":          {"description": "Maximum number of records to return.", "schema": integer(0)},
	"offset":         {"description": "Number of records to skip.", "schema": integer(0)},
	"order":          {"description": "Order, e.g. last_name asc, first_name desc.", "schema": str()},
	"group":          {"description": "Comma-separated fields to group by.", "schema": str()},
	"ids":            {"description": "Comma-separated record ids.", "schema": str()},
	"id_field":       {"description": "Comma-separated fields to use as the record id instead of the primary key.", "schema": str()},
	"id_type":        {"description": "Comma-separated types of id_field.", "schema": str()},
	"include_count":  {"description": "Add meta.count, the number of matching records.", "schema": boolean()},
	"include_schema": {"description": "Add meta.schema, the table's schema.", "schema": boolean()},
	"count_only":     {"description": "Return only the number of matching records.", "schema": boolean()},
	"related":        {"description": "Comma-separated relations to include, or * for all.", "schema": str()},
	"as_list":        {"description": "Return bare names instead of objects.", "schema": boolean()},
	"continue":       {"description": "Continue a batch after a failed record.", "schema": boolean()},
	"rollback":       {"description": "Undo the whole batch when a record fails (the default).", "schema": boolean()},
	"force":          {"description": "Allow deleting every record when no filter or ids are given.", "schema": boolean()},
	"refresh":        {"description": "Re-read the database schema.", "schema": boolean()},
}

func str() map[string]any     { return map[string]any{"type": "string"} }
func boolean() map[string]any { return map[string]any{"type": "boolean"} }
func integer(minimum int) map[string]any {
	return map[string]any{"type": "integer", "minimum": minimum}
}

// params returns refs to the named shared parameters, defining them on first use.
func (b *builder) params(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		if _, ok := b.parameters[n]; !ok {
			p := map[string]any{"name": n, "in": "query", "required": false}
			for k, v := range dbParams[n] {
				p[k] = v
			}
			b.parameters[n] = p
		}
		out[i] = paramRef(n)
	}
	return out
}

// pathParam is a required path parameter.
func pathParam(name, description string, schema map[string]any) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "description": description, "schema": schema}
}

// tablePaths are one table's component names.
type tablePaths struct {
	t                   *dbschema.Table
	record, req, resp   string
	path, byID, schPath string
}

// Database documents a database service from its schema: the service root, _table and
// _schema, each table's records (list, batch writes, by id) and schema, one component schema
// per table with its Request/Response wrappers. include, when set, selects the tables shown.
func Database(info Info, sch *dbschema.Schema, include func(table string) bool) map[string]any {
	b := newBuilder(info)
	svc := "/" + url.PathEscape(info.Service)

	var tables []*tablePaths
	if sch != nil {
		for _, n := range sch.Names {
			t, ok := sch.Table(n)
			if !ok || (include != nil && !include(t.Name)) {
				continue
			}
			tables = append(tables, &tablePaths{t: t, record: b.name(t.Name)})
		}
	}
	b.common()
	byTable := map[string]string{} // lower-case table name → record schema
	for _, tp := range tables {
		byTable[strings.ToLower(tp.t.Name)] = tp.record
	}
	for _, tp := range tables {
		tp.req, tp.resp = b.name(camel(tp.t.Name)+"Request"), b.name(camel(tp.t.Name)+"Response")
		b.schemas[tp.record] = tableSchema(tp.t, byTable)
		b.schemas[tp.req] = map[string]any{
			"type": "object", "required": []any{"resource"},
			"properties": map[string]any{"resource": map[string]any{"type": "array", "items": schemaRef(tp.record)}},
		}
		b.schemas[tp.resp] = map[string]any{
			"type": "object",
			"properties": map[string]any{
				"resource": map[string]any{"type": "array", "items": schemaRef(tp.record)},
				"meta": map[string]any{"type": "object", "properties": map[string]any{
					"count":  map[string]any{"type": "integer", "description": "With include_count: the number of matching records."},
					"schema": map[string]any{"type": "object", "description": "With include_schema: the table's schema."},
				}},
			},
		}
	}
	tableSchemaName := b.name("TableSchema")
	b.schemas[tableSchemaName] = tableSchemaSchema()
	tableSchemas := b.name("TableSchemas")
	b.schemas[tableSchemas] = map[string]any{"type": "object", "required": []any{"resource"},
		"properties": map[string]any{"resource": map[string]any{"type": "array", "items": schemaRef(tableSchemaName)}}}

	b.tags[info.Service] = "The service's resources."
	b.tags["_table"] = "Records of the tables."
	b.tags["_schema"] = "Tables and fields."
	b.add(svc, "get", operation{summary: "List the service's resources (_schema, _table).", tag: info.Service,
		params: b.params("as_list"), response: schemaRef(b.resourceList)}, nil)
	b.add(svc+"/_table", "get", operation{summary: "List the tables.", tag: "_table",
		description: "fields=* returns every table property instead of names only.",
		params:      b.params("fields", "as_list", "refresh"), response: schemaRef(b.resourceList)}, nil)
	b.add(svc+"/_schema", "get", operation{summary: "List the tables' schemas.", tag: "_schema",
		params: b.params("fields", "as_list", "refresh"), response: schemaRef(b.resourceList)}, nil)
	for _, v := range []struct{ verb, summary string }{
		{"post", "Create one or more tables."}, {"put", "Replace one or more tables."}, {"patch", "Change one or more tables."},
	} {
		b.add(svc+"/_schema", v.verb, operation{summary: v.summary, tag: "_schema", body: schemaRef(tableSchemas),
			bodyRequired: true, response: schemaRef(tableSchemas)}, nil)
	}

	for _, tp := range tables {
		t, name := tp.t, tp.t.Name
		base := svc + "/_table/" + url.PathEscape(name)
		read := b.params("fields", "filter", "limit", "offset", "order", "group", "ids", "id_field", "id_type",
			"include_count", "include_schema", "count_only", "related", "as_list")
		b.add(base, "get", operation{summary: "Retrieve records of " + name + ".", tag: "_table",
			description: "By filter, by ids, or all records (up to the service's max_records). count_only=true answers a number.",
			params:      read, response: schemaRef(tp.resp)}, nil)
		if !t.IsView {
			write := b.params("fields", "related", "id_field", "id_type", "continue", "rollback")
			b.add(base, "post", operation{summary: "Create records in " + name + ".", tag: "_table", params: write,
				body: schemaRef(tp.req), bodyRequired: true, response: schemaRef(tp.resp)}, nil)
			b.add(base, "put", operation{summary: "Replace records of " + name + " (each record carries its id).", tag: "_table",
				params: b.params("fields", "related", "ids", "filter", "id_field", "id_type", "continue", "rollback"),
				body:   schemaRef(tp.req), bodyRequired: true, response: schemaRef(tp.resp)}, nil)
			b.add(base, "patch", operation{summary: "Update records of " + name + " (each record carries its id).", tag: "_table",
				params: b.params("fields", "related", "ids", "filter", "id_field", "id_type", "continue", "rollback"),
				body:   schemaRef(tp.req), bodyRequired: true, response: schemaRef(tp.resp)}, nil)
			b.add(base, "delete", operation{summary: "Delete records of " + name + ".", tag: "_table",
				description: "By ids, by filter, by the records of the body, or every record with force=true.",
				params:      b.params("ids", "filter", "fields", "id_field", "id_type", "force", "continue", "rollback"),
				body:        schemaRef(tp.req), response: schemaRef(tp.resp)}, nil)
		}
		if len(t.PrimaryKey) > 0 {
			idSchema := str()
			desc := "The record's id: " + strings.Join(t.PrimaryKey, ",") + "."
			if len(t.PrimaryKey) == 1 {
				if c, ok := t.Column(t.PrimaryKey[0]); ok {
					idSchema = columnSchema(c)
					delete(idSchema, "readOnly")
					delete(idSchema, "nullable")
					delete(idSchema, "default")
					delete(idSchema, "description")
				}
			}
			pp := []any{pathParam("id", desc, idSchema)}
			byID := base + "/{id}"
			one := b.params("fields", "related", "id_field", "id_type")
			b.add(byID, "get", operation{summary: "Retrieve one record of " + name + ".", tag: "_table",
				params: one, response: schemaRef(tp.record)}, pp)
			if !t.IsView {
				b.add(byID, "put", operation{summary: "Replace one record of " + name + ".", tag: "_table", params: one,
					body: schemaRef(tp.record), bodyRequired: true, response: schemaRef(tp.record)}, pp)
				b.add(byID, "patch", operation{summary: "Update one record of " + name + ".", tag: "_table", params: one,
					body: schemaRef(tp.record), bodyRequired: true, response: schemaRef(tp.record)}, pp)
				b.add(byID, "delete", operation{summary: "Delete one record of " + name + ".", tag: "_table", params: one,
					response: schemaRef(tp.record)}, pp)
			}
		}
		sp := svc + "/_schema/" + url.PathEscape(name)
		b.add(sp, "get", operation{summary: "Describe " + name + ".", tag: "_schema",
			params: b.params("refresh"), response: schemaRef(tableSchemaName)}, nil)
		if !t.IsView {
			b.add(sp, "post", operation{summary: "Create " + name + ".", tag: "_schema", body: schemaRef(tableSchemaName),
				bodyRequired: true, response: schemaRef(tableSchemaName)}, nil)
			b.add(sp, "put", operation{summary: "Replace " + name + ".", tag: "_schema", body: schemaRef(tableSchemaName),
				bodyRequired: true, response: schemaRef(tableSchemaName)}, nil)
			b.add(sp, "patch", operation{summary: "Change " + name + ": add or change fields.", tag: "_schema", body: schemaRef(tableSchemaName),
				bodyRequired: true, response: schemaRef(tableSchemaName)}, nil)
			b.add(sp, "delete", operation{summary: "Drop " + name + ".", tag: "_schema", response: schemaRef(b.success)}, nil)
		}
	}
	return b.document()
}

// tableSchema is a table's record: one property per column, then one per relation whose
// table is documented; required from Column.Required.
func tableSchema(t *dbschema.Table, byTable map[string]string) map[string]any {
	props := map[string]any{}
	required := []any{}
	for _, c := range t.Columns {
		props[c.Name] = columnSchema(c)
		if c.Required {
			required = append(required, c.Name)
		}
	}
	for _, r := range t.Related {
		if r.RefService != "" { // a table of another service: not documented here
			continue
		}
		ref, ok := byTable[strings.ToLower(r.RefTable)]
		key := r.Key() // the relation's key in records: its alias, else its name
		if _, taken := props[key]; !ok || taken {
			continue
		}
		desc := fmt.Sprintf("%s relation to %s (with related=%s).", r.Type, r.RefTable, key)
		if r.Single() {
			props[key] = map[string]any{"allOf": []any{schemaRef(ref)}, "nullable": true, "description": desc}
		} else {
			props[key] = map[string]any{"type": "array", "items": schemaRef(ref), "description": desc}
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	desc := "A record of " + t.Name + "."
	if t.IsView {
		desc = "A row of the view " + t.Name + "."
	}
	if len(t.PrimaryKey) > 0 {
		desc += " Primary key: " + strings.Join(t.PrimaryKey, ", ") + "."
	}
	out["description"] = desc
	return out
}

// columnSchema maps a column to an OpenAPI schema by its kind and DreamFactory type, as the
// database service renders values: times as text "YYYY-MM-DD HH:MM:SS", bytes as base64.
func columnSchema(c *dbschema.Column) map[string]any {
	s := map[string]any{}
	switch c.Kind {
	case dbschema.KindInt:
		s["type"] = "integer"
		switch c.Type {
		case "smallint", "tinyint":
			s["format"] = "int32"
		default:
			s["format"] = "int64"
		}
	case dbschema.KindFloat:
		s["type"], s["format"] = "number", "double"
	case dbschema.KindDecimal:
		s["type"] = "number"
	case dbschema.KindBool:
		s["type"] = "boolean"
	case dbschema.KindTime:
		s["type"] = "string"
		if c.Type == "time" || c.Type == "timetz" {
			s["format"] = "time"
		} else {
			s["format"] = "datetime" // DreamFactory's "YYYY-MM-DD HH:MM:SS", not RFC 3339
		}
	case dbschema.KindDate:
		s["type"], s["format"] = "string", "date"
	case dbschema.KindJSON:
		// any JSON value: no type
	case dbschema.KindBytes:
		s["type"], s["format"] = "string", "byte"
	default:
		s["type"] = "string"
		if c.Type == "uuid" {
			s["format"] = "uuid"
		}
		if c.Length > 0 && c.Kind == dbschema.KindString {
			s["maxLength"] = c.Length
		}
	}
	if c.AllowNull {
		s["nullable"] = true
	}
	if c.AutoIncrement {
		s["readOnly"] = true
	}
	if d, ok := literalDefault(c); ok {
		s["default"] = d
	}
	desc := c.DBType
	if c.IsPrimaryKey {
		desc += ", primary key"
	}
	if c.IsForeignKey && c.RefTable != "" {
		desc += ", references " + c.RefTable + "(" + c.RefField + ")"
	}
	s["description"] = strings.TrimPrefix(desc, ", ")
	s["x-dreamfactory-type"] = c.Type
	return s
}

// literalDefault returns a column default that is a value of the column's type (not an SQL
// expression such as CURRENT_TIMESTAMP).
func literalDefault(c *dbschema.Column) (any, bool) {
	switch d := c.Default.(type) {
	case int64:
		return d, c.Kind.Numeric()
	case float64:
		return d, c.Kind.Fractional()
	case bool:
		return d, c.Kind == dbschema.KindBool
	case string:
		return d, c.Kind == dbschema.KindString
	}
	return nil, false
}

// tableSchemaSchema is the schema of DreamFactory's table description (_schema/{table}).
func tableSchemaSchema() map[string]any {
	field := map[string]any{"type": "object", "required": []any{"name"}, "properties": map[string]any{
		"name":           str(),
		"label":          str(),
		"type":           map[string]any{"type": "string", "description": "DreamFactory simple type: id, string, text, integer, boolean, datetime, timestamp_on_create, reference, …"},
		"db_type":        str(),
		"length":         map[string]any{"type": "integer"},
		"precision":      map[string]any{"type": "integer"},
		"scale":          map[string]any{"type": "integer"},
		"default":        map[string]any{"nullable": true},
		"required":       boolean(),
		"allow_null":     boolean(),
		"auto_increment": boolean(),
		"is_primary_key": boolean(),
		"is_unique":      boolean(),
		"is_index":       boolean(),
		"is_foreign_key": boolean(),
		"ref_table":      map[string]any{"type": "string", "nullable": true},
		"ref_field":      map[string]any{"type": "string", "nullable": true},
	}}
	related := map[string]any{"type": "object", "properties": map[string]any{
		"name": str(), "type": str(), "ref_table": str(),
		"field":          map[string]any{"type": "array", "items": str()},
		"ref_field":      map[string]any{"type": "array", "items": str()},
		"junction_table": map[string]any{"type": "string", "nullable": true},
	}}
	return map[string]any{"type": "object", "required": []any{"name"}, "properties": map[string]any{
		"name":        str(),
		"label":       str(),
		"plural":      str(),
		"is_view":     boolean(),
		"primary_key": map[string]any{"description": "A field name, or a list for a composite key.", "nullable": true},
		"field":       map[string]any{"type": "array", "items": field},
		"related":     map[string]any{"type": "array", "items": related},
	}}
}

var templated = regexp.MustCompile(`^\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// Catalog documents a service from its event catalog (base event name → verbs):
// "system.role" becomes path /system/role with those verbs, a templated segment such as
// {table_name} a path parameter. Bodies and responses are generic JSON. A service without a
// catalog gets its root.
func Catalog(info Info, cat map[string][]string) map[string]any {
	b := newBuilder(info)
	b.common()
	if len(cat) == 0 {
		cat = map[string][]string{info.Service: {"get"}}
	}
	bases := make([]string, 0, len(cat))
	for base := range cat {
		bases = append(bases, base)
	}
	sort.Strings(bases)
	for _, base := range bases {
		parts := strings.Split(base, ".")
		var segs []string
		var pp []any
		for i, p := range parts {
			if i == 0 {
				p = info.Service // the first part names the service
			}
			if m := templated.FindStringSubmatch(p); m != nil {
				segs = append(segs, p)
				pp = append(pp, pathParam(m[1], "A "+strings.ReplaceAll(m[1], "_", " ")+".", str()))
				continue
			}
			segs = append(segs, url.PathEscape(p))
		}
		path := "/" + strings.Join(segs, "/")
		tag := info.Service
		if len(parts) > 1 {
			tag = parts[1]
		}
		vs := map[string]bool{}
		for _, v := range cat[base] {
			vs[strings.ToLower(v)] = true
		}
		for _, v := range verbs {
			if !vs[v] {
				continue
			}
			op := operation{summary: strings.ToUpper(v) + " " + strings.TrimPrefix(path, "/"), tag: tag,
				response: schemaRef(b.generic)}
			if v == "get" && len(parts) == 1 {
				op.summary = "List the service's resources."
				op.params = b.params("as_list")
			}
			if v == "post" || v == "put" || v == "patch" {
				op.body, op.bodyRequired = schemaRef(b.generic), false
			}
			b.add(path, v, op, pp)
		}
	}
	return b.document()
}
