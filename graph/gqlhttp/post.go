// Package gqlhttp is what both GraphQL endpoints, /graphql and /graphql/{service}, share over
// HTTP: the gqlgen server they are built on (NewServer), the POST transport, the cached
// complexity limit, the request body limit and the translation of platform errors.
package gqlhttp

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// POST is gqlgen's transport.POST (a JSON body, an application/json or
// application/graphql-response+json answer by the Accept header) with a cheaper answer for the
// common case: a response that is data alone is written as {"data":…} with the data
// HTML-escaped as encoding/json would, instead of re-encoding the whole response through
// json.Marshal (which compacts and copies the data). The bytes are the same as POST's.
// Every failure before execution — an unreadable or undecodable body, an invalid operation —
// is answered by transport.POST itself, so status codes and error bodies are POST's.
type POST struct{ transport.POST }

var _ graphql.Transport = POST{}

// bodyBuffers holds request and response body buffers between requests.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Supports is transport.POST's test, without parsing the usual Content-Type.
func (t POST) Supports(r *http.Request) bool {
	if r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/json" && r.Header.Get("Upgrade") == "" {
		return true
	}
	return t.POST.Supports(r)
}

// Do serves one POST request.
func (t POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	start := graphql.Now()
	in := bodyBuffers.Get().(*bytes.Buffer)
	defer release(in)
	in.Reset()
	if _, err := in.ReadFrom(r.Body); err != nil {
		r.Body = io.NopCloser(failingReader{err})
		t.POST.Do(w, r, exec)
		return
	}
	body := in.Bytes()
	replay := func() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.POST.Do(w, r, exec)
	}
	params := &graphql.RawParams{}
	if !decodeParams(body, params) {
		*params = graphql.RawParams{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // as transport.POST
		if err := dec.Decode(params); err != nil {
			replay()
			return
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		replay()
		return
	}
	w.Header().Set("Content-Type", responseContentType(r))
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// responseContentType is POST's choice without configured headers: the first of
// application/json and application/graphql-response+json the Accept header names (*/* and
// application/* mean application/json), application/json without an Accept header, and
// application/graphql-response+json when Accept names neither.
func responseContentType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case "application/graphql-response+json":
			return "application/graphql-response+json"
		}
	}
	return "application/graphql-response+json"
}

// writeResponse writes resp as json.Marshal would.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || resp.Label != "" || len(resp.Path) > 0 ||
		resp.HasNext != nil || len(resp.Data) == 0 {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(err) // as transport.POST: a response gqlgen built always encodes
		}
		writeBody(w, b)
		return
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer release(buf)
	buf.Reset()
	buf.WriteString(`{"data":`)
	json.HTMLEscape(buf, resp.Data)
	buf.WriteByte('}')
	writeBody(w, buf.Bytes())
}

// writeBody writes a whole response body, with its Content-Length when w is the response.
func writeBody(w io.Writer, b []byte) {
	if hw, ok := w.(http.ResponseWriter); ok {
		hw.Header().Set("Content-Length", strconv.Itoa(len(b)))
	}
	_, _ = w.Write(b)
}

// release returns a buffer to bodyBuffers unless it grew large.
func release(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		bodyBuffers.Put(buf)
	}
}

// failingReader fails every read with err.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
