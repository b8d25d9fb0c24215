package platform

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"
)

// JournalMode says which requests the event journal records.
type JournalMode string

// Journal modes.
const (
	JournalOff    JournalMode = "off"    // nothing (the default)
	JournalErrors JournalMode = "errors" // requests answered with a 4xx or 5xx
	JournalAll    JournalMode = "all"    // every request that reached a service
)

// journalEntry is one event to record.
type journalEntry struct {
	name, service, resource, verb, requestor string
	userID                                   *int
	request, response                        map[string]any
	status                                   int
	duration                                 time.Duration
}

// journal records events in the event_journal table from a background writer, so that a
// request never waits for it. When the writer falls behind by journalBuffer entries, new
// entries are dropped and counted (Dropped).
type journal struct {
	mode    JournalMode
	entries chan journalEntry
	dropped atomic.Int64
}

const (
	journalBuffer  = 4096
	journalMaxBody = 64 << 10 // bytes of request or response content kept per entry
)

// secretKeys are removed from journaled payloads and responses, at any depth.
var secretKeys = map[string]bool{"password": true, "new_password": true, "old_password": true,
	"current_password": true, "password_confirmation": true, "security_answer": true,
	"api_key": true, "session_token": true, "session_id": true}

// startJournal starts the writer; it stops when ctx ends.
func (p *Platform) startJournal(ctx context.Context) {
	j := p.journal
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-j.entries:
				c := p.Client.Event.Create().SetName(e.name).SetService(e.service).SetResource(e.resource).
					SetVerb(e.verb).SetRequestor(e.requestor).SetNillableUserID(e.userID).SetRequest(e.request).
					SetResponse(e.response).SetStatus(e.status).SetDurationMs(float64(e.duration.Microseconds()) / 1000)
				if err := c.Exec(ctx); err != nil && ctx.Err() == nil {
					p.log.Error("writing the event journal", "event", e.name, "err", err)
				}
			}
		}
	}()
}

// record queues the journal entry of a finished request when the mode asks for it.
func (p *Platform) record(req *Request, base string, resp *Response, took time.Duration) {
	j := p.journal
	if j == nil || j.mode == JournalOff || (j.mode == JournalErrors && resp.Status < 400) {
		return
	}
	verb := strings.ToLower(req.Method)
	e := journalEntry{name: base + "." + verb, service: req.Service, resource: req.Resource, verb: verb,
		requestor: "API", status: resp.Status, duration: took,
		request: map[string]any{"method": req.Method, "parameters": redact(queryMap(req)), "payload": redact(capped(req.Payload))},
	}
	if req.Requestor == RequestorScript {
		e.requestor = "SCRIPT"
	}
	if id := req.Session.UserID(); id > 0 {
		e.userID = &id
	}
	if resp.Err != nil {
		e.response = map[string]any{"status_code": resp.Status, "content": map[string]any{"error": map[string]any{
			"code": resp.Err.Code, "message": resp.Err.Message, "context": resp.Err.Context}}}
	} else if req.Load == nil {
		e.response = map[string]any{"status_code": resp.Status, "content": redact(capped(resp.Content))}
	} else {
		e.response = map[string]any{"status_code": resp.Status}
	}
	select {
	case j.entries <- e:
	default:
		j.dropped.Add(1)
	}
}

// JournalDropped reports how many entries the journal dropped because its writer fell behind.
func (p *Platform) JournalDropped() int64 {
	if p.journal == nil {
		return 0
	}
	return p.journal.dropped.Load()
}

func queryMap(req *Request) map[string]any {
	out := make(map[string]any, len(req.Query))
	for k, v := range req.Query {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// capped returns v, or a note in its place when its JSON is larger than journalMaxBody.
func capped(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || len(b) > journalMaxBody {
		return map[string]any{"truncated": true, "bytes": len(b)}
	}
	var out any
	_ = json.Unmarshal(b, &out) // a private copy: redaction must not touch the live request
	return out
}

// redact replaces the values of secretKeys with "**********" at any depth.
func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretKeys[strings.ToLower(k)] {
				x[k] = "**********"
			} else {
				x[k] = redact(val)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
		return x
	}
	return v
}
