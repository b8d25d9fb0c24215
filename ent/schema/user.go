package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a person who logs in: an admin (is_sys_admin) or an application user.
// password holds a bcrypt hash; it and security_answer are never returned by any API.
type User struct{ ent.Schema }

// Annotations of User.
func (User) Annotations() []schema.Annotation {
	return append(annotations(gqlModel()), entsql.Annotation{Table: "user"})
}

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(255).Default("").Annotations(entgql.OrderField("NAME")),
		field.String("username").MaxLen(255).Optional().Nillable(),
		field.String("first_name").MaxLen(255).Default(""),
		field.String("last_name").MaxLen(255).Default(""),
		field.String("email").Unique().NotEmpty().MaxLen(255).Annotations(entgql.OrderField("EMAIL")),
		// password is written as clear text through the APIs and stored as a bcrypt hash.
		field.String("password").Optional().Sensitive().
			Annotations(entgql.Skip(entgql.SkipType, entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Bool("is_active").Default(true),
		// is_sys_admin is fixed at creation: system/user and system/admin are separate resources.
		field.Bool("is_sys_admin").Default(false).Annotations(entgql.Skip(entgql.SkipMutationUpdateInput)),
		field.String("phone").MaxLen(32).Optional().Nillable(),
		field.String("security_question").Optional().Nillable(),
		field.String("security_answer").Optional().Sensitive().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("default_app_id").Optional().Nillable(),
		field.Time("last_login_date").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("user_app_roles", UserAppRole.Type).
			Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
		edge.To("lookups", Lookup.Type).Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
		edge.To("tokens", Token.Type).Annotations(entsql.OnDelete(entsql.Cascade), entgql.Skip(entgql.SkipAll)),
	}
}
