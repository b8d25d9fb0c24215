package scripting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// HTTPConfig governs the external calls scripts make through platform.api.
type HTTPConfig struct {
	// Timeout caps one call (default 10 s); the run's own deadline applies too.
	Timeout time.Duration
	// MaxResponse caps the response body read (default 8 MiB).
	MaxResponse int64
	// AllowPrivate lets scripts reach loopback, private, link-local and unspecified
	// addresses. Off by default: scripts could otherwise reach the server's own network.
	AllowPrivate bool
	// AllowHosts, when set, is the only hosts scripts may call: exact names or "*.example.com".
	AllowHosts []string
}

func (c *HTTPConfig) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = 8 << 20
	}
}

var errForbiddenAddress = errors.New("the address is not allowed for script calls (loopback, private or link-local)")

// newHTTPClient returns the client of external calls. The address check runs on every
// connection after DNS resolution (so a name that resolves to a private address is refused,
// redirects included); proxies from the environment are not used.
func newHTTPClient(cfg HTTPConfig) *http.Client {
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		if cfg.AllowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		ip := net.ParseIP(host)
		if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
			ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
			return errForbiddenAddress
		}
		return nil
	}}
	return &http.Client{
		Transport: &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 8,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: cfg.Timeout, ResponseHeaderTimeout: cfg.Timeout},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			if !hostAllowed(cfg.AllowHosts, req.URL.Hostname()) {
				return fmt.Errorf("redirect to host %q is not allowed", req.URL.Hostname())
			}
			return nil
		},
	}
}

func hostAllowed(allow []string, host string) bool {
	if len(allow) == 0 {
		return true
	}
	host = strings.ToLower(host)
	for _, a := range allow {
		a = strings.ToLower(a)
		if a == host || (strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:])) {
			return true
		}
	}
	return false
}

// external makes an HTTP call for a script. options: headers, parameters (added to the query),
// CURLOPT_USERNAME / CURLOPT_PASSWORD (basic auth); other cURL options are ignored. A v8js
// script gets an exception for a failed call or a status of 300 or more, as DreamFactory's
// cURL wrapper throws; a nodejs script gets the response.
func (v *vm) external(method, rawURL string, payload any, raw []byte, opts map[string]any) map[string]any {
	st := v.run
	cfg := v.e.cfg.HTTP
	fail := func(format string, args ...any) map[string]any {
		msg := fmt.Sprintf(format, args...)
		if st.s.typ != TypeNodejs {
			panic(v.rt.NewGoError(errors.New(msg)))
		}
		return map[string]any{"status_code": http.StatusBadGateway, "content": map[string]any{"error": map[string]any{
			"code": http.StatusBadGateway, "message": msg}}, "content_type": "application/json", "headers": map[string]any{}}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return fail("platform.api: invalid URL %q", rawURL)
	}
	if !hostAllowed(cfg.AllowHosts, u.Hostname()) {
		return fail("platform.api: host %q is not in the server's list of hosts scripts may call", u.Hostname())
	}
	if params := queryValues(opts["parameters"]); len(params) > 0 {
		q := u.Query()
		for k, vs := range params {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	if st.dry != nil {
		st.dry.add(map[string]any{"method": method, "url": u.String(), "payload": payload})
		return map[string]any{"status_code": http.StatusOK, "content": map[string]any{"dry_run": true,
			"message": "Not executed: a dry run does not call other hosts."}, "content_type": "application/json", "headers": map[string]any{}}
	}
	ctx, cancel := context.WithTimeout(st.ctx, cfg.Timeout)
	defer cancel()
	var body io.Reader
	if raw != nil && method != http.MethodGet && method != http.MethodHead {
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fail("platform.api: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range headerValues(opts["headers"]) {
		req.Header[k] = vs
	}
	if user, ok := opts["CURLOPT_USERNAME"].(string); ok {
		pass, _ := opts["CURLOPT_PASSWORD"].(string)
		req.SetBasicAuth(user, pass)
	}
	resp, err := v.e.http.Do(req)
	if err != nil {
		return fail("platform.api: %s %s failed: %v", method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, cfg.MaxResponse+1))
	if err != nil {
		return fail("platform.api: reading the response of %s %s: %v", method, u.Redacted(), err)
	}
	if int64(len(data)) > cfg.MaxResponse {
		return fail("platform.api: the response of %s %s is larger than %d bytes", method, u.Redacted(), cfg.MaxResponse)
	}
	var content any = string(data)
	ct := resp.Header.Get("Content-Type")
	if strings.Contains(ct, "json") {
		var parsed any
		if json.Unmarshal(data, &parsed) == nil {
			content = parsed
		}
	}
	out := map[string]any{"status_code": resp.StatusCode, "content": content, "content_type": ct, "headers": headerObject(resp.Header)}
	if resp.StatusCode >= 300 && st.s.typ != TypeNodejs {
		e := v.rt.NewGoError(fmt.Errorf("platform.api: %s %s answered %d", method, u.Redacted(), resp.StatusCode))
		_ = e.Set("response", toJS(v.rt, out))
		panic(e)
	}
	return out
}
