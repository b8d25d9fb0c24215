package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// UserAppRole assigns a user a role when calling through an app; it overrides the app's default role.
type UserAppRole struct{ ent.Schema }

// Annotations of UserAppRole.
func (UserAppRole) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "user_to_app_to_role"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of UserAppRole.
func (UserAppRole) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int("app_id"),
		field.Int("role_id"),
	}
}

// Edges of UserAppRole.
func (UserAppRole) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("user_app_roles").Field("user_id").Unique().Required(),
		edge.From("app", App.Type).Ref("user_app_roles").Field("app_id").Unique().Required(),
		edge.From("role", Role.Type).Ref("user_app_roles").Field("role_id").Unique().Required(),
	}
}

// Indexes of UserAppRole: one role per user and app.
func (UserAppRole) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "app_id").Unique()}
}
