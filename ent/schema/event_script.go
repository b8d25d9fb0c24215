package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// EventScript is a script attached to an event name such as "system.role.post.pre_process".
// The REST resource system/event_script addresses it by name.
type EventScript struct{ ent.Schema }

// Annotations of EventScript.
func (EventScript) Annotations() []schema.Annotation {
	return append(annotations(gqlModel()), entsql.Annotation{Table: "event_script"})
}

// Mixin of EventScript.
func (EventScript) Mixin() []ent.Mixin { return []ent.Mixin{Stamps{}} }

// Fields of EventScript.
func (EventScript) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Unique().NotEmpty().MaxLen(80).Annotations(entgql.OrderField("NAME")),
		field.String("type").Default("v8js"),
		field.Text("content").Default(""),
		field.JSON("config", map[string]any{}).Optional().Annotations(entgql.Type("Map")),
		field.Bool("is_active").Default(false),
		field.Bool("allow_event_modification").Default(false),
		field.Int("storage_service_id").Optional().Nillable(),
		field.String("storage_path").Optional().Nillable(),
	}
}
