package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Token records an issued session JWT (DreamFactory's token_map) so that logout, password change
// and deactivation can revoke it. The token text itself is not stored, only its jti.
type Token struct{ ent.Schema }

// Annotations of Token.
func (Token) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "token_map"}, entgql.Skip(entgql.SkipAll)}
}

// Fields of Token.
func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.String("jti").Unique().NotEmpty(),
		field.Int("user_id"),
		field.Time("issued_at").Default(time.Now),
		field.Time("expires_at"),
		field.Time("refresh_until"),
		field.Bool("forever").Default(false),
		field.Bool("revoked").Default(false),
	}
}

// Edges of Token.
func (Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required(),
	}
}
