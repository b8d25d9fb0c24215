package sqldb

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	entdialect "entgo.io/ent/dialect"
	_ "modernc.org/sqlite" // driver "sqlite"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/sqltable"
	"github.com/apiary/apiary/platform/store"
	"github.com/apiary/apiary/platform/store/storetest"
)

// countingSQLite registers the driver "sqlite-counting" once.
func countingSQLite(t *testing.T) *storetest.CountingDriver {
	d, err := storetest.CountingSQLite()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// relatedFixture is an address book with a many_many junction: 20 contacts with two infos
// each, 3 groups, every contact in two groups.
func relatedFixture(t *testing.T) (*Service, *catalog, *store.CachedDB, *storetest.CountingDriver, *firedEvents) {
	t.Helper()
	d := countingSQLite(t)
	path := filepath.Join(t.TempDir(), "rel.db")
	raw, err := sql.Open("sqlite", store.SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	stmts := []string{
		"CREATE TABLE contact (id INTEGER PRIMARY KEY AUTOINCREMENT, first_name TEXT NOT NULL)",
		"CREATE TABLE contact_info (id INTEGER PRIMARY KEY AUTOINCREMENT, contact_id INTEGER NOT NULL REFERENCES contact(id), email TEXT)",
		"CREATE TABLE contact_group (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL)",
		"CREATE TABLE contact_group_relationship (id INTEGER PRIMARY KEY AUTOINCREMENT, " +
			"contact_id INTEGER NOT NULL REFERENCES contact(id), contact_group_id INTEGER NOT NULL REFERENCES contact_group(id))",
		"INSERT INTO contact_group (name) VALUES ('a'), ('b'), ('c')",
	}
	for i := 1; i <= 20; i++ {
		stmts = append(stmts,
			fmt.Sprintf("INSERT INTO contact (id, first_name) VALUES (%d, 'c%d')", i, i),
			fmt.Sprintf("INSERT INTO contact_info (contact_id, email) VALUES (%d, 'x%d@a.test'), (%d, 'x%d@b.test')", i, i, i, i),
			fmt.Sprintf("INSERT INTO contact_group_relationship (contact_id, contact_group_id) VALUES (%d, %d), (%d, %d)", i, 1+i%3, i, 1+(i+1)%3),
		)
	}
	for _, st := range stmts {
		if _, err := raw.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	s := &Service{name: "db", conn: &conn{driver: "sqlite-counting", dialect: entdialect.SQLite, dsn: store.SQLiteDSN(path), maxRecords: 1000}}
	t.Cleanup(func() { s.Close() })
	fired := MustServeService(t, s)
	c, db, err := s.schema(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	return s, c, db, d, fired
}

// TestRelatedOneQueryPerRelation: related rows of 20 parents load in one statement per
// relation (two for many_many: the junction, then the targets), whatever the row count, by
// one internal GET of the related table per relation (its events fire once).
func TestRelatedOneQueryPerRelation(t *testing.T) {
	s, c, db, d, fired := relatedFixture(t)
	ctx := t.Context()
	read := func(table string) []map[string]any {
		_, tbl, err := c.table(table)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tbl.Select(ctx, db, s.conn.dialect, sqlQueryAll(tbl))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	cases := []struct {
		table, related string
		want           int64
		check          func(rows []map[string]any) error
		reads          []string // the related tables read, in order
	}{
		{"contact", "contact_info_by_contact_id", 1, func(rows []map[string]any) error {
			for _, r := range rows {
				if n := len(r["contact_info_by_contact_id"].([]any)); n != 2 {
					return fmt.Errorf("contact %v has %d infos", r["id"], n)
				}
			}
			return nil
		}, []string{"contact_info"}},
		{"contact_info", "contact_by_contact_id", 1, func(rows []map[string]any) error {
			for _, r := range rows {
				p, _ := r["contact_by_contact_id"].(map[string]any)
				if p == nil || p["id"] != r["contact_id"] {
					return fmt.Errorf("info %v has contact %v", r["id"], r["contact_by_contact_id"])
				}
			}
			return nil
		}, []string{"contact"}},
		{"contact", "contact_group_by_contact_group_relationship", 2, func(rows []map[string]any) error {
			for _, r := range rows {
				if n := len(r["contact_group_by_contact_group_relationship"].([]any)); n != 2 {
					return fmt.Errorf("contact %v is in %d groups", r["id"], n)
				}
			}
			return nil
		}, []string{"contact_group"}},
		{"contact", "*", 4, nil, []string{"contact_group_relationship", "contact_info", "contact_group"}},
	}
	for _, tc := range cases {
		t.Run(tc.table+"/"+tc.related, func(t *testing.T) {
			rows := read(tc.table)
			if tc.table == "contact" && len(rows) != 20 || tc.table == "contact_info" && len(rows) != 40 {
				t.Fatalf("%d parent rows", len(rows))
			}
			ts, _, _ := c.table(tc.table)
			req := &platform.Request{Method: "GET", Query: url.Values{"related": {tc.related}},
				Session: &platform.Session{SysAdmin: true}, Requestor: platform.RequestorAPI}
			before := d.Queries()
			fired.take()
			names, err := s.attachRelated(ctx, req, c, ts, rows)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Queries() - before; got != tc.want {
				t.Errorf("%d statements for related=%s on %d rows, want %d", got, tc.related, len(rows), tc.want)
			}
			var reads []string
			for _, ev := range fired.take() {
				if table, ok := strings.CutSuffix(strings.TrimPrefix(ev, "db._table."), ".get.pre_process"); ok && table != "{table_name}" {
					reads = append(reads, table)
				}
			}
			if !reflect.DeepEqual(reads, tc.reads) {
				t.Errorf("related=%s read %v through the pipeline, want %v", tc.related, reads, tc.reads)
			}
			t.Logf("related=%s on %d %s rows: %d statements (%v)", tc.related, len(rows), tc.table, d.Queries()-before, names)
			if tc.check != nil {
				if err := tc.check(rows); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestRelatedOptions: per-relation fields, order and limit (dot and underscore forms), null
// and [] for rows without related rows, unknown names, and the related table's RBAC.
func TestRelatedOptions(t *testing.T) {
	s, c, db, _, _ := relatedFixture(t)
	ctx := t.Context()
	ts, tbl, _ := c.table("contact")
	rows := func() []map[string]any {
		rows, err := tbl.Select(ctx, db, s.conn.dialect, sqlQueryAll(tbl))
		if err != nil {
			t.Fatal(err)
		}
		return rows[:3]
	}
	admin := &platform.Session{SysAdmin: true}
	run := func(q url.Values, sess *platform.Session) ([]map[string]any, error) {
		r := rows()
		_, err := s.attachRelated(ctx, &platform.Request{Method: "GET", Query: q, Session: sess, Requestor: platform.RequestorAPI}, c, ts, r)
		return r, err
	}
	for _, sep := range []string{".", "_"} {
		r, err := run(url.Values{"related": {"contact_info_by_contact_id"}, "contact_info_by_contact_id" + sep + "fields": {"email"},
			"contact_info_by_contact_id" + sep + "order": {"email desc"}, "contact_info_by_contact_id" + sep + "limit": {"1"}}, admin)
		if err != nil {
			t.Fatal(err)
		}
		want := []any{map[string]any{"email": "x1@b.test"}}
		if got := r[0]["contact_info_by_contact_id"]; !reflect.DeepEqual(got, want) {
			t.Errorf("options with %q: %v, want %v", sep, got, want)
		}
	}
	if _, err := run(url.Values{"related": {"nope"}}, admin); platform.AsError(err).Status != 400 ||
		!strings.HasPrefix(platform.AsError(err).Message, "Invalid relationship 'nope' requested. Send one of: ") ||
		!strings.Contains(platform.AsError(err).Message, "contact_info_by_contact_id") {
		t.Errorf("unknown relation: %v", err)
	}
	if _, err := run(url.Values{"related": {"contact_info_by_contact_id"}, "contact_info_by_contact_id.fields": {"nope"}}, admin); platform.AsError(err).Status != 400 {
		t.Errorf("unknown related field: %v", err)
	}
	contactsOnly := &platform.Session{User: &ent.User{ID: 1}, Role: &platform.Role{IsActive: true, Access: []access.Entry{
		{Service: "db", Component: "_table/contact", VerbMask: 1, RequestorMask: 1}}}}
	if _, err := run(url.Values{"related": {"contact_info_by_contact_id"}}, contactsOnly); platform.AsError(err).Status != 403 ||
		platform.AsError(err).Message != "Access Forbidden. GET access to component '_table/contact_info' of service 'db' is not allowed by this user's role." {
		t.Errorf("no access to the related table: %v", err)
	}
	// A parent whose key matches nothing gets [] (has_many) or null (belongs_to).
	r := rows()
	r[0]["id"] = int64(999)
	if _, err := s.attachRelated(ctx, &platform.Request{Query: url.Values{"related": {"*"}}, Session: admin}, c, ts, r); err != nil {
		t.Fatal(err)
	}
	if got := r[0]["contact_info_by_contact_id"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("no infos: %#v", got)
	}
	if got := r[0]["contact_group_by_contact_group_relationship"]; !reflect.DeepEqual(got, []any{}) {
		t.Errorf("no groups: %#v", got)
	}
	is, itbl, _ := c.table("contact_info")
	infos, err := itbl.Select(ctx, db, s.conn.dialect, sqlQueryAll(itbl))
	if err != nil {
		t.Fatal(err)
	}
	infos = infos[:1]
	infos[0]["contact_id"] = int64(999)
	if _, err := s.attachRelated(ctx, &platform.Request{Query: url.Values{"related": {"contact_by_contact_id"}}, Session: admin}, c, is, infos); err != nil {
		t.Fatal(err)
	}
	if v, ok := infos[0]["contact_by_contact_id"]; !ok || v != nil {
		t.Errorf("no contact: %#v", v)
	}
}

// sqlQueryAll reads every row by id.
func sqlQueryAll(*sqltable.Table) sqltable.Query {
	return sqltable.Query{Order: []sqltable.Order{{Column: "id"}}}
}

func TestPadded(t *testing.T) {
	for n, want := range map[int]int{1: 1, 2: 2, 3: 4, 20: 32, 1000: 1024} {
		if got := padded(n); got != want {
			t.Errorf("padded(%d) = %d, want %d", n, got, want)
		}
	}
}
