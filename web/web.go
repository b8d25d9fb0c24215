// Package web holds Apiary's browser front ends, built from the sources in
// web/playground (npm + Vite, `make web`) and embedded in the
// binary, so a Go build needs no Node and nothing is fetched from a CDN.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

const playgroundDir = "dist/playground"

// hashedAsset matches the content-hashed file names Vite emits
// (assets/index-CgmAdjlP.js): they never change and may be cached forever.
var hashedAsset = regexp.MustCompile(`^assets/.+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$`)

// contentTypes covers what Vite emits, independently of the host's mime tables.
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".txt":   "text/plain; charset=utf-8",
	".wasm":  "application/wasm",
}

// playgroundCSP only allows same-origin resources, so the playground cannot
// load anything from a CDN nor send its credentials to another host.
// (Inline styles are needed by GraphiQL's UI libraries; fonts and images are
// inlined as data: URLs.)
const playgroundCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'self'"

type asset struct {
	data        []byte
	contentType string
	etag        string
	immutable   bool
}

type playground struct {
	files map[string]*asset // keyed by path relative to dist/playground
}

// Playground serves the built GraphiQL app; mount it at /playground/ (it
// redirects /playground to /playground/). With net/http:
//
//	mux.Handle("/playground/", web.Playground())
//	mux.Handle("/playground", web.Playground())
//
// and with chi: r.Mount("/playground", web.Playground()). The handler also
// works behind http.StripPrefix("/playground", …), since the page only uses
// relative URLs.
func Playground() http.Handler {
	return playgroundHandler
}

var playgroundHandler = mustLoad()

func mustLoad() *playground {
	sub, err := fs.Sub(dist, playgroundDir)
	if err != nil {
		panic("web: " + err.Error())
	}
	p := &playground{files: map[string]*asset{}}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		p.files[name] = &asset{
			data:        data,
			contentType: contentType(name, data),
			etag:        `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
			immutable:   hashedAsset.MatchString(name),
		}
		return nil
	})
	if err != nil {
		panic("web: " + err.Error())
	}
	if p.files["index.html"] == nil {
		panic("web: " + playgroundDir + "/index.html is missing; run `make web`")
	}
	return p
}

func contentType(name string, data []byte) string {
	ext := strings.ToLower(path.Ext(name))
	if ct, ok := contentTypes[ext]; ok {
		return ct
	}
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return http.DetectContentType(data)
}

func (p *playground) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The handler sees either the full path (/playground/assets/x.js) or,
	// behind http.StripPrefix, the rest of it (/assets/x.js, "" for /playground).
	rest := r.URL.Path
	if after, ok := strings.CutPrefix(rest, "/playground"); ok && (after == "" || after[0] == '/') {
		rest = after
	}
	if rest == "" {
		p.redirectToSlash(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(rest, "/")
	if name == "" {
		name = "index.html"
	}
	a := p.files[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if strings.HasPrefix(a.contentType, "text/html") {
		h.Set("Content-Security-Policy", playgroundCSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "SAMEORIGIN")
	}
	// ServeContent answers If-None-Match (304), HEAD and Range requests.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}

// redirectToSlash sends /playground to /playground/ with a relative Location,
// so that it also works under a path prefix or behind http.StripPrefix.
func (p *playground) redirectToSlash(w http.ResponseWriter, r *http.Request) {
	orig := r.URL.EscapedPath()
	if orig == "" {
		orig, _, _ = strings.Cut(r.RequestURI, "?")
	}
	last := path.Base(orig)
	if last == "." || last == "/" || last == "" {
		last = "playground"
	}
	loc := "./" + last + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusMovedPermanently)
}
