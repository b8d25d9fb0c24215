package platform

import (
	"net/http"
	"net/url"
	"strings"
)

// CredentialsFrom reads credentials as DreamFactory does (reference §1.3): the API key from
// query api_key, header X-DreamFactory-API-Key, then the body's api_key (not for system/app
// paths); the session token from Authorization: Bearer, header X-DreamFactory-Session-Token,
// then session_token in the query or body. Every surface uses it.
func CredentialsFrom(h http.Header, q url.Values, payload any, path string) Credentials {
	body, _ := payload.(map[string]any)
	var c Credentials
	c.APIKey = q.Get("api_key")
	if c.APIKey == "" {
		c.APIKey = h.Get("X-Dreamfactory-Api-Key") // canonical: Get need not copy the name to canonicalise it
	}
	if c.APIKey == "" && !strings.Contains(path, "system/app") {
		c.APIKey, _ = body["api_key"].(string)
	}
	if a := h.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		c.SessionToken = strings.TrimSpace(a[7:])
	}
	if c.SessionToken == "" {
		c.SessionToken = h.Get("X-Dreamfactory-Session-Token")
	}
	if c.SessionToken == "" {
		c.SessionToken = q.Get("session_token")
	}
	if c.SessionToken == "" {
		c.SessionToken, _ = body["session_token"].(string)
	}
	return c
}
