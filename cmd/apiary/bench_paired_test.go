// Paired benchmarks: every performance target is a ratio of two endpoints' req/s "in one run",
// and on a shared VM the machine's speed drifts by ±15 % within seconds, so two benchmarks run
// one after the other measure the drift as much as the code. BenchmarkPaired measures each
// target's two endpoints in alternating segments of pairedSegment requests (the same
// ~8 concurrent keep-alive clients as runLoad), in quartets baseline, candidate, candidate,
// baseline. In plain alternation each side always follows the other, so what one leaves
// behind (garbage to collect, connections still busy) always lands on the other: PostgreSQL by
// id read 0.66 with the baseline first in each pair and 1/1.24 = 0.80 with it second. In a
// quartet each side follows itself once and the other once; both orders then read 0.80-0.81.
// A segment is longer than a garbage-collection cycle (pairedSegment), so that each side pays
// for collecting its own garbage.
// It reports, per target:
//
//	ratio       the median over quartets of candidate req/s ÷ baseline req/s
//	base-req/s  the baseline's req/s over all its segments
//	req/s       the candidate's req/s over all its segments
//
// self-baseline measures the role baseline against itself: how far from 1 the method's own
// ratio lands on this machine.
//
//	go test -run '^$' -bench Paired -benchtime 20000x -count 7 ./cmd/apiary/
//
// One op is one request to each side. The targets:
//
//	rest-role             GET /api/v2/system/role/{id}     ÷ chi + SQLite baseline  (issue 2: ≥ 0.70)
//	graphql-role          POST /graphql role(id:)          ÷ chi + SQLite baseline  (issue 2: ≥ 0.70)
//	graphql-roles-where   POST /graphql roles(where: id)   ÷ chi + SQLite baseline  (the connection form)
//	db-by-id/{kind}       GET _table/contact/{id}          ÷ chi + database/sql     (issue 3: ≥ 0.70)
//	db-list/{kind}        GET _table/contact?filter&limit  ÷ chi + database/sql     (issue 3: ≥ 0.80)
//	graphql-by-pk/{kind}  contact_by_pk through /graphql/… ÷ REST GET by id         (issue 5: ≥ 0.85)
package main

import (
	"bytes"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pairedSegment is how many requests one side gets before the other's turn: long enough that
// the ramp of a segment's start and end is small and that a garbage collection, started by
// what both sides allocated, falls mostly on the side whose garbage started it (with the
// server's 32 MiB heap floor a cycle comes every 1000-2500 requests; with 500-request
// segments the self-baseline read 1.15 and the ratios drifted up by the other side's garbage;
// GOGC=100 in the environment turns the floor off, for comparison),
// short enough (a few hundred milliseconds) that the machine's speed is about the same for
// both halves of a quartet.
const pairedSegment = 2500

// pairedLoad measures cand against base in quartets of segments (see the file comment).
func pairedLoad(b *testing.B, e *benchEnv, base, cand load) {
	b.Helper()
	clients := 4 * runtime.GOMAXPROCS(0) // as runLoad: SetParallelism(4)
	sides := [2]load{base, cand}
	var (
		ratios  []float64
		total   [2]time.Duration // per side: all its segments
		count   [2]int
		quartet [2]time.Duration // per side: the current quartet's segments
	)
	b.ResetTimer()
	for pair, done := 0, 0; done < b.N; pair, done = pair+1, done+pairedSegment {
		n := min(pairedSegment, b.N-done)
		order := [2]int{0, 1}
		if pair%2 == 1 {
			order = [2]int{1, 0}
		}
		for _, side := range order {
			t, err := segment(e, sides[side], n, clients)
			if err != nil {
				b.Fatalf("%s: %v", [...]string{"baseline", "candidate"}[side], err)
			}
			total[side], count[side], quartet[side] = total[side]+t, count[side]+n, quartet[side]+t
		}
		if pair%2 == 1 {
			ratios = append(ratios, quartet[0].Seconds()/quartet[1].Seconds())
			quartet = [2]time.Duration{}
		}
	}
	if len(ratios) == 0 { // fewer requests than one quartet
		ratios = append(ratios, quartet[0].Seconds()/quartet[1].Seconds())
	}
	b.StopTimer()
	slices.Sort(ratios)
	b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "ratio")
	b.ReportMetric(float64(count[0])/total[0].Seconds(), "base-req/s")
	b.ReportMetric(float64(count[1])/total[1].Seconds(), "req/s")
}

// segment sends n requests of l (load.send) from clients concurrent clients and returns the wall
// time.
func segment(e *benchEnv, l load, n, clients int) (time.Duration, error) {
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) { once.Do(func() { first = err }) }
	start := time.Now()
	for range clients {
		wg.Go(func() {
			var buf bytes.Buffer
			for next.Add(1) <= int64(n) {
				if _, err := l.send(e.client, &buf); err != nil {
					fail(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), first
}

func BenchmarkPaired(b *testing.B) {
	b.Run("self-baseline", func(b *testing.B) {
		e := benchSetup(b)
		pairedLoad(b, e, e.baselineRole(), e.baselineRole())
	})
	b.Run("rest-role", func(b *testing.B) {
		e := benchSetup(b)
		pairedLoad(b, e, e.baselineRole(), e.restRole())
	})
	b.Run("graphql-role", func(b *testing.B) {
		e := benchSetup(b)
		pairedLoad(b, e, e.baselineRole(), e.graphQLRole())
	})
	b.Run("graphql-roles-where", func(b *testing.B) {
		e := benchSetup(b)
		pairedLoad(b, e, e.baselineRole(), e.graphQLRolesWhere())
	})
	b.Run("db-by-id", func(b *testing.B) {
		eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) {
			pairedLoad(b, d.benchEnv, k.baselineByID(), d.byID(k))
		})
	})
	b.Run("db-list", func(b *testing.B) {
		eachDBKind(b, dbBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) {
			pairedLoad(b, d.benchEnv, k.baselineList(), d.list(k))
		})
	})
	b.Run("graphql-by-pk", func(b *testing.B) {
		eachDBKind(b, gqlBenchSetup, func(b *testing.B, d *dbBenchEnv, k *dbBenchKind) {
			pairedLoad(b, d.benchEnv, d.byID(k), d.graphQLByPK(k))
		})
	})
}
