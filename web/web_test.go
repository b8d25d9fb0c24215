package web

import (
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func newPlaygroundServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/playground/", Playground())
	mux.Handle("/playground", Playground())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func get(t *testing.T, srv *httptest.Server, p string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: noRedirect}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

func mediaType(t *testing.T, res *http.Response) string {
	t.Helper()
	mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("%s: bad Content-Type %q: %v", res.Request.URL.Path, res.Header.Get("Content-Type"), err)
	}
	return mt
}

var assetRef = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']([^"']+)["']`)

func TestPlaygroundIndex(t *testing.T) {
	srv := newPlaygroundServer(t)
	res, body := get(t, srv, "/playground/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /playground/: status %d", res.StatusCode)
	}
	if mt := mediaType(t, res); mt != "text/html" {
		t.Fatalf("GET /playground/: Content-Type %q", mt)
	}
	if !strings.Contains(body, `id="graphiql"`) {
		t.Fatalf("index.html lacks the GraphiQL mount point <div id=\"graphiql\">:\n%s", body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("index.html Cache-Control = %q, want no-cache", cc)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self'") {
		t.Errorf("index.html Content-Security-Policy = %q", csp)
	}

	refs := assetRef.FindAllStringSubmatch(body, -1)
	var scripts, styles int
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		u, err := url.Parse(ref)
		if err != nil {
			t.Errorf("bad asset URL %q: %v", ref, err)
			continue
		}
		if u.Scheme != "" || u.Host != "" || strings.HasPrefix(ref, "//") {
			t.Errorf("asset URL %q is absolute; the playground must not load anything from another host", ref)
			continue
		}
		if strings.HasPrefix(ref, "/") {
			t.Errorf("asset URL %q is root-relative; it must be relative to work under /playground/", ref)
			continue
		}
		abs := (&url.URL{Path: "/playground/"}).ResolveReference(u).Path
		ares, abody := get(t, srv, abs)
		if ares.StatusCode != http.StatusOK {
			t.Errorf("GET %s (from %q): status %d", abs, ref, ares.StatusCode)
			continue
		}
		if len(abody) == 0 {
			t.Errorf("GET %s: empty body", abs)
		}
		mt := mediaType(t, ares)
		switch {
		case strings.HasSuffix(abs, ".js"):
			scripts++
			if mt != "text/javascript" && mt != "application/javascript" {
				t.Errorf("GET %s: Content-Type %q, want JavaScript", abs, mt)
			}
		case strings.HasSuffix(abs, ".css"):
			styles++
			if mt != "text/css" {
				t.Errorf("GET %s: Content-Type %q, want text/css", abs, mt)
			}
		case strings.HasPrefix(mt, "text/plain"), mt == "application/octet-stream":
			t.Errorf("GET %s: unhelpful Content-Type %q", abs, mt)
		}
		if strings.Contains(abs, "/assets/") {
			if cc := ares.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("GET %s: Cache-Control %q, want immutable", abs, cc)
			}
		}
	}
	if scripts == 0 || styles == 0 {
		t.Errorf("index.html references %d scripts and %d stylesheets, want at least one of each", scripts, styles)
	}
}

// TestPlaygroundNoExternalLoads checks the built bundle for constructs that
// would load something from another host at run time.
func TestPlaygroundNoExternalLoads(t *testing.T) {
	bad := []*regexp.Regexp{
		regexp.MustCompile(`@import\s+(url\()?\s*["']?(https?:)?//`),
		regexp.MustCompile(`url\(\s*["']?(https?:)?//`),
		regexp.MustCompile(`<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//`),
		regexp.MustCompile(`fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com`),
		regexp.MustCompile(`sourceMappingURL=`),
	}
	for name, a := range playgroundHandler.files {
		if strings.HasSuffix(name, ".map") {
			t.Errorf("source map %s in dist", name)
		}
		for _, re := range bad {
			if loc := re.FindIndex(a.data); loc != nil {
				lo, hi := max(loc[0]-40, 0), min(loc[1]+40, len(a.data))
				t.Errorf("%s: external load %q in …%s…", name, re, a.data[lo:hi])
			}
		}
	}
}

func TestPlaygroundRoutes(t *testing.T) {
	srv := newPlaygroundServer(t)

	res, _ := get(t, srv, "/playground?endpoint=/graphql/db")
	if res.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("GET /playground: status %d, want 301", res.StatusCode)
	}
	loc, err := res.Request.URL.Parse(res.Header.Get("Location"))
	if err != nil || loc.Path != "/playground/" || loc.Query().Get("endpoint") != "/graphql/db" {
		t.Fatalf("GET /playground: Location %q (%v)", res.Header.Get("Location"), loc)
	}

	for _, p := range []string{"/playground/index.html", "/playground/"} {
		res, body := get(t, srv, p)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="graphiql"`) {
			t.Errorf("GET %s: status %d", p, res.StatusCode)
		}
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", p)
			continue
		}
		res, _ = get(t, srv, p, "If-None-Match", etag)
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status %d, want 304", p, res.StatusCode)
		}
	}

	for _, p := range []string{"/playground/nope.js", "/playground/assets/", "/playground/assets", "/playground/../web.go", "/playground/../dist/playground/index.html"} {
		// call the handler directly: ServeMux would clean the ".." paths
		rec := httptest.NewRecorder()
		Playground().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://x"+p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
	}

	req := httptest.NewRequest(http.MethodPost, "/playground/", nil)
	rec := httptest.NewRecorder()
	Playground().ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /playground/: status %d, want 405", rec.Code)
	}
}

// The handler also works behind http.StripPrefix and under a path prefix.
func TestPlaygroundStripPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/tools/playground/", http.StripPrefix("/tools/playground", Playground()))
	mux.Handle("/tools/playground", http.StripPrefix("/tools/playground", Playground()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, body := get(t, srv, "/tools/playground/")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="graphiql"`) {
		t.Fatalf("GET /tools/playground/: status %d", res.StatusCode)
	}
	res, _ = get(t, srv, "/tools/playground")
	loc, err := res.Request.URL.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusMovedPermanently || err != nil || loc.Path != "/tools/playground/" {
		t.Fatalf("GET /tools/playground: status %d Location %q", res.StatusCode, res.Header.Get("Location"))
	}
}
