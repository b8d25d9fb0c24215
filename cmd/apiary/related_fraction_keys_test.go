package main

import "testing"

// TestRelatedByFractionKeys: a virtual relationship may match a decimal column with a float
// column, or decimals of different scales (they hold the same kind of value); related= finds
// the rows the database matched, on every database kind, though a decimal reads as its text
// ("1.50") on PostgreSQL and MySQL and a float as a number (1.5); so does the GraphQL data API.
func TestRelatedByFractionKeys(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			s.must(200, "POST", "/api/v2/db/_schema", map[string]any{"resource": []any{
				map[string]any{"name": "item", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "price", "type": "decimal", "precision": 10, "scale": 2}}},
				map[string]any{"name": "band", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "price", "type": "double"}, map[string]any{"name": "label", "type": "string"}}},
				map[string]any{"name": "tier", "field": []any{map[string]any{"name": "id", "type": "id"},
					map[string]any{"name": "price", "type": "decimal", "precision": 10, "scale": 1}, map[string]any{"name": "label", "type": "string"}}},
			}})
			s.must(200, "POST", "/api/v2/db/_table/item", map[string]any{"resource": []any{map[string]any{"price": 1.5}, map[string]any{"price": 2}}})
			s.must(200, "POST", "/api/v2/db/_table/band", map[string]any{"resource": []any{map[string]any{"price": 1.5, "label": "a"}, map[string]any{"price": 2, "label": "b"}}})
			s.must(200, "POST", "/api/v2/db/_table/tier", map[string]any{"resource": []any{map[string]any{"price": 1.5, "label": "t1"}, map[string]any{"price": 2, "label": "t2"}}})
			s.must(200, "POST", "/api/v2/db/_schema/item/_related", map[string]any{"resource": []any{
				map[string]any{"type": "has_many", "field": "price", "ref_table": "band", "ref_field": "price", "is_virtual": true},
				map[string]any{"type": "has_many", "field": "price", "ref_table": "tier", "ref_field": "price", "is_virtual": true},
			}})
			for _, limit := range []string{"", "&band_by_price.limit=5&tier_by_price.limit=5"} {
				items := recordsOf(s.must(200, "GET", "/api/v2/db/_table/item?order=id&related=band_by_price,tier_by_price"+limit, nil))
				if got, want := pluck(items, "id", "band_by_price", "label"), "1:[a] 2:[b]"; got != want {
					t.Errorf("decimal to float%s: %s, want %s", limit, got, want)
				}
				if got, want := pluck(items, "id", "tier_by_price", "label"), "1:[t1] 2:[t2]"; got != want {
					t.Errorf("decimal to decimal of another scale%s: %s, want %s", limit, got, want)
				}
			}
			for _, args := range []string{"", "(limit: 5)"} {
				data := s.mustData("db", `{ item(order_by: {id: asc}) { id band_by_price`+args+` { label } tier_by_price`+args+` { label } } }`, nil)
				items := recordsOf(map[string]any{"resource": data["item"]})
				if got, want := pluck(items, "id", "band_by_price", "label")+" "+pluck(items, "id", "tier_by_price", "label"),
					"1:[a] 2:[b] 1:[t1] 2:[t2]"; got != want {
					t.Errorf("GraphQL%s: %s, want %s", args, got, want)
				}
			}
		})
	}
}
