package rest

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
)

// CORS applies the rules of system/cors to every request: the most specific enabled rule whose
// path matches (glob with *, without the leading "/") and whose origins include the request's
// Origin sets the CORS headers; a preflight (OPTIONS with Access-Control-Request-Method) is
// answered here with 204.
func CORS(p *platform.Platform) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
			if origin == "" {
				if r.Method == http.MethodOptions {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			rules, err := p.CorsRules(r.Context())
			if err != nil {
				writeResponse(w, r, platform.ErrorResponse(err))
				return
			}
			rule := matchRule(rules, strings.TrimPrefix(r.URL.Path, "/"), origin)
			h := w.Header()
			h.Add("Vary", "Origin")
			if rule != nil {
				allowOrigin := origin
				if strings.TrimSpace(rule.Origin) == "*" && !rule.SupportsCredentials {
					allowOrigin = "*"
				}
				h.Set("Access-Control-Allow-Origin", allowOrigin)
				if rule.SupportsCredentials {
					h.Set("Access-Control-Allow-Credentials", "true")
				}
				if rule.ExposedHeader != "" {
					h.Set("Access-Control-Expose-Headers", rule.ExposedHeader)
				}
			}
			if !preflight {
				if r.Method == http.MethodOptions {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			if rule != nil && methodAllowed(rule.Method, r.Header.Get("Access-Control-Request-Method")) {
				h.Set("Access-Control-Allow-Methods", methods(rule.Method))
				allowHeaders := rule.Header
				if strings.TrimSpace(allowHeaders) == "*" {
					allowHeaders = r.Header.Get("Access-Control-Request-Headers")
				}
				if allowHeaders != "" {
					h.Set("Access-Control-Allow-Headers", allowHeaders)
				}
				h.Set("Access-Control-Max-Age", strconv.Itoa(rule.MaxAge))
			}
			w.WriteHeader(http.StatusNoContent)
		})
	}
}

// matchRule returns the enabled rule with the longest matching path that allows origin.
func matchRule(rules []*ent.Cors, reqPath, origin string) *ent.Cors {
	var best *ent.Cors
	for _, c := range rules {
		if !c.Enabled || !originAllowed(c.Origin, origin) {
			continue
		}
		pattern := strings.TrimPrefix(strings.TrimSpace(c.Path), "/")
		ok := pattern == "*" || pattern == reqPath
		if !ok {
			ok, _ = path.Match(pattern, reqPath)
		}
		if !ok && strings.HasSuffix(pattern, "*") {
			ok = strings.HasPrefix(reqPath, strings.TrimSuffix(pattern, "*"))
		}
		if ok && (best == nil || len(pattern) > len(strings.TrimPrefix(best.Path, "/"))) {
			best = c
		}
	}
	return best
}

func originAllowed(list, origin string) bool {
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "*" || strings.EqualFold(strings.TrimSuffix(o, "/"), origin) {
			return true
		}
	}
	return false
}

var verbNames = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func methods(mask int) string {
	var out []string
	for _, v := range verbNames {
		if mask&access.VerbMask(v) != 0 {
			out = append(out, v)
		}
	}
	return strings.Join(out, ", ")
}

func methodAllowed(mask int, method string) bool {
	if strings.EqualFold(method, "OPTIONS") {
		return true
	}
	return mask&access.VerbMask(strings.ToUpper(method)) != 0
}
