package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Role groups service access rows; apps and user+app pairs point at roles.
type Role struct{ ent.Schema }

// Annotations of Role.
func (Role) Annotations() []schema.Annotation {
	return append(annotations(gqlModel()), entsql.Annotation{Table: "role"})
}

// Mixin of Role.
func (Role) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of Role.
func (Role) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().NotEmpty().MaxLen(64).Annotations(entgql.OrderField("NAME")),
		field.String("description").MaxLen(255).Default(""),
		field.Bool("is_active").Default(true),
	}
}

// Edges of Role.
func (Role) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("role_service_access", RoleServiceAccess.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// Not on /graphql: apps are another resource, with their own permission.
		edge.To("apps", App.Type).Annotations(entgql.Skip(entgql.SkipAll)),
		edge.To("user_app_roles", UserAppRole.Type).Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
		edge.To("lookups", Lookup.Type).Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
	}
}
