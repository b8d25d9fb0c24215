package main

import (
	"context"
	"testing"
)

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

// TestRelatedTextToDecimalKeys: a foreign key may pair a text column with a decimal one (SQLite
// only: PostgreSQL and MySQL refuse such a key, and a virtual relationship refuses such
// fields), and SQLite matches text "1.50" looked up in a decimal column as the number 1.5 —
// but not a decimal 1.5 looked up in a text column (it compares the text '1.5'), so reads of
// the text side by decimal keys compare it as a number (sqldb castKeys).
// Both APIs then match keys by number when a decimal or float column is on either side of a
// match (platform.MatchKey): the parent's field and the related field; for many_many the
// parent's field and the junction's field on it (REST took the related field instead), and
// the junction's other field and the related field.
func TestRelatedTextToDecimalKeys(t *testing.T) {
	s := MustServe(t, "sqlite")
	cfg := freshDatabase(t, "sqlite", "textdecimal.db")
	db, _ := openDatabase(t, "sqlite", s.m.DataDir, cfg)
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, st := range []string{
		"PRAGMA foreign_keys = OFF", // SQLite checks a key in the referenced column's affinity: 1.5 as text is not '1.50'
		"CREATE TABLE price (id DECIMAL(10,2) PRIMARY KEY, label TEXT)",
		"CREATE TABLE owner (code TEXT PRIMARY KEY, name TEXT)",
		"CREATE TABLE item (id INTEGER PRIMARY KEY, price_ref TEXT REFERENCES price(id), name TEXT)",
		"CREATE TABLE holding (id INTEGER PRIMARY KEY, owner_code DECIMAL(10,2) REFERENCES owner(code), item_id INTEGER REFERENCES item(id))",
		"INSERT INTO price (id, label) VALUES (1.5, 'a'), (2, 'b')",
		"INSERT INTO owner (code, name) VALUES ('1.50', 'o1'), ('2.00', 'o2')",
		"INSERT INTO item (id, price_ref, name) VALUES (1, '1.50', 'i1'), (2, '2.00', 'i2'), (3, '1.5', 'i3')",
		"INSERT INTO holding (owner_code, item_id) VALUES (1.5, 1), (2, 2), (1.5, 2)",
		"CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT)",
		"CREATE TABLE price_tag (id INTEGER PRIMARY KEY, price_ref TEXT REFERENCES price(id), tag_id INTEGER REFERENCES tag(id))",
		"INSERT INTO tag (id, name) VALUES (1, 't1'), (2, 't2')",
		"INSERT INTO price_tag (price_ref, tag_id) VALUES ('1.50', 1), ('1.5', 2), ('2.00', 2)",
	} {
		if _, err := conn.ExecContext(context.Background(), st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": "sqlite", "config": cfg}))
	cases := []struct {
		table, key, rel, field, want string
		single                       bool
	}{
		{"item", "name", "price_by_price_ref", "label", "i1:a i2:b i3:a", true},         // belongs_to, text to decimal
		{"owner", "name", "holding_by_owner_code", "item_id", "o1:[1 2] o2:[2]", false}, // has_many, text to decimal
		{"price", "label", "item_by_price_ref", "name", "a:[i1 i3] b:[i2]", false},      // has_many, decimal to text
		// many_many, text to the junction's decimal field, integers on the other side
		{"owner", "name", "item_by_holding", "name", "o1:[i1 i2] o2:[i2]", false},
		// many_many, decimal to the junction's text field
		{"price", "label", "tag_by_price_tag", "name", "a:[t1 t2] b:[t2]", false},
	}
	for _, c := range cases {
		order := map[string]string{"item": "id", "price": "id", "owner": "code"}[c.table]
		limits := []string{""}
		args := []string{""}
		if !c.single {
			limits = append(limits, "&"+c.rel+".limit=5")
			args = append(args, "(limit: 5)")
		}
		for _, limit := range limits {
			rows := recordsOf(s.must(200, "GET", "/api/v2/db/_table/"+c.table+"?order="+order+"&related="+c.rel+limit, nil))
			if got := pluck(rows, c.key, c.rel, c.field); got != c.want {
				t.Errorf("REST %s.%s%s: %s, want %s", c.table, c.rel, limit, got, c.want)
			}
		}
		for _, arg := range args {
			data := s.mustData("db", `{ `+c.table+`(order_by: {`+order+`: asc}) { `+c.key+` `+c.rel+arg+` { `+c.field+` } } }`, nil)
			rows := recordsOf(map[string]any{"resource": data[c.table]})
			if got := pluck(rows, c.key, c.rel, c.field); got != c.want {
				t.Errorf("GraphQL %s.%s%s: %s, want %s", c.table, c.rel, arg, got, c.want)
			}
		}
	}
	// '1.50' and '1.5' are the rows of one decimal parent: a limit of 1 keeps one of them.
	const want = "a:[i1] b:[i2]"
	if got := pluck(recordsOf(s.must(200, "GET", "/api/v2/db/_table/price?order=id&related=item_by_price_ref&item_by_price_ref.limit=1", nil)),
		"label", "item_by_price_ref", "name"); got != want {
		t.Errorf("REST price.item_by_price_ref.limit=1: %s, want %s", got, want)
	}
	data := s.mustData("db", `{ price(order_by: {id: asc}) { label item_by_price_ref(limit: 1) { name } } }`, nil)
	if got := pluck(recordsOf(map[string]any{"resource": data["price"]}), "label", "item_by_price_ref", "name"); got != want {
		t.Errorf("GraphQL price.item_by_price_ref(limit: 1): %s, want %s", got, want)
	}
}
