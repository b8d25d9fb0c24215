package sqldb

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	entdialect "entgo.io/ent/dialect"
	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/store"
	"github.com/apiary/apiary/platform/store/storetest"
)

// perParentDB returns a counted service over an empty database of dialect (SQLite always;
// PostgreSQL in a throw-away schema and MySQL/MariaDB in a throw-away database when their
// DSNs are set, else the test is skipped) and a plain pool to fill it.
func perParentDB(t *testing.T, dialect string) (*Service, *sql.DB, *storetest.CountingDriver) {
	t.Helper()
	var d *storetest.CountingDriver
	var err error
	var dsn, rawDriver string
	switch dialect {
	case entdialect.SQLite:
		d, err = storetest.CountingSQLite()
		dsn, rawDriver = store.SQLiteDSN(filepath.Join(t.TempDir(), "rel.db")), "sqlite"
	case entdialect.Postgres:
		base := os.Getenv("APIARY_TEST_POSTGRES_DSN")
		if base == "" {
			t.Skip("APIARY_TEST_POSTGRES_DSN is not set")
		}
		d, err = storetest.CountingPostgres()
		rawDriver = "pgx"
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("apiary_rel_%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE SCHEMA " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + name + " CASCADE"); admin.Close() })
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", name)
		u.RawQuery = q.Encode()
		dsn = u.String()
	case entdialect.MySQL:
		base := os.Getenv("APIARY_TEST_MYSQL_DSN")
		if base == "" {
			t.Skip("APIARY_TEST_MYSQL_DSN is not set")
		}
		d, err = storetest.CountingMySQL()
		rawDriver = "mysql"
		admin, err := sql.Open("mysql", base)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("apiary_rel_%d", time.Now().UnixNano())
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE " + name); admin.Close() })
		cfg, err := mysqldriver.ParseDSN(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName, cfg.ParseTime = name, true
		dsn = cfg.FormatDSN()
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open(rawDriver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	s := &Service{name: "db", conn: &conn{driver: rawDriver + "-counting", dialect: dialect, dsn: dsn, maxRecords: 1000}}
	t.Cleanup(func() { s.Close() })
	MustServeService(t, s)
	return s, raw, d
}

// TestRelatedPerParentLimit: with <rel>.limit, has_many and many_many read at most that many
// rows per parent in SQL (one statement per relation, the rows the driver returns are the rows
// answered), in the relation's order, on every database; the row number is not in the answer.
func TestRelatedPerParentLimit(t *testing.T) {
	for _, dialect := range []string{entdialect.SQLite, entdialect.Postgres, entdialect.MySQL} {
		t.Run(dialect, func(t *testing.T) {
			s, raw, d := perParentDB(t, dialect)
			// Contact i has i infos (e1…ei) and is in groups 1…i of 5; contact 6 has none.
			serial := map[string]string{entdialect.SQLite: "INTEGER PRIMARY KEY AUTOINCREMENT",
				entdialect.Postgres: "SERIAL PRIMARY KEY", entdialect.MySQL: "INT AUTO_INCREMENT PRIMARY KEY"}[dialect]
			stmts := []string{
				"CREATE TABLE contact (id INTEGER PRIMARY KEY, first_name VARCHAR(64) NOT NULL)",
				"CREATE TABLE contact_info (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL REFERENCES contact(id), email VARCHAR(64), kind VARCHAR(8))",
				"CREATE TABLE contact_group (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL)",
				"CREATE TABLE contact_group_relationship (id " + serial + ", contact_id INTEGER NOT NULL REFERENCES contact(id), " +
					"contact_group_id INTEGER NOT NULL REFERENCES contact_group(id))",
			}
			info, link := 0, 0
			for g := 1; g <= 5; g++ {
				stmts = append(stmts, fmt.Sprintf("INSERT INTO contact_group (id, name) VALUES (%d, 'g%d')", g, g))
			}
			for i := 1; i <= 6; i++ {
				stmts = append(stmts, fmt.Sprintf("INSERT INTO contact (id, first_name) VALUES (%d, 'c%d')", i, i))
				for j := 1; j <= i && i < 6; j++ {
					info++
					stmts = append(stmts, fmt.Sprintf("INSERT INTO contact_info (id, contact_id, email, kind) VALUES (%d, %d, 'e%d', '%s')",
						info, i, j, map[bool]string{true: "home", false: "work"}[j%2 == 1]))
					if j <= 5 {
						link++
						stmts = append(stmts, fmt.Sprintf("INSERT INTO contact_group_relationship (id, contact_id, contact_group_id) VALUES (%d, %d, %d)", link, i, j))
					}
				}
			}
			// a duplicate link counts once
			stmts = append(stmts, "INSERT INTO contact_group_relationship (id, contact_id, contact_group_id) VALUES (100, 5, 5)")
			for _, st := range stmts {
				if _, err := raw.Exec(st); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			ctx := t.Context()
			c, db, err := s.schema(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			ts, tbl, err := c.table("contact")
			if err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name          string
				query         url.Values
				rel, field    string
				want          string
				statements    int64
				rowsFromStore int64
			}{
				{"has_many, order desc", url.Values{"contact_info_by_contact_id.limit": {"2"}, "contact_info_by_contact_id.order": {"email desc"}},
					"contact_info_by_contact_id", "email",
					"1:[e1] 2:[e2 e1] 3:[e3 e2] 4:[e4 e3] 5:[e5 e4] 6:[]", 1, 9},
				{"has_many, default order (key)", url.Values{"contact_info_by_contact_id_limit": {"1"}},
					"contact_info_by_contact_id", "email",
					"1:[e1] 2:[e1] 3:[e1] 4:[e1] 5:[e1] 6:[]", 1, 5},
				{"has_many, ties broken by the key", url.Values{"contact_info_by_contact_id.limit": {"2"}, "contact_info_by_contact_id.order": {"kind"}},
					"contact_info_by_contact_id", "email",
					"1:[e1] 2:[e1 e2] 3:[e1 e3] 4:[e1 e3] 5:[e1 e3] 6:[]", 1, 9},
				{"many_many, order desc", url.Values{"contact_group_by_contact_group_relationship.limit": {"2"},
					"contact_group_by_contact_group_relationship.order": {"name desc"}},
					"contact_group_by_contact_group_relationship", "name",
					"1:[g1] 2:[g2 g1] 3:[g3 g2] 4:[g4 g3] 5:[g5 g4] 6:[]", 1, 9},
				{"many_many, limit above the count", url.Values{"contact_group_by_contact_group_relationship.limit": {"10"}},
					"contact_group_by_contact_group_relationship", "name",
					"1:[g1] 2:[g1 g2] 3:[g1 g2 g3] 4:[g1 g2 g3 g4] 5:[g1 g2 g3 g4 g5] 6:[]", 1, 15},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					rows, err := tbl.Select(ctx, db, s.conn.dialect, sqlQueryAll(tbl))
					if err != nil {
						t.Fatal(err)
					}
					q := url.Values{"related": {tc.rel}}
					for k, v := range tc.query {
						q[k] = v
					}
					req := &platform.Request{Method: "GET", Query: q, Session: &platform.Session{SysAdmin: true}, Requestor: platform.RequestorAPI}
					stmts, read := d.Queries(), d.Rows()
					if _, err := s.attachRelated(ctx, req, c, ts, rows); err != nil {
						t.Fatal(err)
					}
					if got := d.Queries() - stmts; got != tc.statements {
						t.Errorf("%d statements, want %d", got, tc.statements)
					}
					if got := d.Rows() - read; got != tc.rowsFromStore {
						t.Errorf("the database returned %d rows, want %d (at most the limit per parent)", got, tc.rowsFromStore)
					}
					var got []string
					for _, r := range rows {
						var vals []string
						for _, x := range r[tc.rel].([]any) {
							m := x.(map[string]any)
							for k := range m {
								if strings.Contains(k, "apiary") || strings.Contains(k, "\x00") {
									t.Errorf("helper column %q in a related row", k)
								}
							}
							vals = append(vals, fmt.Sprint(m[tc.field]))
						}
						got = append(got, fmt.Sprintf("%v:%v", r["id"], vals))
					}
					if g := strings.Join(got, " "); g != tc.want {
						t.Errorf("got  %s\nwant %s", g, tc.want)
					}
				})
			}
			// A per-parent read with an offset (the GraphQL data API's nested offset), with and
			// without a limit, by key column and through the junction.
			junction := &platform.PerParentLink{Table: "contact_group_relationship", Parent: "contact_id", Child: "contact_group_id", Ref: "id"}
			for _, tc := range []struct {
				name, table, order, field string
				pp                        platform.PerParent
				want                      string
			}{
				{"has_many, offset 1 limit 2", "contact_info", "email desc", "email",
					platform.PerParent{Key: "contact_id", Limit: 2, Offset: 1}, "2:[e1] 3:[e2 e1] 4:[e3 e2] 5:[e4 e3]"},
				{"has_many, offset 3", "contact_info", "email desc", "email",
					platform.PerParent{Key: "contact_id", Offset: 3}, "4:[e1] 5:[e2 e1]"},
				{"many_many, offset 1 limit 2", "contact_group", "name", "name",
					platform.PerParent{Key: "parent", Limit: 2, Offset: 1, Link: junction}, "2:[g2] 3:[g2 g3] 4:[g2 g3] 5:[g2 g3]"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					tc.pp.Keys = []any{int64(1), int64(2), int64(3), int64(4), int64(5), int64(6)}
					stmts := d.Queries()
					resp := s.p.Handle(ctx, &platform.Request{Method: "GET", Service: "db", Resource: "_table/" + tc.table,
						Query: url.Values{"order": {tc.order}}, Session: &platform.Session{SysAdmin: true}, PerParent: &tc.pp})
					if resp.Err != nil {
						t.Fatal(resp.Err)
					}
					if got := d.Queries() - stmts; got != 1 {
						t.Errorf("%d statements, want 1", got)
					}
					byParent := map[string][]string{}
					for _, r := range platform.ContentRecords(resp.Content) {
						k := fmt.Sprint(r[tc.pp.Key])
						byParent[k] = append(byParent[k], fmt.Sprint(r[tc.field]))
					}
					var got []string
					for i := 1; i <= 6; i++ {
						if vals := byParent[fmt.Sprint(i)]; vals != nil {
							got = append(got, fmt.Sprintf("%d:%v", i, vals))
						}
					}
					if g := strings.Join(got, " "); g != tc.want {
						t.Errorf("got  %s\nwant %s", g, tc.want)
					}
				})
			}
		})
	}
}
