package main

import (
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func heapMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitHeapGoal collects until the heap goal is within 15 % of want (the floor is tuned by a
// finalizer after a collection, on the finalizer goroutine) and fails after 5 s.
func waitHeapGoal(t *testing.T, want uint64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		goal := heapMetric("/gc/heap/goal:bytes")
		if goal >= want*85/100 && goal <= want*115/100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heap goal %.1f MiB, want about %.1f MiB", float64(goal)/(1<<20), float64(want)/(1<<20))
		}
	}
}

// The floor moves the collector's next heap goal up to the floor, and stop brings Go's
// default (the goal about twice the heap the collector scans) back.
func TestGCFloorRaisesHeapGoal(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the floor is off")
	}
	// The process's own floor (started by any server Run) would tune against this one.
	processFloorOnce.Do(func() {})
	if processFloor != nil {
		processFloor.stop()
	}
	runtime.GC()
	scan := func() uint64 {
		return heapMetric("/gc/heap/live:bytes") + heapMetric("/gc/scan/stack:bytes") + heapMetric("/gc/scan/globals:bytes")
	}
	floor := max(64<<20, 8*scan())
	g := newGCFloor(floor)
	waitHeapGoal(t, floor)
	g.stop()
	runtime.GC()
	waitHeapGoal(t, heapMetric("/gc/heap/live:bytes")+scan())
}

// Above the floor, collections are as with GOGC=100.
func TestGCFloorBelowLiveHeapIsDefault(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: the floor is off")
	}
	processFloorOnce.Do(func() {})
	if processFloor != nil {
		processFloor.stop()
	}
	g := newGCFloor(1 << 10)
	defer g.stop()
	runtime.GC()
	live := heapMetric("/gc/heap/live:bytes")
	scan := live + heapMetric("/gc/scan/stack:bytes") + heapMetric("/gc/scan/globals:bytes")
	waitHeapGoal(t, live+scan)
}
