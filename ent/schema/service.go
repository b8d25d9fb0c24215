package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Service is a registered service: the built-in system and user services, database services,
// scripted services. Its name is the first path segment under /api/v2.
type Service struct{ ent.Schema }

// Annotations of Service.
func (Service) Annotations() []schema.Annotation {
	return append(annotations(gqlModel()), entsql.Annotation{Table: "service"})
}

// Mixin of Service.
func (Service) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of Service.
func (Service) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().MaxLen(40).Match(regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)).
			Annotations(entgql.OrderField("NAME")),
		field.String("label").MaxLen(80).Default(""),
		field.Text("description").Default(""),
		field.Bool("is_active").Default(true),
		field.String("type").NotEmpty().Immutable().Annotations(entgql.OrderField("TYPE")),
		field.JSON("config", map[string]any{}).Optional().Annotations(entgql.Type("Map")),
		field.Bool("mutable").Default(true),
		field.Bool("deletable").Default(true),
	}
}

// Edges of Service.
func (Service) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("role_service_access", RoleServiceAccess.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
	}
}
