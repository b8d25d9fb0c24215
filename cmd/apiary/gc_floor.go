package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A server's live heap is small — about 11 MiB in the benchmarks — so with Go's default
// GOGC=100 the collector runs every ~11 MiB allocated, every few hundred requests, each cycle
// with its fixed cost (stack scans, sweeping, the start and end pauses). A heap floor raises
// the collector's goal to floor bytes while the live heap is under half of it; past that,
// collections are as with GOGC=100. Measured with BenchmarkPaired (2500-request segments,
// 5 runs alternating GOGC=100 — which turns the floor off — and the floor): the SQLite 20-row
// list went from 8.1k to 9.4k req/s, `_table` by id from 15.3k to 17.0k, the GraphQL role
// read from 10.8k to 11.6k; the baselines, in the same process, gained less (their ratios:
// 0.81 → 0.83, 0.79 → 0.82, 0.56 → 0.59).

// defaultGCFloor is the heap floor of `apiary serve` (--gc-floor): well under the scripts'
// heap budget (--script-heap, scripting.DefaultHeapBudget), so that the garbage between two collections does not
// look like a script's growth to the script watchdog.
const defaultGCFloor = 32 << 20

// heapMinimum is the runtime's smallest heap goal at GOGC=100; it scales it by GOGC/100.
const heapMinimum = 4 << 20

// percentFor is the GOGC whose heap goal is floor: Go's goal is the larger of
// live + scan × GOGC/100 (scan: the live heap plus stacks and globals) and
// heapMinimum × GOGC/100. It is 100 (Go's default) once the live heap is half the floor.
func percentFor(live, scan, floor uint64) int {
	p := 100
	if live < floor && scan > 0 {
		p = int((floor - live) * 100 / scan)
	}
	return max(100, min(p, int(floor*100/heapMinimum)))
}

// gcFloor sets GOGC after collections so that the next heap goal is its floor.
type gcFloor struct {
	floor   uint64
	mu      sync.Mutex // serialises tune and stop
	stopped bool
	prev    int // GOGC before the floor, restored by stop
}

var (
	processFloorMu sync.Mutex
	processFloor   *gcFloor
)

// startGCFloor keeps the process's heap floor at floor bytes from now on. It does nothing with
// floor 0, when the operator set GOGC, or while a floor is kept (the first one stays).
func startGCFloor(floor uint64) {
	if floor == 0 || os.Getenv("GOGC") != "" {
		return
	}
	processFloorMu.Lock()
	defer processFloorMu.Unlock()
	if processFloor == nil {
		processFloor = newGCFloor(floor)
	}
}

// stopGCFloor ends the process's heap floor and returns it (0 when none was kept).
func stopGCFloor() uint64 {
	processFloorMu.Lock()
	defer processFloorMu.Unlock()
	if processFloor == nil {
		return 0
	}
	floor := processFloor.floor
	processFloor.stop()
	processFloor = nil
	return floor
}

// newGCFloor starts a floor: tuned now and after each collection until stop.
func newGCFloor(floor uint64) *gcFloor {
	g := &gcFloor{floor: floor, prev: gcPercent()}
	if g.tune() {
		g.arm()
	}
	return g
}

// stop restores the GOGC the floor started from; no tune changes it afterwards.
func (g *gcFloor) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	debug.SetGCPercent(g.prev)
}

// gcCycle is garbage whose finalizer runs after a collection that found it: at most once per
// cycle (one allocated during a mark phase survives that cycle).
type gcCycle struct{ g *gcFloor }

func (g *gcFloor) arm() {
	runtime.SetFinalizer(&gcCycle{g: g}, func(c *gcCycle) {
		if c.g.tune() {
			c.g.arm()
		}
	})
}

// gcFloorSamples are what percentFor needs, and the current GOGC.
var gcFloorSamples = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes", "/gc/gogc:percent"}

func readGCFloorSamples() [4]uint64 {
	s := make([]metrics.Sample, len(gcFloorSamples))
	for i, name := range gcFloorSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	var v [4]uint64
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return v
}

func gcPercent() int { return int(readGCFloorSamples()[3]) }

// tune sets the GOGC whose goal is the floor and reports whether the floor is still kept.
// Before the first collection (no live heap measured yet) it leaves GOGC as it is.
func (g *gcFloor) tune() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	v := readGCFloorSamples()
	live, current := v[0], int(v[3])
	if live == 0 {
		return true
	}
	if p := percentFor(live, v[0]+v[1]+v[2], g.floor); p != current {
		debug.SetGCPercent(p)
	}
	return true
}
