package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestStoredRoutines: _func and _proc list and call the database's functions and procedures
// (reference §2.7) on PostgreSQL and MySQL/MariaDB — arguments by name in the body, positional
// inline, or as query parameters; scalar and table results; OUT parameters in the answer.
func TestStoredRoutines(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite", func(m *Main) { m.Scripts = nil }) // with the script engine
			cfg := addressBook(t, kind, s.m.DataDir)
			s.must(201, "POST", "/api/v2/system/service", rec(map[string]any{"name": "db", "type": kind, "config": cfg}))
			if kind == "sqlite" {
				if got := s.must(200, "GET", "/api/v2/db/_table/%63ontact/1?fields=first_name", nil); fmt.Sprint(got) != "map[first_name:Jane]" {
					t.Errorf("a percent-encoded path: %v", got) // decoded before routing, as DreamFactory does
				}
				if status, body := s.do("GET", "/api/v2/db/_table/contact/a%2541", nil, creds(s.admin, "")); status != 404 ||
					errorMessage(body) != "Record with identifier 'a%41' not found." {
					t.Errorf("a path is decoded once: %d %v", status, body)
				}
				if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db?as_list=true", nil)); got != "map[resource:[_schema _table]]" {
					t.Errorf("SQLite resources: %s", got)
				}
				if status, body := s.do("GET", "/api/v2/db/_proc", nil, creds(s.admin, "")); status != 400 {
					t.Errorf("_proc on SQLite: %d %v", status, body)
				}
				return
			}
			driver, dsn := "pgx", cfg["dsn"].(string)
			stmts := []string{
				`CREATE FUNCTION add_ints(a integer, b integer) RETURNS integer AS $$ SELECT a + b $$ LANGUAGE sql`,
				`CREATE FUNCTION contacts_named(prefix text) RETURNS TABLE(id integer, first_name varchar) AS $$ SELECT id, first_name FROM contact WHERE first_name LIKE prefix || '%' ORDER BY id $$ LANGUAGE sql`,
				`CREATE PROCEDURE rename_contact(cid integer, new_name varchar, INOUT old_name varchar DEFAULT NULL) AS $$ BEGIN SELECT first_name INTO old_name FROM contact WHERE id = cid; UPDATE contact SET first_name = new_name WHERE id = cid; END $$ LANGUAGE plpgsql`,
			}
			if kind == "mysql" {
				driver = "mysql"
				stmts = []string{
					`CREATE FUNCTION add_ints(a INT, b INT) RETURNS INT DETERMINISTIC RETURN a + b`,
					`CREATE PROCEDURE contacts_named(IN prefix VARCHAR(40)) SELECT id, first_name FROM contact WHERE first_name LIKE CONCAT(prefix, '%') ORDER BY id`,
					`CREATE PROCEDURE rename_contact(IN cid INT, IN new_name VARCHAR(40), OUT old_name VARCHAR(40)) BEGIN SELECT first_name INTO old_name FROM contact WHERE id = cid; UPDATE contact SET first_name = new_name WHERE id = cid; END`,
				}
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			execAll(t, db, stmts...)
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db?as_list=true", nil)); got != "map[resource:[_schema _table _proc _func]]" {
				t.Errorf("resources: %s", got)
			}
			funcs, procs := "[add_ints contacts_named]", "[rename_contact]"
			if kind == "mysql" {
				funcs, procs = "[add_ints]", "[contacts_named rename_contact]"
			}
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_func?as_list=true", nil).(map[string]any)["resource"]); got != funcs {
				t.Errorf("functions: %s", got)
			}
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_proc?as_list=true", nil).(map[string]any)["resource"]); got != procs {
				t.Errorf("procedures: %s", got)
			}
			if got := s.must(200, "GET", "/api/v2/db/_func/add_ints?a=2&b=3", nil); got != float64(5) {
				t.Errorf("query arguments: %v", got)
			}
			if got := s.must(200, "POST", "/api/v2/db/_func/add_ints", map[string]any{"params": []any{
				map[string]any{"name": "b", "value": 5}, map[string]any{"name": "a", "value": 4}}}); got != float64(9) {
				t.Errorf("named body arguments: %v", got)
			}
			if got := s.must(200, "GET", "/api/v2/db/_func/"+url.PathEscape("add_ints(1,2)"), nil); got != float64(3) {
				t.Errorf("inline arguments: %v", got)
			}
			named := "/api/v2/db/_func/contacts_named?prefix=J"
			if kind == "mysql" {
				named = "/api/v2/db/_proc/contacts_named?prefix=J"
			}
			if got := fmt.Sprint(s.must(200, "GET", named, nil)); got != "map[resource:[map[first_name:Jane id:1] map[first_name:John id:2] map[first_name:Jim id:3]]]" {
				t.Errorf("rows: %s", got)
			}
			out := s.must(200, "POST", "/api/v2/db/_proc/rename_contact", map[string]any{"params": []any{
				map[string]any{"name": "cid", "value": 2}, map[string]any{"name": "new_name", "value": "Jon"}}})
			if got := fmt.Sprint(out); got != "map[old_name:John]" {
				t.Errorf("OUT parameter: %s", got)
			}
			if got := s.contacts("first_name"); got != "Jane,Jon,Jim,Alice" {
				t.Errorf("the procedure's update: %s", got)
			}
			s.script("db._func.add_ints.get.post_process", `event.response.content = {sum: event.response.content, resource: event.resource};`, true)
			if got := fmt.Sprint(s.must(200, "GET", "/api/v2/db/_func/add_ints?a=1&b=1", nil)); got != "map[resource:add_ints sum:2]" {
				t.Errorf("a post_process script on the function: %s", got)
			}
			events := fmt.Sprint(s.must(200, "GET", "/api/v2/system/event?as_list=true&service=db", nil))
			for _, e := range []string{"db._func.{function_name}.get", "db._func.add_ints.post", "db._proc.rename_contact.post"} {
				if !strings.Contains(events, e+" ") && !strings.Contains(events, e+"]") {
					t.Errorf("system/event lacks %s", e)
				}
			}
			if status, body := s.do("GET", "/api/v2/db/_func/"+url.PathEscape("add_ints(1,2)_x"), nil, creds(s.admin, "")); status != 400 {
				t.Errorf("text after the arguments: %d %v", status, body)
			}
			dry := s.must(200, "POST", "/api/v2/system/script_run", map[string]any{"content": `platform.api.get("db/_proc/rename_contact?cid=1&new_name=Dry");`}).(map[string]any)
			if calls := fmt.Sprint(dry["would_call"]); !strings.Contains(calls, "_proc/rename_contact") {
				t.Errorf("a dry run's procedure call is not listed: %s (%v)", calls, dry["error"])
			}
			if got := s.contacts("first_name"); got != "Jane,Jon,Jim,Alice" {
				t.Errorf("a dry run called a procedure: %s", got)
			}
			if status, body := s.do("GET", "/api/v2/db/_func/nope", nil, creds(s.admin, "")); status != 404 || errorMessage(body) != "Stored function 'nope' not found." {
				t.Errorf("unknown function: %d %v", status, body)
			}
			if status, body := s.do("POST", "/api/v2/db/_func/add_ints", map[string]any{"params": []any{map[string]any{"name": "c", "value": 1}}}, creds(s.admin, "")); status != 400 {
				t.Errorf("unknown parameter: %d %v", status, body)
			}
			if kind == "pgsql" {
				if status, body := s.do("GET", "/api/v2/db/_func/add_ints?a=abc&b=1", nil, creds(s.admin, "")); status != 400 {
					t.Errorf("a value of the wrong type: %d %v", status, body)
				}
			}
		})
	}
}
