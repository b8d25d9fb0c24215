package platform

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/apiary/apiary/platform/access"
)

// Requestor says who sent a request: a client over an API surface, or a script through platform.api.
type Requestor = access.Requestor

// Requestors.
const (
	RequestorAPI    = access.API
	RequestorScript = access.Script
)

// Credentials are what the caller presented; authenticate turns them into a Session.
type Credentials struct {
	APIKey       string
	SessionToken string
}

// Request is one call into the platform, whichever surface it came from.
type Request struct {
	Method      string     // upper-case verb after tunnelling: GET, POST, PUT, PATCH, DELETE
	Service     string     // lower-case service name; "" for the API root
	Resource    string     // path after the service, without the leading "/"; a trailing "/" is kept
	Query       url.Values // query parameters; never nil after Normalize
	Header      http.Header
	Payload     any    // the parsed body: map[string]any, []any, a scalar, or nil
	Content     []byte // the raw body
	ContentType string
	Requestor   Requestor
	Credentials Credentials
	RemoteAddr  string // the client's address without port, for login throttling
	// Session is filled by the pipeline's authenticate step. An internal call (platform.api)
	// sets it to the caller's session and it is then kept.
	Session *Session
	// Load, when set by a surface that needs typed results (GraphQL connections), replaces the
	// service handler: the pipeline authenticates, authorizes and fires events as usual and the
	// response carries Load's result as Content. Load receives the caller's session, to scope
	// what it reads as the service would.
	Load func(ctx context.Context, s *Session) (any, error)
	// Aggregate, set only by internal callers (the GraphQL data API's {table}_aggregate), makes
	// a database service's record read (GET _table/{table}) compute the aggregates its fields
	// parameter names — SUM|COUNT|AVG|MIN|MAX(field), COUNT(*) — over every row the filter and
	// the role's row filters admit, as one group: the answer is {"resource": [one row]}. REST
	// and scripts can not set it: over REST aggregates need group, as in DreamFactory.
	Aggregate bool
	// PerParent, set only by internal callers (see PerParent), makes a database service's
	// record read (GET _table/{table}) read the related rows of a batch of parents.
	PerParent *PerParent
	// NoRelations, set only by internal callers (the GraphQL data API, which loads the
	// relations a query asks for itself), makes a database service's record read (GET
	// _table/{table}, by id too) load no relations: neither those its related parameter names
	// nor those with always_fetch, so that no internal GET of a related table runs (with its
	// statements, RBAC check and events) for rows the caller would not use. REST and scripts can
	// not set it.
	NoRelations bool
}

// Normalize fills defaults and canonical forms: upper-case method, lower-case service, resource
// without a leading slash and without "..", non-nil Query and Header.
func (r *Request) Normalize() {
	r.Method = strings.ToUpper(r.Method)
	if r.Method == "MERGE" {
		r.Method = http.MethodPatch
	}
	r.Service = strings.ToLower(strings.Trim(r.Service, "/"))
	r.Resource = strings.TrimLeft(strings.ReplaceAll(r.Resource, "..", ""), "/")
	if r.Query == nil {
		r.Query = url.Values{}
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Requestor == 0 {
		r.Requestor = RequestorAPI
	}
}

// Param returns a parameter from the query or, when absent there, from the JSON body
// (DreamFactory reads record parameters from either), trying each alias in order.
func (r *Request) Param(names ...string) (string, bool) {
	for _, n := range names {
		if vs, ok := r.Query[n]; ok && len(vs) > 0 {
			return vs[0], true
		}
	}
	if m, ok := r.Payload.(map[string]any); ok {
		for _, n := range names {
			if v, ok := m[n]; ok && v != nil {
				return stringify(v), true
			}
		}
	}
	return "", false
}

// BoolParam reports whether a flag parameter is set to a true value ("true", "1", "yes", or empty).
func (r *Request) BoolParam(names ...string) bool {
	v, ok := r.Param(names...)
	if !ok {
		return false
	}
	switch strings.ToLower(v) {
	case "", "true", "1", "yes", "on":
		return true
	}
	return false
}

// Segments splits Resource into its path segments ("role/3" → ["role","3"]).
func (r *Request) Segments() []string {
	p := strings.Trim(r.Resource, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// ClientHost is the address of r's client without its port, as Request.RemoteAddr holds it
// (for login throttling): r.RemoteAddr as it is when it has no port. Every surface reads it
// so.
func ClientHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Response is what the pipeline answers: a status, a JSON-encodable body and headers.
// Err is set when the response is an error; Content then holds nothing and surfaces render Err.
type Response struct {
	Status      int
	Content     any
	ContentType string
	Headers     http.Header
	Err         *Error
}

// OK is a 200 response with content.
func OK(content any) *Response { return &Response{Status: http.StatusOK, Content: content} }

// Created is a 201 response with content.
func Created(content any) *Response { return &Response{Status: http.StatusCreated, Content: content} }

// ErrorResponse turns err into a response.
func ErrorResponse(err error) *Response {
	pe := AsError(err)
	return &Response{Status: pe.Status, Err: pe}
}

// Success is DreamFactory's {"success": true} body.
func Success() map[string]any { return map[string]any{"success": true} }

// Wrap puts a list under DreamFactory's "resource" wrapper.
func Wrap(list any) map[string]any { return map[string]any{"resource": list} }
