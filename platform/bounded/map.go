// Package bounded holds Map, the size-bounded cache the platform's hot paths share: lookups
// take a read lock; a Put into a full map empties it first, so it fills again with what is in
// use now (no per-entry bookkeeping on the read path).
package bounded

import "sync"

// DefaultMax is the bound of a Map whose Max is zero.
const DefaultMax = 1024

// Map is a cache of at most Max entries (DefaultMax when zero). The zero value is ready to
// use. Safe for concurrent use; a Map must not be copied after first use.
type Map[K comparable, V any] struct {
	Max int
	mu  sync.RWMutex
	m   map[K]V
}

// Get returns the value kept for k.
func (c *Map[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

// Put keeps v for k, emptying the map first when it is full and k is new (two callers that
// missed the same key both Put it; the second must not empty what the first filled).
func (c *Map[K, V]) Put(k K, v V) {
	limit := c.Max
	if limit <= 0 {
		limit = DefaultMax
	}
	c.mu.Lock()
	if _, known := c.m[k]; c.m == nil || !known && len(c.m) >= limit {
		c.m = make(map[K]V)
	}
	c.m[k] = v
	c.mu.Unlock()
}

// Clear forgets every entry.
func (c *Map[K, V]) Clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
