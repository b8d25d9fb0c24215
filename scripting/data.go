package scripting

import (
	"time"

	"github.com/apiary/apiary/platform"
)

// platformConfig is platform.config: DreamFactory's public settings, nothing secret.
func (e *Engine) platformConfig() map[string]any {
	version, _ := e.version.Load().(string) // runtimes are built concurrently with Attach
	return map[string]any{"version": version, "api_version": "2.0", "always_wrap_resources": true,
		"resources_wrapper": "resource", "default_response_type": "application/json",
		"engine": "apiary-goja"}
}

// sessionData is platform.session: who is calling — user, app, role, requestor — without
// secrets (no session token, no private lookups, no password hash).
func sessionData(s *platform.Session) map[string]any {
	out := map[string]any{"api_key": nil, "user": nil, "app": nil, "role": nil, "requestor": "API"}
	if s == nil {
		return out
	}
	if s.APIKey != "" && s.App != nil {
		out["api_key"] = s.APIKey
	}
	if u := s.User; u != nil {
		user := map[string]any{"id": u.ID, "name": u.Name, "username": nil, "display_name": u.Name,
			"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "is_sys_admin": u.IsSysAdmin,
			"last_login_date": nil}
		if u.Username != nil {
			user["username"] = *u.Username
		}
		if u.LastLoginDate != nil {
			user["last_login_date"] = u.LastLoginDate.UTC().Format(time.DateTime)
		}
		out["user"] = user
	}
	if a := s.App; a != nil {
		out["app"] = map[string]any{"id": a.ID, "name": a.Name}
	}
	if r := s.Role; r != nil {
		out["role"] = map[string]any{"id": r.ID, "name": r.Name}
	}
	return out
}
