package platform

import (
	"strings"
	"sync"
)

// maxEventNames bounds the event-name cache; a full cache is emptied and fills again.
const maxEventNames = 8192

// eventNames are the names of one event base and verb: "{base}.{verb}.pre_process" and so on.
type eventNames struct {
	pre, post, queued string
}

type eventKey struct{ base, method string }

// eventNameCache keeps the event names of the bases and methods requests use, so that
// building them costs nothing per request. Safe for concurrent use.
type eventNameCache struct {
	mu    sync.RWMutex
	names map[eventKey]*eventNames
}

// of returns the names for base and the upper-case method.
func (c *eventNameCache) of(base, method string) *eventNames {
	k := eventKey{base, method}
	c.mu.RLock()
	n := c.names[k]
	c.mu.RUnlock()
	if n != nil {
		return n
	}
	prefix := base + "." + strings.ToLower(method)
	n = &eventNames{pre: prefix + ".pre_process", post: prefix + ".post_process", queued: prefix + ".queued"}
	c.mu.Lock()
	if c.names == nil || len(c.names) >= maxEventNames {
		c.names = map[eventKey]*eventNames{}
	}
	c.names[k] = n
	c.mu.Unlock()
	return n
}
