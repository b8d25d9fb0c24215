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

// TestVirtualToAnotherServiceConfig: a relationship to another service is stored with the
// service's id and name; read back, it takes the name the id has now (a renamed service),
// keeps the stored one when the services are unknown, and is left out — still named, so that
// it can be deleted — when no service has the id any more.
func TestVirtualToAnotherServiceConfig(t *testing.T) {
	v := virtualRel{Table: "contact", Type: dbschema.ManyMany, Field: "id", RefTable: "badge", RefField: "id", JunctionTable: "contact_badge",
		JunctionField: "contact_ref", JunctionRef: "badge_ref", RefServiceID: 7, JunctionServiceID: 7, RefService: "crm"}
	cfg := map[string]any{}
	relConfig{virtual: []virtualRel{v}}.store(cfg)
	base := &dbschema.Schema{Tables: map[string]*dbschema.Table{"contact": {Name: "contact", Columns: []*dbschema.Column{{Name: "id", Kind: dbschema.KindInt}}}},
		Names: []string{"contact"}}
	for _, c := range []struct {
		services map[int]string
		name     string
		leftOut  []leftOut
	}{
		{map[int]string{7: "crm"}, "crm.badge_by_crm.contact_badge", nil},
		{map[int]string{7: "sales", 8: "crm"}, "sales.badge_by_sales.contact_badge", nil},
		{nil, "crm.badge_by_crm.contact_badge", nil},
		{map[int]string{8: "crm"}, "crm.badge_by_crm.contact_badge",
			[]leftOut{{table: "contact", relationship: "crm.badge_by_crm.contact_badge", why: "ref_service_id 7 names no service (was 'crm' deleted?)"}}},
	} {
		rc := relConfigOf(cfg, c.services)
		if len(rc.virtual) != 1 || rc.virtual[0].name() != c.name {
			t.Errorf("%v: read back %+v, want the name %s", c.services, rc.virtual, c.name)
			continue
		}
		sch, out := buildSchema(base, rc)
		if !reflect.DeepEqual(out, c.leftOut) {
			t.Errorf("%v: left out %v, want %v", c.services, out, c.leftOut)
		}
		tc, _ := sch.Table("contact")
		r, ok := tc.Relation(c.name)
		if ok != (c.leftOut == nil) {
			t.Errorf("%v: relation present %v", c.services, ok)
		}
		if ok && (r.RefServiceID != 7 || r.RefService+".badge_by_"+r.RefService+".contact_badge" != c.name || r.RefTable != "badge" || r.JunctionTable != "contact_badge") {
			t.Errorf("%v: relation %+v", c.services, r)
		}
	}
}
