package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// Stamps adds DreamFactory's audit columns: created_date and last_modified_date (set by ent),
// created_by_id and last_modified_by_id (set by the platform from the caller's session).
type Stamps struct{ mixin.Schema }

// Fields of the Stamps mixin.
func (Stamps) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_date").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("CREATED_DATE"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("last_modified_date").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.OrderField("LAST_MODIFIED_DATE"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("created_by_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Int("last_modified_by_id").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

// gqlModel is the entgql annotation set of an entity exposed on /graphql as a Relay connection
// with where/orderBy and create/update mutation inputs.
func gqlModel() []any {
	return []any{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
