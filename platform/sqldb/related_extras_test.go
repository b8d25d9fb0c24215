package sqldb

import (
	"reflect"
	"testing"

	"github.com/apiary/apiary/platform/dbschema"
)

// TestShapeRelated: has_one lists become an object or nil; flattened relations give up their
// fields to the record under names it does not have yet (its own columns, other relations'
// names, fields flattened before win), with nulls for a missing related record.
func TestShapeRelated(t *testing.T) {
	ref := func(cols ...string) *relQuery {
		list := make([]*dbschema.Column, len(cols))
		for i, c := range cols {
			list[i] = &dbschema.Column{Name: c}
		}
		return &relQuery{ref: &dbschema.Table{Name: "ref", Columns: list}}
	}
	owner := &dbschema.Relation{Name: "owner", Type: dbschema.BelongsTo, Extras: dbschema.Extras{Flatten: true, FlattenDropPrefix: true}}
	badge := &dbschema.Relation{Name: "badge", Type: dbschema.HasOne, Extras: dbschema.Extras{Flatten: true, FlattenDropPrefix: true}}
	card := &dbschema.Relation{Name: "card", Type: dbschema.HasOne, Extras: dbschema.Extras{Flatten: true}}
	pet := &dbschema.Relation{Name: "pet", Type: dbschema.HasOne}
	rels := []*dbschema.Relation{owner, badge, card, pet}
	cardFields := ref("id", "number")
	cardFields.fields = []string{"number"} // <card>.fields=number
	queries := []*relQuery{ref("id", "name", "code", "pet"), ref("id", "code", "level"), cardFields, ref("id", "kind")}
	rows := []map[string]any{
		{"id": 1, "name": "a", "card_number": "own column",
			"owner": map[string]any{"id": 10, "name": "X", "code": "c1", "pet": "owner's pet"},
			"badge": []any{map[string]any{"id": 20, "code": "c2", "level": 3}, map[string]any{"id": 21, "code": "c3", "level": 4}},
			"card":  []any{map[string]any{"number": "n1"}},
			"pet":   []any{map[string]any{"id": 30, "kind": "cat"}}},
		{"id": 2, "name": "b", "card_number": nil, "owner": nil, "badge": []any{}, "card": []any{}, "pet": []any{}},
	}
	keys := shapeRelated(rels, queries, rows)
	if want := []string{"code", "level", "pet"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
	want := []map[string]any{
		{"id": 1, "name": "a", "card_number": "own column", "code": "c1", "level": 3, "pet": map[string]any{"id": 30, "kind": "cat"}},
		{"id": 2, "name": "b", "card_number": nil, "code": nil, "level": nil, "pet": nil},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows =\n%v\nwant\n%v", rows, want)
	}
}

// TestWithAlwaysFetch: always_fetch relations follow the requested ones, once each.
func TestWithAlwaysFetch(t *testing.T) {
	a := &dbschema.Relation{Name: "a", Extras: dbschema.Extras{AlwaysFetch: true}}
	b := &dbschema.Relation{Name: "b"}
	c := &dbschema.Relation{Name: "c", Extras: dbschema.Extras{AlwaysFetch: true}}
	tbl := &dbschema.Table{Name: "t", Related: []*dbschema.Relation{a, b, c}}
	for _, tc := range []struct {
		related string
		want    []string
	}{
		{"", []string{"a", "c"}},
		{"b", []string{"b", "a", "c"}},
		{"C,b", []string{"c", "b", "a"}},
		{"*", []string{"a", "b", "c"}},
	} {
		rels, asked, err := requestedRelations(tc.related, tbl)
		if err != nil {
			t.Fatal(err)
		}
		rels, asked = withAlwaysFetch(tbl, rels, asked)
		var got []string
		for _, r := range rels {
			got = append(got, r.Name)
		}
		if !reflect.DeepEqual(got, tc.want) || len(asked) != len(rels) {
			t.Errorf("related=%q: %v (asked %v), want %v", tc.related, got, asked, tc.want)
		}
	}
}
