package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Event is one entry of the event journal: a fired event with its request, response, status,
// duration and the outcome and console output of the scripts that ran on it.
type Event struct{ ent.Schema }

// Annotations of Event. The journal is written by the platform only: GraphQL offers reads and deletes.
func (Event) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entsql.Annotation{Table: "event_journal"},
	}
}

// Fields of Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").Annotations(entgql.OrderField("NAME")),
		field.String("phase").Default(""),
		field.String("service").Default(""),
		field.String("resource").Default(""),
		field.String("verb").Default(""),
		field.String("requestor").Default("API"),
		field.Int("user_id").Optional().Nillable(),
		field.JSON("request", map[string]any{}).Optional().Annotations(entgql.Type("Map")),
		field.JSON("response", map[string]any{}).Optional().Annotations(entgql.Type("Map")),
		field.Int("status").Default(0).Annotations(entgql.OrderField("STATUS")),
		field.Float("duration_ms").Default(0),
		field.JSON("scripts", []map[string]any{}).Optional().Annotations(entgql.Type("JSON")),
		field.Text("console").Default(""),
		field.Time("created_date").Default(time.Now).Immutable().Annotations(entgql.OrderField("CREATED_DATE")),
	}
}

// Indexes of Event.
func (Event) Indexes() []ent.Index {
	return []ent.Index{index.Fields("name"), index.Fields("created_date")}
}
