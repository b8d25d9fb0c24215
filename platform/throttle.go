package platform

import (
	"math"
	"strings"
	"sync"
	"time"
)

// throttle slows repeated failed logins, per account and per client address: after
// freeAttempts failures within window, each further attempt must wait 2^(n-freeAttempts)
// seconds (capped at maxDelay) after the last failure. A success clears the account's record.
type throttle struct {
	mu       sync.Mutex
	failures map[string]*failureRecord
}

type failureRecord struct {
	count int
	last  time.Time
}

const (
	freeAttempts = 5
	failWindow   = 15 * time.Minute
	maxDelay     = 15 * time.Minute
)

func newThrottle() *throttle { return &throttle{failures: map[string]*failureRecord{}} }

// wait returns how long the caller must still wait before another attempt for any of keys.
func (t *throttle) wait(now time.Time, keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range keys {
		r := t.failures[k]
		if r == nil || now.Sub(r.last) > failWindow {
			continue
		}
		if r.count < freeAttempts {
			continue
		}
		d := time.Duration(math.Min(math.Pow(2, float64(r.count-freeAttempts)), maxDelay.Seconds())) * time.Second
		if left := r.last.Add(d).Sub(now); left > longest {
			longest = left
		}
	}
	return longest
}

// fail records a failed attempt for every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.failures) > 100000 { // bound memory under a flood: forget expired records
		for k, r := range t.failures {
			if now.Sub(r.last) > failWindow {
				delete(t.failures, k)
			}
		}
	}
	for _, k := range keys {
		r := t.failures[k]
		if r == nil || now.Sub(r.last) > failWindow {
			r = &failureRecord{}
			t.failures[k] = r
		}
		r.count++
		r.last = now
	}
}

// succeed forgets the account's failures.
func (t *throttle) succeed(account string) {
	t.mu.Lock()
	delete(t.failures, account)
	t.mu.Unlock()
}

func throttleKeys(email, addr string) []string {
	keys := []string{"account:" + strings.ToLower(email)}
	if addr != "" {
		keys = append(keys, "addr:"+addr)
	}
	return keys
}
