package dbschema

import "testing"

// TestWithRelations: added relations follow a table's own, clashing names and unknown tables
// are skipped, and the schema it starts from is not changed.
func TestWithRelations(t *testing.T) {
	own := &Relation{Name: "b_by_a_id", Type: BelongsTo}
	a := &Table{Name: "A", Related: []*Relation{own}}
	b := &Table{Name: "b"}
	base := &Schema{Tables: map[string]*Table{"a": a, "b": b}, Names: []string{"A", "b"}}
	v1 := &Relation{Name: "c_by_x", Type: HasMany, Virtual: true}
	clash := &Relation{Name: "B_BY_A_ID", Type: HasMany, Virtual: true}
	lost := &Relation{Name: "z_by_y", Type: HasMany, Virtual: true}
	out, skipped := WithRelations(base, map[string][]*Relation{"a": {v1, clash}, "nope": {lost}})
	ta, _ := out.Table("a")
	if len(ta.Related) != 2 || ta.Related[0] != own || ta.Related[1] != v1 {
		t.Errorf("a's relations: %v", ta.Related)
	}
	if len(skipped) != 2 {
		t.Errorf("skipped: %v", skipped)
	}
	if len(a.Related) != 1 || base.Tables["a"] != a {
		t.Error("the base schema changed")
	}
	if tb, _ := out.Table("b"); tb != b {
		t.Error("a table without new relations is not shared")
	}
	if same, _ := WithRelations(base, nil); same != base {
		t.Error("no relations: not the same schema")
	}
}
