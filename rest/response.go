package rest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/apiary/apiary/platform"
)

// Envelope renders a platform error in DreamFactory's shape:
// {"error":{"code":…,"context":…,"message":…,"status_code":…}}; the message is HTML-entity
// encoded as DreamFactory's htmlentities (ENT_COMPAT) does.
func Envelope(e *platform.Error) map[string]any {
	return map[string]any{"error": map[string]any{
		"code": e.Code, "context": e.Context, "message": htmlEntities(e.Message), "status_code": e.Status,
	}}
}

var entityReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// htmlEntities escapes &, <, > and " (not ').
func htmlEntities(s string) string {
	if !strings.ContainsAny(s, `&<>"`) {
		return s
	}
	return entityReplacer.Replace(s)
}

// writeResponse writes a platform response as JSON.
func writeResponse(w http.ResponseWriter, r *http.Request, resp *platform.Response) {
	for k, vs := range resp.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := resp.Content
	if resp.Err != nil {
		body = Envelope(resp.Err)
	}
	ct := resp.ContentType
	if ct == "" || resp.Err != nil {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	status := resp.Status
	if status < 100 || status > 599 {
		status = http.StatusInternalServerError
	}
	if r.Method == http.MethodHead || !bodyAllowed(status) {
		w.WriteHeader(status)
		return
	}
	if s, ok := body.(string); ok && !strings.HasPrefix(ct, "application/json") {
		w.Header().Set("Content-Length", strconv.Itoa(len(s)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, s)
		return
	}
	bp := bodyBuffers.Get().(*[]byte)
	defer putBodyBuffer(bp)
	buf, err := appendJSON((*bp)[:0], body)
	if err != nil { // a value JSON can not hold (NaN): encoding/json reports the same failure
		w.WriteHeader(status)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(body)
		return
	}
	buf = append(buf, '\n')
	*bp = buf
	// The whole body is known: a Content-Length, not chunks, as DreamFactory answers.
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// bodyAllowed reports whether a response with status may have a body (RFC 9110: not 1xx,
// 204 or 304).
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// bodyBuffers holds the buffers response bodies are encoded into.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBody bounds the buffers kept for reuse: a rare huge answer is left to the GC.
const maxPooledBody = 1 << 20

func putBodyBuffer(bp *[]byte) {
	if cap(*bp) <= maxPooledBody {
		bodyBuffers.Put(bp)
	}
}
