package main

import (
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// heapGoal is the runtime's next heap goal: what percentFor aims at.
func heapGoal(live, scan uint64, percent int) uint64 {
	return max(live+scan*uint64(percent)/100, heapMinimum*uint64(percent)/100)
}

func TestGCFloorPercent(t *testing.T) {
	const mib = 1 << 20
	cases := []struct {
		name        string
		live, scan  uint64
		floor, goal uint64
	}{
		{"a typical server heap", 11 * mib, 12 * mib, 32 * mib, 32 * mib},
		{"a tiny heap: the runtime's minimum grows with GOGC", 80 << 10, 1 * mib, 32 * mib, 32 * mib},
		{"live heap past half the floor: GOGC=100", 20 * mib, 21 * mib, 32 * mib, 41 * mib},
		{"live heap past the floor", 40 * mib, 41 * mib, 32 * mib, 81 * mib},
		{"a floor under the runtime's minimum", 1 * mib, 2 * mib, 1 * mib, 4 * mib},
	}
	for _, c := range cases {
		p := percentFor(c.live, c.scan, c.floor)
		if got := heapGoal(c.live, c.scan, p); got < c.goal*99/100 || got > c.goal*101/100 {
			t.Errorf("%s: GOGC %d gives a heap goal of %.1f MiB, want %.1f MiB", c.name, p, float64(got)/mib, float64(c.goal)/mib)
		}
	}
}

// waitHeapGoal collects until the runtime's heap goal is within 15 % of want() (the floor is
// tuned by a finalizer after a collection, on the finalizer goroutine) and fails after 5 s.
func waitHeapGoal(t *testing.T, want func() uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		goal, w := heapMetric("/gc/heap/goal:bytes"), want()
		if goal >= w*85/100 && goal <= w*115/100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heap goal %.1f MiB, want about %.1f MiB", float64(goal)/(1<<20), float64(w)/(1<<20))
		}
	}
}

func heapMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// withoutProcessFloor stops the process's floor (started by any server Run in this binary) for
// the test, so that it does not tune against the test's own, and starts it again after.
func withoutProcessFloor(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the floor is off")
	}
	floor := stopGCFloor()
	t.Cleanup(func() { startGCFloor(floor) })
}

// scanned is what GOGC scales: the live heap, stacks and globals.
func scanned() uint64 {
	v := readGCFloorSamples()
	return v[0] + v[1] + v[2]
}

// A floor raises the heap goal to itself; once the live heap passes half the floor the goal is
// Go's default again (twice what is scanned), and stop restores GOGC.
func TestGCFloorHeapGoal(t *testing.T) {
	withoutProcessFloor(t)
	runtime.GC()
	floor := max(64<<20, 8*scanned())
	g := newGCFloor(floor)
	defer g.stop()
	waitHeapGoal(t, func() uint64 { return floor })

	hold := make([]byte, floor*3/4) // live past half the floor
	for i := range hold {
		hold[i] = 1
	}
	live := func() uint64 { return heapMetric("/gc/heap/live:bytes") }
	waitHeapGoal(t, func() uint64 { return live() + scanned() })
	runtime.KeepAlive(hold)
	hold = nil

	g.stop()
	if p := gcPercent(); p != 100 {
		t.Fatalf("GOGC after stop: %d, want 100", p)
	}
	waitHeapGoal(t, func() uint64 { return heapGoal(live(), scanned(), 100) })
}
