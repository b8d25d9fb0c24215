package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Lookup is a named value substituted for {name} tokens; system scope when app_id, role_id and
// user_id are all null. A private lookup's value is never returned (the APIs show "**********").
type Lookup struct{ ent.Schema }

// Annotations of Lookup: not on /graphql (values may be secret); REST system/lookup masks them.
func (Lookup) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "lookup"}, entgql.Skip(entgql.SkipAll)}
}

// Mixin of Lookup.
func (Lookup) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of Lookup.
func (Lookup) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(255),
		field.Text("value").Default(""),
		field.Bool("private").Default(false),
		field.Text("description").Default(""),
		field.Int("app_id").Optional().Nillable(),
		field.Int("role_id").Optional().Nillable(),
		field.Int("user_id").Optional().Nillable(),
	}
}

// Edges of Lookup.
func (Lookup) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("app", App.Type).Ref("lookups").Field("app_id").Unique(),
		edge.From("role", Role.Type).Ref("lookups").Field("role_id").Unique(),
		edge.From("user", User.Type).Ref("lookups").Field("user_id").Unique(),
	}
}
