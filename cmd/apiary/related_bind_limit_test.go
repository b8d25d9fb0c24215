package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestManyManyPastBindLimit: a many_many read whose one parent links to more rows than SQLite
// binds in one statement (32766) once the IN list is rounded up to a power of two (20000 →
// 32768) answers, on every database kind, with max_records (1000) distinct related rows.
func TestManyManyPastBindLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 40000 rows")
	}
	const children = 20000
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			cfg := freshDatabase(t, kind, "bindlimit.db")
			db, idType := openDatabase(t, kind, s.m.DataDir, cfg)
			defer db.Close()
			execAll(t, db,
				"CREATE TABLE item (id "+idType+", name VARCHAR(20) NOT NULL)",
				"CREATE TABLE tag (id "+idType+", label VARCHAR(20) NOT NULL)",
				"CREATE TABLE item_tag (id "+idType+", item_id INTEGER NOT NULL, tag_id INTEGER NOT NULL, "+
					"FOREIGN KEY (item_id) REFERENCES item(id), FOREIGN KEY (tag_id) REFERENCES tag(id))",
				"INSERT INTO item (name) VALUES ('one')",
			)
			for start := 1; start <= children; start += 1000 {
				tags, links := make([]string, 0, 1000), make([]string, 0, 1000)
				for i := start; i < start+1000; i++ {
					tags = append(tags, fmt.Sprintf("('t%d')", i))
					links = append(links, fmt.Sprintf("(1, %d)", i))
				}
				execAll(t, db,
					"INSERT INTO tag (label) VALUES "+strings.Join(tags, ","),
					"INSERT INTO item_tag (item_id, tag_id) VALUES "+strings.Join(links, ","),
				)
			}
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			row := s.must(200, "GET", "/api/v2/db/_table/item/1?related=tag_by_item_tag", nil).(map[string]any)
			tags, _ := row["tag_by_item_tag"].([]any)
			seen := map[string]bool{}
			for _, tg := range tags {
				seen[fmt.Sprint(tg.(map[string]any)["label"])] = true
			}
			if len(tags) != 1000 || len(seen) != 1000 {
				t.Errorf("tag_by_item_tag holds %d tags (%d distinct), want max_records: 1000", len(tags), len(seen))
			}
		})
	}
}
