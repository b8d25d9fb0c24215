package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// A server's live heap is small — a few MiB — so with Go's default GOGC=100 the collector runs
// every few MiB allocated: every few hundred requests, each cycle with its fixed cost (stack
// scans, sweeping, the start and end pauses). A heap floor lets the heap grow to floor bytes
// between collections; once the live heap is more than half the floor, collections are as
// with GOGC=100. Measured with BenchmarkPaired (2500-request segments, 5 runs alternating
// GOGC=100 and the floor; the benchmark process's live heap is about 11 MiB): the SQLite
// 20-row list went from 8.1k to 9.4k req/s, `_table` by id from 15.3k to 17.0k, the GraphQL
// role read from 10.8k to 11.6k; the baselines, in the same process, gained less (their
// ratios: 0.81 → 0.83, 0.79 → 0.82, 0.56 → 0.59).

// defaultGCFloor is the heap floor of `apiary serve` (--gc-floor): well under the scripts'
// heap budget (--script-heap, 64 MiB), so that the garbage between two collections never
// looks like a script's growth to the script watchdog.
const defaultGCFloor = 32 << 20

// gcFloor sets GOGC after every collection so that the next heap goal is floor bytes, or
// Go's default once that is more.
type gcFloor struct {
	floor   uint64
	stopped atomic.Bool
	percent int // last GOGC set; touched only by tune, run by one goroutine at a time
}

var (
	processFloorOnce sync.Once
	processFloor     *gcFloor
)

// startGCFloor keeps the process's heap floor at floor bytes from now on. It does nothing with
// floor 0, when the operator set GOGC, or when a floor is already kept (the first one stays).
func startGCFloor(floor uint64) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return
	}
	processFloorOnce.Do(func() { processFloor = newGCFloor(floor) })
}

// newGCFloor starts a floor: tuned now and after each collection until stop.
func newGCFloor(floor uint64) *gcFloor {
	g := &gcFloor{floor: floor, percent: 100}
	g.tune()
	g.arm()
	return g
}

// stop restores GOGC=100 and ends the tuning.
func (g *gcFloor) stop() {
	g.stopped.Store(true)
	debug.SetGCPercent(100)
}

// gcCycle is garbage whose finalizer runs after the collection that found it: one per cycle.
type gcCycle struct{ g *gcFloor }

func (g *gcFloor) arm() {
	runtime.SetFinalizer(&gcCycle{g: g}, func(c *gcCycle) {
		if c.g.stopped.Load() {
			return
		}
		c.g.tune()
		c.g.arm()
	})
}

// gcFloorSamples are what the heap goal is computed from: Go's goal is
// live + (live + stacks + globals) × GOGC/100.
var gcFloorSamples = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// tune sets the GOGC whose goal is the floor. Before the first collection (no live heap
// measured yet) it leaves GOGC as it is.
func (g *gcFloor) tune() {
	s := make([]metrics.Sample, len(gcFloorSamples))
	for i, name := range gcFloorSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	var v [3]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	live, scan := v[0], v[0]+v[1]+v[2]
	if live == 0 || scan == 0 {
		return
	}
	percent := 100
	if live < g.floor {
		percent = max(100, int((g.floor-live)*100/scan))
	}
	// Small drifts of the live heap are left alone: setting GOGC takes the heap lock.
	if percent != g.percent && (percent > g.percent*11/10 || percent < g.percent*9/10 || percent == 100) {
		debug.SetGCPercent(percent)
		g.percent = percent
	}
}
