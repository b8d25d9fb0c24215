package platform

import "context"

// Event is what an event script sees and may change: the request, and (post_process) the response.
type Event struct {
	Name     string // the full event name, e.g. "system.role.post.pre_process"
	Resource string // the resource path after the service
	Request  *Request
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
