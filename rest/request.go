package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/apiary/apiary/platform"
)

// translate builds the platform request: verb tunnelling, the parsed body and credentials.
// q is the parsed query string.
func (a *API) translate(w http.ResponseWriter, r *http.Request, service, resource string, q url.Values) (*platform.Request, error) {
	method := r.Method
	if method == http.MethodPost {
		for _, o := range []string{r.Header.Get("X-HTTP-Method"), r.Header.Get("X-Method-Override"),
			r.Header.Get("X-HTTP-Method-Override"), q.Get("method"), q.Get("_method")} {
			if o != "" {
				method = strings.ToUpper(o)
				break
			}
		}
	}
	switch method {
	case http.MethodHead: // answered as a GET without a body
		method = http.MethodGet
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, "MERGE":
	default:
		return nil, platform.Errorf(http.StatusMethodNotAllowed, "The %s method is not allowed. Use GET, POST, PUT, PATCH or DELETE.", method)
	}
	var content []byte
	var err error
	if r.Body != nil && r.Body != http.NoBody { // a request without a body (most reads) reads nothing
		content, err = io.ReadAll(http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes))
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, platform.Errorf(http.StatusRequestEntityTooLarge,
				"The request body is larger than the limit of %d bytes.", a.opts.MaxBodyBytes)
		}
		return nil, platform.BadRequest("The request body could not be read.")
	}
	ct := r.Header.Get("Content-Type")
	payload, err := parseBody(content, ct)
	if err != nil {
		return nil, err
	}
	req := &platform.Request{
		Method: method, Service: service, Resource: resource, Query: q, Header: r.Header,
		Payload: payload, Content: content, ContentType: ct, Requestor: platform.RequestorAPI,
		Credentials: platform.CredentialsFrom(r.Header, q, payload, service+"/"+resource),
		RemoteAddr:  platform.ClientHost(r),
	}
	return req, nil
}

// parseBody decodes a body by content type: JSON, form, plain text (kept raw); without a type
// JSON is sniffed. Malformed JSON is DreamFactory's 400 "Invalid or malformed JSON." with the
// offset and cause in the error context.
func parseBody(content []byte, contentType string) (any, error) {
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil, nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" && (trimmed[0] == '{' || trimmed[0] == '[') {
		mt = "application/json" // curl -d sends JSON with the form type
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(content))
		if err != nil {
			return nil, platform.BadRequest("The form body could not be parsed: %s", err.Error())
		}
		out := make(map[string]any, len(vals))
		for k, v := range vals {
			out[k] = v[0]
		}
		return out, nil
	case mt == "text/plain":
		return nil, nil
	case mt == "" || mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if mt == "" && trimmed[0] != '{' && trimmed[0] != '[' {
			return nil, platform.BadRequest("Unrecognized payload type")
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if err := dec.Decode(&v); err != nil {
			offset := dec.InputOffset()
			if errors.Is(err, io.ErrUnexpectedEOF) {
				offset = int64(len(trimmed))
			}
			return nil, invalidJSON(err, offset)
		}
		if dec.More() {
			return nil, invalidJSON(errors.New("unexpected data after the JSON value"), dec.InputOffset())
		}
		return v, nil
	}
	return nil, platform.Errorf(http.StatusUnsupportedMediaType,
		"Unsupported Content-Type '%s': send application/json, application/x-www-form-urlencoded or text/plain.", mt)
}

func invalidJSON(err error, offset int64) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	return &platform.Error{Status: 400, Code: 400, Message: "Invalid or malformed JSON.",
		Context: map[string]any{"offset": offset, "detail": err.Error()}}
}
