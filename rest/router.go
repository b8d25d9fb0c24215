// Package rest is the DreamFactory-compatible REST surface (/api/v2): it translates HTTP into
// platform requests and platform responses into DreamFactory's wire format. It holds no
// business rules.
package rest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/apiary/apiary/platform"
)

// Options configure the REST surface.
type Options struct {
	MaxBodyBytes int64 // request body limit (default 10 MiB)
}

// API serves /api/v2 and the unversioned /api form.
type API struct {
	p    *platform.Platform
	opts Options
}

// New returns the REST surface over p.
func New(p *platform.Platform, opts Options) *API {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	return &API{p: p, opts: opts}
}

var versionSegment = regexp.MustCompile(`^v[0-9.]+$`)

// Routes mounts under /api: /api/v{ver}[/{service}[/{resource…}]] and /api/{service}[/…].
func (a *API) Routes() chi.Router {
	r := chi.NewRouter()
	r.HandleFunc("/*", a.serve)
	r.HandleFunc("/", a.serve)
	return r
}

// serve translates one HTTP request into a platform request and writes the response.
func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(chi.URLParam(r, "*"), "/")
	segs := strings.SplitN(path, "/", 2)
	if len(segs) > 0 && versionSegment.MatchString(segs[0]) {
		path = ""
		if len(segs) == 2 {
			path = segs[1]
		}
	}
	service, resource, _ := strings.Cut(path, "/")
	if r.URL.RawPath != "" { // the router matched the escaped path: decode it, once
		if u, err := url.PathUnescape(resource); err == nil {
			resource = u
		}
	}
	q := r.URL.Query() // parsed once: the platform request gets it as its Query
	bare := wrapOff(q, r.Header)
	req, err := a.translate(w, r, service, resource, q)
	if err != nil {
		writeResponse(w, r, platform.ErrorResponse(err))
		return
	}
	resp := a.p.Handle(r.Context(), req)
	if bare {
		unwrap(resp)
	}
	writeResponse(w, r, resp)
}

// wrapOff reports the per-request wrap=false override (query parameter or "wrap" header).
func wrapOff(q url.Values, h http.Header) bool {
	v := q.Get("wrap")
	if v == "" {
		v = h.Get("Wrap") // canonical: Get need not copy the name to canonicalise it
	}
	return strings.EqualFold(v, "false")
}

// unwrap sends a list wrapped as {"resource": […]} with no meta bare (wrap=false). Wrapping
// with meta is kept, as DreamFactory keeps it.
func unwrap(resp *platform.Response) {
	if resp.Err != nil {
		return
	}
	if m, ok := resp.Content.(map[string]any); ok && len(m) == 1 {
		if list, ok := m["resource"]; ok {
			resp.Content = list
		}
	}
}

// MethodNotAllowed answers a method the router does not know with a 405 in the envelope.
func MethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeResponse(w, r, platform.ErrorResponse(platform.Errorf(http.StatusMethodNotAllowed,
		"The %s method is not allowed for %s.", r.Method, r.URL.Path)))
}
