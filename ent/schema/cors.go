package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// Cors is one CORS rule: a path (with * wildcards), allowed origins, methods (verb mask),
// headers, exposed headers, max age and whether credentials are allowed.
type Cors struct{ ent.Schema }

// Annotations of Cors.
func (Cors) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "cors_config"}, entgql.Skip(entgql.SkipAll)}
}

// Mixin of Cors.
func (Cors) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of Cors.
func (Cors) Fields() []ent.Field {
	return []ent.Field{
		field.String("path").Unique().NotEmpty(),
		field.Text("description").Default(""),
		field.Text("origin").Default("*"),
		field.Text("header").Default("*"),
		field.Text("exposed_header").Default(""),
		field.Int("method").Default(31),
		field.Int("max_age").Default(3600),
		field.Bool("enabled").Default(true),
		field.Bool("supports_credentials").Default(false),
	}
}
