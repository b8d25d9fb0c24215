package platform

import "context"

// Event is what an event script sees and may change: the request, and (post_process) the response.
type Event struct {
	Name    string // the full event name, e.g. "system.role.post.pre_process"
	Base    string // the name's base, e.g. "system.role" (see Resource)
	Request *Request
	// Response is nil during pre_process until a script answers the request itself.
	Response *Response
	// Runs are the scripts that ran on this request, in order (journal and log).
	Runs []ScriptRun
}

// ScriptRunner runs the event scripts registered for an event name.
//
// The pipeline calls RunEvent for every event it fires, in order, whether or not a script is
// registered: for each base name (templated, then concrete) "{base}.{verb}.pre_process", then
// the handler, then "{base}.{verb}.post_process" for each base, then "{base}.{verb}.queued".
// A pre_process script may answer the request by setting ev.Response (the handler is then
// skipped); a post_process script may replace ev.Response; a ".queued" name is enqueued and
// never changes anything. A returned error fails the request (post_process still runs).
// Implementations must be safe for concurrent use.
type ScriptRunner interface {
	RunEvent(ctx context.Context, name string, ev *Event) error
}

// NoScripts is the ScriptRunner of a platform without a script engine: no script ever runs.
type NoScripts struct{}

// RunEvent does nothing.
func (NoScripts) RunEvent(context.Context, string, *Event) error { return nil }

// Interface guards
var _ ScriptRunner = NoScripts{}

// ServiceScript is the script of a scripted service (service types v8js and nodejs).
type ServiceScript struct {
	Service string // the service name; the script is identified as "service.{name}"
	Type    string // v8js or nodejs
	Content string
	Config  map[string]any // engine options such as timeout_ms
}

// ServiceScriptRunner runs scripted services: the script answers every verb and path under
// its service. A ScriptRunner that can also run services implements it.
type ServiceScriptRunner interface {
	RunService(ctx context.Context, s ServiceScript, req *Request) (*Response, error)
}

// ServiceScriptQueuer queues runs of scripted services configured with queued: true: the run
// happens after the reply (202), durably when the engine has a job queue. A ServiceScriptRunner
// that can queue implements it.
type ServiceScriptQueuer interface {
	EnqueueService(ctx context.Context, s ServiceScript, req *Request) error
}

// DryRun is a script to try once without its writes (runScript on /graphql, POST
// system/script_run): it runs on Request (and, for a post_process event, Response) as if the
// event Event had fired.
type DryRun struct {
	Type    string // v8js or nodejs
	Content string
	Event   string // the event name: its phase (.pre_process, .post_process) decides what the script sees
	Modify  bool   // allow_event_modification
	Config  map[string]any
	// Request is the event's request in event.request's shape (method, service, resource,
	// parameters, headers, payload, content, content_type); missing keys are a GET with none.
	Request map[string]any
	// Response ({status_code, content, content_type, headers}) is what a post_process script
	// sees (default: 200 with no content).
	Response map[string]any
}

// DryRunResult is what a dry run did. Request and Response are the event's request and
// response as the pipeline would continue with them after applying the script's result
// (Response nil when there is none: a pre_process script that did not answer).
type DryRunResult struct {
	Request      map[string]any
	Response     map[string]any
	Return       any
	Console      string
	Err          *Error
	DurationMs   float64
	ShortCircuit bool             // a pre_process script answered the request itself
	WouldCall    []map[string]any // writes and external calls not made: {method, path|url, payload} or {queued}
}

// ScriptDryRunner runs dry runs: the script and every script the requests it makes fire run
// for real, internal reads execute, and writes (non-GET platform.api calls, external calls,
// platform.store changes, queued scripts) are listed instead of made. A ScriptRunner that can
// dry-run implements it.
type ScriptDryRunner interface {
	DryRun(ctx context.Context, s *Session, d DryRun) (*DryRunResult, error)
}
