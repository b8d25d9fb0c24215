package platform

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apiary/apiary/ent"
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
	scripts                                  []map[string]any
	console                                  string
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
	journalBatch   = 200
	journalFlush   = 100 * time.Millisecond
	journalDrain   = 5 * time.Second
	journalMaxBody = 64 << 10 // bytes of request or response content kept per entry
)

// secretKeys are removed from journaled payloads and responses, at any depth.
var secretKeys = map[string]bool{"password": true, "new_password": true, "old_password": true,
	"current_password": true, "password_confirmation": true, "security_answer": true,
	"api_key": true, "session_token": true, "session_id": true, "dsn": true, "secret": true, "token": true}

// startJournal starts the writer. It writes entries in batches (up to journalBatch, or what
// arrived within journalFlush); when ctx ends it drains what is queued (for at most
// journalDrain) and closes done.
func (p *Platform) startJournal(ctx context.Context, done chan struct{}) {
	j := p.journal
	go func() {
		defer close(done)
		batch := make([]journalEntry, 0, journalBatch)
		tick := time.NewTicker(journalFlush)
		defer tick.Stop()
		var reported int64
		flush := func(wctx context.Context) {
			if len(batch) == 0 {
				return
			}
			creates := make([]*ent.EventCreate, len(batch))
			for i, e := range batch {
				creates[i] = p.Client.Event.Create().SetName(e.name).SetService(e.service).SetResource(e.resource).
					SetVerb(e.verb).SetRequestor(e.requestor).SetNillableUserID(e.userID).SetRequest(e.request).
					SetResponse(e.response).SetStatus(e.status).SetDurationMs(float64(e.duration.Microseconds()) / 1000).
					SetScripts(e.scripts).SetConsole(e.console)
			}
			if err := p.Client.Event.CreateBulk(creates...).Exec(wctx); err != nil {
				p.log.Error("writing the event journal", "entries", len(batch), "err", err)
			}
			batch = batch[:0]
			if d := j.dropped.Load(); d != reported {
				p.log.Warn("the event journal dropped entries: its writer fell behind", "dropped_total", d)
				reported = d
			}
		}
		for {
			select {
			case e := <-j.entries:
				if batch = append(batch, e); len(batch) == journalBatch {
					flush(ctx)
				}
			case <-tick.C:
				flush(ctx)
			case <-ctx.Done():
				dctx, cancel := context.WithTimeout(context.Background(), journalDrain)
				defer cancel()
				for drained := false; !drained; {
					select {
					case e := <-j.entries:
						if batch = append(batch, e); len(batch) == journalBatch {
							flush(dctx)
						}
					default:
						drained = true
					}
				}
				flush(dctx)
				return
			}
		}
	}()
}

// record queues the journal entry of a finished request when the mode asks for it.
func (p *Platform) record(req *Request, base string, resp *Response, runs []ScriptRun, took time.Duration) {
	j := p.journal
	if j == nil || j.mode == JournalOff || (j.mode == JournalErrors && resp.Status < 400) {
		return
	}
	verb := strings.ToLower(req.Method)
	// The system service's payloads and replies are the platform's own records (keys, private
	// lookups, service credentials): only their outline is journaled.
	own := req.Service == "system"
	e := journalEntry{name: base + "." + verb, service: req.Service, resource: req.Resource, verb: verb,
		requestor: "API", status: resp.Status, duration: took,
		request: map[string]any{"method": req.Method, "parameters": redact(queryMap(req))},
	}
	if !own {
		e.request["payload"] = redact(capped(req.Payload))
	}
	// What internal callers set beyond the parameters, so that the entry says what was read.
	if req.Aggregate {
		e.request["aggregate"] = true
	}
	if pp := req.PerParent; pp != nil {
		outline := map[string]any{"key": pp.Key, "parents": len(pp.Keys), "limit": pp.Limit, "offset": pp.Offset}
		if pp.Link != nil {
			outline["link"] = pp.Link.Table
		}
		e.request["per_parent"] = outline
	}
	if req.Requestor == RequestorScript {
		e.requestor = "SCRIPT"
	}
	if id := req.Session.UserID(); id > 0 {
		e.userID = &id
	}
	if resp.Err != nil {
		errObj := map[string]any{"code": resp.Err.Code, "message": resp.Err.Message}
		if !own {
			errObj["context"] = redact(capped(resp.Err.Context))
		}
		e.response = map[string]any{"status_code": resp.Status, "content": map[string]any{"error": errObj}}
	} else if req.Load == nil && !own {
		e.response = map[string]any{"status_code": resp.Status, "content": redact(capped(resp.Content))}
	} else {
		e.response = map[string]any{"status_code": resp.Status}
	}
	e.scripts, e.console = journalRuns(runs)
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

// journalRuns is the journal's view of the scripts that ran: name, outcome, error and duration
// of each, and their console output (each line prefixed with the script's name), bounded.
func journalRuns(runs []ScriptRun) ([]map[string]any, string) {
	if len(runs) == 0 {
		return nil, ""
	}
	out := make([]map[string]any, len(runs))
	var console strings.Builder
	for i, r := range runs {
		out[i] = map[string]any{"name": r.Name, "outcome": r.Outcome, "duration_ms": r.Duration}
		if r.Error != "" {
			out[i]["error"] = r.Error
		}
		if r.Console != "" && console.Len() < journalMaxBody {
			for _, line := range strings.Split(strings.TrimRight(r.Console, "\n"), "\n") {
				console.WriteString("[" + r.Name + "] " + line + "\n")
			}
		}
	}
	text := console.String()
	if len(text) > journalMaxBody {
		text = text[:journalMaxBody] + "…(truncated)"
	}
	return out, text
}

// RedactSecrets returns a deep copy of v (through JSON) with the values of the journal's
// secret keys (password, security_answer, api_key, session_token, dsn, …) masked at any depth,
// as the event journal masks them. Values that cannot be encoded come back as nil.
func RedactSecrets(v any) any {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil
	}
	return redact(out)
}
