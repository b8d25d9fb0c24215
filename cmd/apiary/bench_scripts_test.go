// Script benchmarks (issue 4, "Performance"): what event scripts add to a _table read.
//
//	go test -run '^$' -bench 'Scripts' -benchtime 2s -count 3 ./cmd/apiary/
//
// runs, in one process against the shared server (bench_test.go, bench_db_test.go), GET
// /api/v2/{svc}/_table/contact/{id} (ids cycling over 1..10000, as a sys-admin) on three services
// over the same SQLite file:
//
//	none     db_sqlite: no script
//	pre      db_pre: a pre_process script (allow_event_modification) that validates the query
//	         parameters and rewrites them (fields), as DreamFactory's validation samples do
//	prepost  db_prepost: the same pre_process plus a post_process that adds a computed field
//
// each with 1, 8 and 64 concurrent keep-alive clients (sub-benchmarks c1, c8, c64). Each reports
// req/s, p50-µs, p99-µs and cpu-µs/op (process CPU per request, client included: steadier than
// latency on a busy machine). Targets: added p50 latency per script ≤ 30 µs — (p50 pre − p50 none)
// and (p50 prepost − p50 none) / 2 at c1, where latency is not queueing — and req/s at c64 ≥ 0.80
// × req/s at c8 for every variant (no pool cliff: the engine's pool waits instead of building
// throw-away runtimes).
package main

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const benchPreScript = `var p = event.request.parameters;
if (p.fields !== undefined && !/^[a-z_,*]+$/.test(p.fields)) {
    throw {status_code: 400, message: "fields may only name columns"};
}
event.request.parameters.fields = "id,first_name,last_name,email,city,age";`

const benchPostScript = `var r = event.response.content;
r.full_name = r.first_name + " " + r.last_name;`

var (
	scriptBenchOnce sync.Once
	scriptBenchErr  error
)

// scriptBenchSetup creates db_pre and db_prepost (the SQLite contacts.db of bench_db_test.go)
// and their scripts, once.
func scriptBenchSetup(b *testing.B) *dbBenchEnv {
	b.Helper()
	d := dbBenchSetup(b)
	scriptBenchOnce.Do(func() {
		for _, svc := range []string{"db_pre", "db_prepost"} {
			if err := d.call(http.MethodPost, d.main.URL+"/api/v2/system/service", d.adminHeader, map[string]any{"resource": []any{
				map[string]any{"name": svc, "label": svc, "type": "sqlite", "config": map[string]any{"database": "contacts.db"}},
			}}, nil); err != nil {
				scriptBenchErr = fmt.Errorf("creating %s: %w", svc, err)
				return
			}
		}
		scripts := []map[string]any{
			{"name": "db_pre._table.contact.{id}.get.pre_process", "content": benchPreScript},
			{"name": "db_prepost._table.contact.{id}.get.pre_process", "content": benchPreScript},
			{"name": "db_prepost._table.contact.{id}.get.post_process", "content": benchPostScript},
		}
		for _, s := range scripts {
			s["type"], s["is_active"], s["allow_event_modification"] = "v8js", true, true
			if err := d.call(http.MethodPost, d.main.URL+"/api/v2/system/event_script", d.adminHeader,
				map[string]any{"resource": []any{s}}, nil); err != nil {
				scriptBenchErr = fmt.Errorf("creating %s: %w", s["name"], err)
				return
			}
		}
		var out map[string]any
		if err := d.call(http.MethodGet, d.main.URL+"/api/v2/db_prepost/_table/contact/7", d.adminHeader, nil, &out); err != nil {
			scriptBenchErr = err
			return
		}
		if out["full_name"] == nil {
			scriptBenchErr = fmt.Errorf("the post_process script did not run: %v", out)
		}
	})
	if scriptBenchErr != nil {
		b.Fatalf("script benchmark setup: %v", scriptBenchErr)
	}
	return d
}

func BenchmarkScripts(b *testing.B) {
	for _, variant := range []struct{ name, service string }{{"none", "db_sqlite"}, {"pre", "db_pre"}, {"prepost", "db_prepost"}} {
		for _, clients := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("%s/c%d", variant.name, clients), func(b *testing.B) {
				d := scriptBenchSetup(b)
				base := d.main.URL + "/api/v2/" + variant.service + "/_table/contact/"
				var n atomic.Int64
				runClients(b, d.benchEnv, clients, func() (*http.Request, error) {
					return headerReq(d.adminHeader, http.MethodGet, base+strconv.Itoa(nextID(&n)), nil)
				})
			})
		}
	}
}

// runClients sends b.N requests from exactly clients concurrent keep-alive clients and reports
// req/s, p50-µs and p99-µs (client-side latency of every request).
func runClients(b *testing.B, e *benchEnv, clients int, newReq func() (*http.Request, error)) {
	b.Helper()
	b.ReportAllocs()
	var (
		next   atomic.Int64
		mu     sync.Mutex
		all    = make([]time.Duration, 0, b.N)
		failed atomic.Bool
		wg     sync.WaitGroup
	)
	cpu0 := processCPU()
	b.ResetTimer()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, b.N/clients+1)
			buf := make([]byte, 32<<10)
			for next.Add(1) <= int64(b.N) && !failed.Load() {
				req, err := newReq()
				if err != nil {
					failed.Store(true)
					b.Errorf("building the request: %v", err)
					break
				}
				start := time.Now()
				resp, err := e.client.Do(req)
				if err != nil {
					failed.Store(true)
					b.Errorf("request: %v", err)
					break
				}
				nread := 0
				for {
					k, rerr := resp.Body.Read(buf[nread%len(buf):])
					nread += k
					if rerr != nil {
						break
					}
				}
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					failed.Store(true)
					b.Errorf("status %d (run with -v for the server log)", resp.StatusCode)
					break
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu := processCPU() - cpu0
	if b.Failed() || len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / float64(time.Microsecond) }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
