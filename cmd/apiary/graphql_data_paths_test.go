package main

import (
	"fmt"
	"testing"
)

// TestGraphQLDataErrorPaths: a value that can not be written as its field's type is an error
// at that field's own path — list index and alias included — and a null in the data, while
// its siblings are written as usual.
func TestGraphQLDataErrorPaths(t *testing.T) {
	s := MustServe(t, "sqlite")
	cfg := map[string]any{"database": "paths.db"}
	db, _ := openDatabase(t, "sqlite", s.m.DataDir, cfg)
	defer db.Close()
	// SQLite keeps 'x' in an INTEGER column: the rows 2 and 4 can not answer n as an Int.
	execAll(t, db,
		"CREATE TABLE item (id INTEGER PRIMARY KEY, n INTEGER, label TEXT NOT NULL)",
		"INSERT INTO item (id, n, label) VALUES (1, 10, 'one'), (2, 'x', 'two'), (3, 30, 'three'), (4, 'x', 'four')",
	)
	s.dbService("sqlite", cfg)

	data, errs := s.gqlData("db", `{
		all: item(order_by: {id: asc}) { id n label }
		four: item_by_pk(id: 4) { label n }
		one: item_by_pk(id: 1) { n }
	}`, nil, creds(s.admin, ""))
	var paths []string
	for _, e := range errs {
		paths = append(paths, fmt.Sprint(e.(map[string]any)["path"]))
	}
	if want := []string{"[all 1 n]", "[all 3 n]", "[four n]"}; fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("error paths %v, want %v (errors %v)", paths, want, errs)
	}
	all, _ := data["all"].([]any)
	if len(all) != 4 {
		t.Fatalf("all = %v", data["all"])
	}
	for i, wantN := range []any{float64(10), nil, float64(30), nil} {
		row := all[i].(map[string]any)
		if row["n"] != wantN || row["label"] == nil {
			t.Errorf("all[%d] = %v, want n %v and a label", i, row, wantN)
		}
	}
	if four := data["four"].(map[string]any); four["label"] != "four" || four["n"] != nil {
		t.Errorf("four = %v", four)
	}
	if one := data["one"].(map[string]any); one["n"] != float64(10) {
		t.Errorf("one = %v", one)
	}
}
