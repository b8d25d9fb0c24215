// GraphQL data API benchmarks (issue 5, "Performance"), on the shared database-benchmark server
// of bench_db_test.go (contact, 10,000 rows), plus contact_note (two notes per contact, indexed
// on contact_id):
//
//	go test -run '^$' -bench 'DBByID|GraphQLData|DBListRelated' -benchtime 2s -count 3 ./cmd/apiary/
//
//	BenchmarkGraphQLDataByPK/{kind}        POST /graphql/db_{kind}: contact_by_pk(id: $id) with
//	                                       every column, as the same non-admin user as
//	                                       BenchmarkDBByID (REST GET _table/contact/{id})
//	BenchmarkGraphQLDataListNested/{kind}  POST /graphql/db_{kind}: 20 Lisbon contacts with
//	                                       their notes (one has_many) — 2 SQL statements
//	BenchmarkDBListRelated/{kind}          the REST equivalent: GET _table/contact?filter=
//	                                       city='Lisbon'&limit=20&related=contact_note_by_contact_id
//
// Target: GraphQLDataByPK req/s ≥ 0.85 × DBByID req/s in the same run (medians over -count).
// The list benchmarks run as the sys-admin (the benchmark role reads contact only).
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	gqlBenchOnce sync.Once
	gqlBenchErr  error
)

// gqlBenchSetup adds contact_note to every benchmark database and refreshes the services'
// schemas, once.
func gqlBenchSetup(b *testing.B) *dbBenchEnv {
	b.Helper()
	d := dbBenchSetup(b)
	gqlBenchOnce.Do(func() {
		for _, k := range d.kinds {
			if gqlBenchErr = fillNotes(k.driver, k.dsn); gqlBenchErr != nil {
				gqlBenchErr = fmt.Errorf("%s: %w", k.kind, gqlBenchErr)
				return
			}
			if gqlBenchErr = d.call(http.MethodGet, d.main.URL+"/api/v2/"+k.service+"/_schema?refresh=true", d.adminHeader, nil, &map[string]any{}); gqlBenchErr != nil {
				return
			}
		}
	})
	if gqlBenchErr != nil {
		b.Fatalf("GraphQL benchmark setup: %v", gqlBenchErr)
	}
	return d
}

// fillNotes creates contact_note with two notes per contact.
func fillNotes(driver, dsn string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	for _, st := range []string{
		"CREATE TABLE contact_note (id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL REFERENCES contact(id), body VARCHAR(200) NOT NULL)",
		"CREATE INDEX contact_note_contact ON contact_note (contact_id)",
	} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
	}
	const batch = 500
	for start := 1; start <= dbBenchRows; start += batch {
		var sb strings.Builder
		sb.WriteString("INSERT INTO contact_note (id, contact_id, body) VALUES ")
		for id := start; id < start+batch && id <= dbBenchRows; id++ {
			if id > start {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "(%d, %d, 'first note of %d'), (%d, %d, 'second note of %d')", 2*id-1, id, id, 2*id, id, id)
		}
		if _, err := db.ExecContext(ctx, sb.String()); err != nil {
			return err
		}
	}
	return nil
}

// gqlBody is a POST body with variables.
func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// graphQLByPK is contact_by_pk with every column through /graphql/{service} as the benchmark
// user, ids cycling.
func (d *dbBenchEnv) graphQLByPK(k *dbBenchKind) load {
	const q = `query($id: Int!) { contact_by_pk(id: $id) { id first_name last_name email city age } }`
	u, h := d.main.URL+"/graphql/"+k.service, d.dbUserHeader()
	h.Set("Content-Type", "application/json")
	// The body is {"query":…,"variables":{"id":N}}, built by appending N: the client's JSON
	// encoding is not what is measured (the REST client only formats the id).
	head := gqlBody(q, map[string]any{"id": 0})
	head = head[:bytes.LastIndex(head, []byte(`0}}`))]
	var n atomic.Int64
	return load{newReq: func() (*http.Request, error) {
		return headerReq(h, http.MethodPost, u, append(strconv.AppendInt(slices.Clip(head), int64(nextID(&n)), 10), '}', '}'))
	}, check: gqlCheck(`"city"`)}
}

func BenchmarkGraphQLDataByPK(b *testing.B) {
	eachDBKind(b, gqlBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) { d.graphQLByPK(k).run(b, d.benchEnv) })
}

func BenchmarkGraphQLDataListNested(b *testing.B) {
	body := gqlBody(`{ contact(where: {city: {_eq: "`+dbBenchCity+`"}}, limit: 20) { id first_name last_name email city age contact_note_by_contact_id { id body } } }`, nil)
	eachDBKind(b, gqlBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) {
		u, h := d.main.URL+"/graphql/"+k.service, d.adminHeader.Clone()
		h.Set("Content-Type", "application/json")
		load{newReq: func() (*http.Request, error) {
			return headerReq(h, http.MethodPost, u, body)
		}, check: gqlCheck(`"second note of`)}.run(b, d.benchEnv)
	})
}

func BenchmarkDBListRelated(b *testing.B) {
	eachDBKind(b, gqlBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) {
		u, h := d.listURL(k)+"&related=contact_note_by_contact_id", d.adminHeader.Clone()
		load{newReq: func() (*http.Request, error) { return headerReq(h, http.MethodGet, u, nil) }, check: func(body []byte) error {
			if !bytes.Contains(body, []byte("second note of")) {
				return fmt.Errorf("REST answered %s", body)
			}
			return nil
		}}.run(b, d.benchEnv)
	})
}
