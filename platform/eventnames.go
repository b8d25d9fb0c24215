package platform

import (
	"strings"

	"github.com/apiary/apiary/platform/bounded"
)

// maxEventNames bounds the event-name cache.
const maxEventNames = 8192

// eventNames are the names of one event base and verb: "{base}.{verb}.pre_process" and so on.
type eventNames struct {
	pre, post, queued string
}

type eventKey struct{ base, method string }

// eventNameCache keeps the event names of the bases and methods requests use, so that
// building them costs nothing per request. Safe for concurrent use.
type eventNameCache struct {
	names bounded.Map[eventKey, *eventNames]
}

// of returns the names for base and the upper-case method.
func (c *eventNameCache) of(base, method string) *eventNames {
	k := eventKey{base, method}
	if n, ok := c.names.Get(k); ok {
		return n
	}
	prefix := base + "." + strings.ToLower(method)
	n := &eventNames{pre: prefix + ".pre_process", post: prefix + ".post_process", queued: prefix + ".queued"}
	c.names.Put(k, n)
	return n
}
