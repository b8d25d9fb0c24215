package platform

import (
	"strings"

	"github.com/apiary/apiary/platform/bounded"
)

// An event's name is "{base}.{verb}{phase}", its phase one of these suffixes, in the order
// the pipeline fires them.
const (
	PhasePre    = ".pre_process"
	PhasePost   = ".post_process"
	PhaseQueued = ".queued"
)

// EventBase is the base of an event name: "db._table.contact" of
// "db._table.contact.get.pre_process"; "" when name is not "{base}.{verb}{phase}".
func EventBase(name string) string {
	var rest string
	for _, phase := range [...]string{PhasePre, PhasePost, PhaseQueued} {
		if r, ok := strings.CutSuffix(name, phase); ok {
			rest = r
			break
		}
	}
	if i := strings.LastIndexByte(rest, '.'); i > 0 {
		return rest[:i]
	}
	return ""
}

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
	n := &eventNames{pre: prefix + PhasePre, post: prefix + PhasePost, queued: prefix + PhaseQueued}
	c.names.Put(k, n)
	return n
}
