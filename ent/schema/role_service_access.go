package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// RoleServiceAccess grants a role verbs (verb_mask: GET 1, POST 2, PUT 4, PATCH 8, DELETE 16) on a
// service component for requestors (requestor_mask: API 1, SCRIPT 2); service_id null means every
// service. filters/filter_op are row filters enforced by database services.
type RoleServiceAccess struct{ ent.Schema }

// Annotations of RoleServiceAccess.
func (RoleServiceAccess) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "role_service_access"},
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate())}
}

// Mixin of RoleServiceAccess.
func (RoleServiceAccess) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of RoleServiceAccess.
func (RoleServiceAccess) Fields() []ent.Field {
	return []ent.Field{
		field.Int("role_id"),
		field.Int("service_id").Optional().Nillable(),
		field.String("component").Default(""),
		field.Int("verb_mask").Default(0).NonNegative(),
		// requestor_mask defaults to API (1); DreamFactory's column default 0 matches nothing.
		field.Int("requestor_mask").Default(1).NonNegative(),
		field.JSON("filters", []map[string]any{}).Optional().Annotations(entgql.Type("JSON")),
		field.String("filter_op").Default("AND"),
	}
}

// Edges of RoleServiceAccess.
func (RoleServiceAccess) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("role", Role.Type).Ref("role_service_access").Field("role_id").Unique().Required().
			Annotations(entgql.Skip(entgql.SkipMutationUpdateInput)),
		edge.From("service", Service.Type).Ref("role_service_access").Field("service_id").Unique().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}
