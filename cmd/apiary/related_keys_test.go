package main

import "testing"

// TestRelationsOfNullKeys: a record whose relationship field is NULL has no related record
// (null, or []) on every surface, even when another record's key is the empty string and has
// related records — on the GraphQL data API too, for has_one, has_many (with and without a
// limit) and many_many, on every database kind.
func TestRelationsOfNullKeys(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			s.must(200, "POST", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "note", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "body", "type": "string"}, map[string]any{"name": "code", "type": "string"}}},
				map[string]any{"name": "card", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "code", "type": "string"}, map[string]any{"name": "label", "type": "string"}}},
				map[string]any{"name": "note_card", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "note_code", "type": "string"}, map[string]any{"name": "card_code", "type": "string"}}},
			}})
			// Codes: "" (note 1, card 1), NULL (note 2, card 3), "x" (note 3, card 2).
			s.must(200, "POST", "/api/v2/db/_table/note", map[string]any{"resource": []any{
				map[string]any{"body": "n1", "code": ""}, map[string]any{"body": "n2", "code": nil}, map[string]any{"body": "n3", "code": "x"}}})
			s.must(200, "POST", "/api/v2/db/_table/card", map[string]any{"resource": []any{
				map[string]any{"code": "", "label": "empty"}, map[string]any{"code": "x", "label": "ex"}, map[string]any{"code": nil, "label": "none"}}})
			s.must(200, "POST", "/api/v2/db/_table/note_card", rec(map[string]any{"note_code": "", "card_code": "x"}))
			s.must(200, "POST", "/api/v2/db/_schema/note/_related", rec(map[string]any{"type": "many_many", "field": "code", "ref_table": "card", "ref_field": "code",
				"junction_table": "note_card", "junction_field": "note_code", "junction_ref_field": "card_code", "is_virtual": true}))
			s.must(200, "POST", "/api/v2/db/_schema/note/_related", rec(map[string]any{"type": "has_one", "field": "code", "ref_table": "card", "ref_field": "code", "is_virtual": true}))
			s.must(200, "POST", "/api/v2/db/_schema/card/_related", map[string]any{"resource": []any{
				map[string]any{"type": "has_many", "field": "code", "ref_table": "note", "ref_field": "code", "is_virtual": true},
			}})

			// REST: the NULL key has nothing.
			notes := recordsOf(s.must(200, "GET", "/api/v2/db/_table/note?order=id&related=*", nil))
			if got, want := pluck(notes, "body", "card_by_code", "label"), "n1:empty n2:<nil> n3:ex"; got != want {
				t.Errorf("REST has_one: %s, want %s", got, want)
			}
			if got, want := pluck(notes, "body", "card_by_note_card", "label"), "n1:[ex] n2:[] n3:[]"; got != want {
				t.Errorf("REST many_many: %s, want %s", got, want)
			}
			cards := recordsOf(s.must(200, "GET", "/api/v2/db/_table/card?order=id&related=note_by_code", nil))
			if got, want := pluck(cards, "label", "note_by_code", "body"), "empty:[n1] ex:[n3] none:[]"; got != want {
				t.Errorf("REST has_many: %s, want %s", got, want)
			}

			// GraphQL: the same (pluck, with the trailing space these strings have).
			data := s.mustData("db", `{ note(order_by: {id: asc}) { body card_by_code { label } } }`, nil)
			got := pluck(recordsOf(map[string]any{"resource": data["note"]}), "body", "card_by_code", "label") + " "
			if want := "n1:empty n2:<nil> n3:ex "; got != want {
				t.Errorf("GraphQL has_one: %s, want %s", got, want)
			}
			for _, args := range []string{"", "(limit: 5)"} {
				data := s.mustData("db", `{ note(order_by: {id: asc}) { body card_by_note_card`+args+` { label } } }`, nil)
				got := pluck(recordsOf(map[string]any{"resource": data["note"]}), "body", "card_by_note_card", "label") + " "
				if want := "n1:[ex] n2:[] n3:[] "; got != want {
					t.Errorf("GraphQL many_many %s: %s, want %s", args, got, want)
				}
			}
			for _, args := range []string{"", "(limit: 5)", "(offset: 0)"} {
				data := s.mustData("db", `{ card(order_by: {id: asc}) { label note_by_code`+args+` { body } } }`, nil)
				got := pluck(recordsOf(map[string]any{"resource": data["card"]}), "label", "note_by_code", "body") + " "
				if want := "empty:[n1] ex:[n3] none:[] "; got != want {
					t.Errorf("GraphQL has_many %s: %s, want %s", args, got, want)
				}
			}
		})
	}
}
