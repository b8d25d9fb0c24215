package sqldb

import (
	"reflect"
	"testing"

	"github.com/apiary/apiary/platform/dbschema"
)

// TestBuildSchema: stored extras join the foreign-key relations they name, virtual
// relationships follow with theirs, and what can not apply is reported, not applied: extras
// of a relationship the database no longer has (a foreign key dropped outside Apiary), and an
// alias that would not name its relation alone. The inspected schema is not changed.
func TestBuildSchema(t *testing.T) {
	col := func(name string) *dbschema.Column { return &dbschema.Column{Name: name, Kind: dbschema.KindInt} }
	owner := &dbschema.Relation{Name: "contact_by_contact_id", Type: dbschema.BelongsTo, Field: "contact_id", RefTable: "contact", RefField: "id"}
	infos := &dbschema.Relation{Name: "info_by_contact_id", Type: dbschema.HasMany, Field: "id", RefTable: "info", RefField: "contact_id"}
	info := &dbschema.Table{Name: "info", Columns: []*dbschema.Column{col("id"), col("contact_id"), col("note_ref")}, Related: []*dbschema.Relation{owner}}
	contact := &dbschema.Table{Name: "contact", Columns: []*dbschema.Column{col("id"), col("name")}, Related: []*dbschema.Relation{infos}}
	base := &dbschema.Schema{Tables: map[string]*dbschema.Table{"info": info, "contact": contact}, Names: []string{"contact", "info"}}

	rc := relConfig{
		extras: []fkExtras{
			{Table: "info", Relationship: "CONTACT_BY_CONTACT_ID", Extras: dbschema.Extras{Alias: "owner", AlwaysFetch: true}},
			{Table: "contact", Relationship: "info_by_contact_id", Extras: dbschema.Extras{Alias: "name"}}, // a field of contact
			{Table: "contact", Relationship: "gone_by_x", Extras: dbschema.Extras{Label: "Gone"}},
			{Table: "dropped", Relationship: "a_by_b", Extras: dbschema.Extras{Label: "Gone"}},
		},
		virtual: []virtualRel{
			{Table: "info", Type: dbschema.BelongsTo, Field: "note_ref", RefTable: "contact", RefField: "id", Extras: dbschema.Extras{Alias: "owner", Label: "Second"}},
		},
	}
	sch, out := buildSchema(base, rc)
	want := []leftOut{
		{table: "contact", relationship: "gone_by_x", why: "the table has no relationship of that name derived from a foreign key (is the foreign key gone?)"},
		{table: "dropped", why: "its table does not exist"},
		{table: "contact", relationship: "info_by_contact_id", why: "its alias 'name' is already a field, or the name or alias of another relationship, of table 'contact'"},
		{table: "info", relationship: "contact_by_note_ref", why: "its alias 'owner' is already a field, or the name or alias of another relationship, of table 'info'"},
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("left out:\n%v\nwant\n%v", out, want)
	}
	ti, _ := sch.Table("info")
	if r, ok := ti.RelationByKey("owner"); !ok || r.Name != "contact_by_contact_id" || !r.AlwaysFetch || r.Virtual {
		t.Errorf("owner: %+v", r)
	}
	if r, ok := ti.Relation("contact_by_note_ref"); !ok || r.Alias != "" || r.Label != "Second" || r.Key() != "contact_by_note_ref" {
		t.Errorf("the virtual relation whose alias clashed: %+v", r)
	}
	tc, _ := sch.Table("contact")
	if r, _ := tc.Relation("info_by_contact_id"); r.Alias != "" {
		t.Errorf("an alias that is a field was kept: %+v", r)
	}
	if owner.Alias != "" || owner.AlwaysFetch || len(info.Related) != 1 || base.Tables["info"] != info || contact.Related[0] != infos {
		t.Error("the inspected schema changed")
	}
	if same, out := buildSchema(base, relConfig{}); same != base || out != nil {
		t.Errorf("no settings: %v %v", same == base, out)
	}
}
