package system

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/apiary/apiary/platform"
)

func (s *System) serviceTypes(req *platform.Request, name string) (*platform.Response, error) {
	if req.Method != http.MethodGet {
		return nil, platform.BadRequest("%s requests for resource 'service_type' are not currently supported by the 'system' service.", req.Method)
	}
	group, _ := req.Param("group")
	var out []any
	for _, t := range s.p.ServiceTypes() {
		row := map[string]any{"name": t.Name, "label": t.Label, "description": t.Description, "group": t.Group,
			"singleton": t.Singleton, "dependencies_required": nil, "subscription_required": nil,
			"service_definition_editable": false, "config_schema": t.ConfigSchema}
		if name != "" && t.Name == name {
			return platform.OK(row), nil
		}
		if group == "" || strings.EqualFold(group, t.Group) {
			out = append(out, row)
		}
	}
	if name != "" {
		return nil, platform.NotFound("Service type '%s' not found.", name)
	}
	if out == nil {
		out = []any{}
	}
	return platform.OK(platform.Wrap(out)), nil
}

// scriptTypes lists the script engines. Scripts run on Apiary's embedded, sandboxed JavaScript
// engine under DreamFactory's names.
func (s *System) scriptTypes(req *platform.Request, name string) (*platform.Response, error) {
	if req.Method != http.MethodGet {
		return nil, platform.BadRequest("%s requests for resource 'script_type' are not currently supported by the 'system' service.", req.Method)
	}
	types := []map[string]any{
		{"name": "nodejs", "label": "Node.js (Apiary embedded JavaScript)",
			"description": "Server-side JavaScript in DreamFactory's Node.js script style, run on Apiary's embedded sandboxed engine.",
			"sandboxed":   true, "supports_inline_execution": true},
		{"name": "v8js", "label": "V8js (Apiary embedded JavaScript)",
			"description": "Server-side JavaScript in DreamFactory's V8js script style, run on Apiary's embedded sandboxed engine.",
			"sandboxed":   true, "supports_inline_execution": true},
	}
	if name != "" {
		for _, t := range types {
			if t["name"] == name {
				return platform.OK(t), nil
			}
		}
		return nil, platform.NotFound("Script type '%s' not found.", name)
	}
	out := make([]any, len(types))
	for i, t := range types {
		out[i] = t
	}
	return platform.OK(platform.Wrap(out)), nil
}

// environment describes how to authenticate, and the platform once the caller is known.
func (s *System) environment(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodGet {
		return nil, platform.BadRequest("%s requests for resource 'environment' are not currently supported by the 'system' service.", req.Method)
	}
	openReg := false
	if rows, err := s.p.ServiceRows(ctx); err == nil {
		if u := rows["user"]; u != nil {
			openReg, _ = u.Config["allow_open_registration"].(bool)
		}
	}
	login := map[string]any{"email": "string", "password": "string", "remember_me": "bool"}
	out := map[string]any{
		"authentication": map[string]any{
			"admin":                     map[string]any{"path": "system/admin/session", "verb": "POST", "payload": login},
			"user":                      map[string]any{"path": "user/session", "verb": "POST", "payload": login},
			"oauth":                     []any{},
			"adldap":                    []any{},
			"saml":                      []any{},
			"allow_open_registration":   openReg,
			"open_reg_email_service_id": nil,
			"allow_forever_sessions":    s.p.Config.AllowForever,
			"login_attribute":           "email",
		},
		"apps": []any{},
	}
	sess := req.Session
	if sess.User != nil || sess.Role != nil || sess.SysAdmin {
		out["platform"] = map[string]any{"version": s.p.Config.Version, "is_hosted": false, "host": s.p.Config.Host,
			"db_driver": s.p.Dialect}
		out["client"] = map[string]any{"user_agent": req.Header.Get("User-Agent"), "ip_address": req.RemoteAddr}
	}
	return platform.OK(out), nil
}

// cache flushes cached lookups: DELETE /system/cache, /system/cache/{service},
// /system/cache/_event/{name}; GET lists the services that have caches.
func (s *System) cache(req *platform.Request, key string) (*platform.Response, error) {
	switch req.Method {
	case http.MethodGet:
		var out []any
		rows, err := s.p.ServiceRows(context.Background())
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if req.Session.CanReach(r.Name, req.Requestor) {
				out = append(out, map[string]any{"name": r.Name, "label": r.Label})
			}
		}
		sort.Slice(out, func(i, j int) bool {
			return out[i].(map[string]any)["name"].(string) < out[j].(map[string]any)["name"].(string)
		})
		if out == nil {
			out = []any{}
		}
		return platform.OK(platform.Wrap(out)), nil
	case http.MethodDelete:
		if key != "" && !strings.HasPrefix(key, "_event/") {
			rows, err := s.p.ServiceRows(context.Background())
			if err != nil {
				return nil, err
			}
			if rows[strings.ToLower(key)] == nil {
				return nil, platform.NotFound("Could not find a service for %s", key)
			}
		}
		s.p.Invalidate()
		return platform.OK(platform.Success()), nil
	}
	return nil, platform.BadRequest("%s requests for resource 'cache' are not currently supported by the 'system' service.", req.Method)
}

// events lists the events of the services the caller can reach (reference §3.3): a map
// service → base name → {type, endpoints, parameter}, or with as_list a flat list of names;
// scriptable adds the .pre_process, .post_process and .queued names.
func (s *System) events(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodGet {
		return nil, platform.BadRequest("%s requests for resource 'event' are not currently supported by the 'system' service.", req.Method)
	}
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		return nil, err
	}
	only, _ := req.Param("service")
	scriptable := req.BoolParam("scriptable")
	catalogs := map[string]platform.EventCatalog{}
	for name, row := range rows {
		if (only != "" && !strings.EqualFold(only, name)) || !req.Session.CanReach(row.Name, req.Requestor) {
			continue
		}
		svc, err := s.p.ServiceInstance(row)
		if err != nil {
			continue
		}
		if cat, ok := svc.(platform.EventCatalog); ok {
			catalogs[row.Name] = cat
		}
	}
	byService := map[string]any{}
	var flat []string
	for name, events := range eventCatalogs(ctx, catalogs) {
		paths := map[string]any{}
		for base, verbs := range events {
			var endpoints []string
			for _, v := range verbs {
				e := base + "." + v
				if scriptable {
					endpoints = append(endpoints, e+platform.PhasePre, e+platform.PhasePost, e+platform.PhaseQueued)
				} else {
					endpoints = append(endpoints, e)
				}
			}
			sort.Strings(endpoints)
			flat = append(flat, endpoints...)
			paths[base] = map[string]any{"type": "api", "endpoints": endpoints, "parameter": nil}
		}
		byService[name] = paths
	}
	if req.BoolParam("as_list") {
		sort.Strings(flat)
		if flat == nil {
			flat = []string{}
		}
		return platform.OK(platform.Wrap(flat)), nil
	}
	return platform.OK(byService), nil
}

// catalogParallel bounds how many services list their events at once (a database service
// may introspect its schema to do so).
const catalogParallel = 8

// eventCatalogs asks every catalog for its events, several at a time.
func eventCatalogs(ctx context.Context, catalogs map[string]platform.EventCatalog) map[string]map[string][]string {
	out := make(map[string]map[string][]string, len(catalogs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, catalogParallel)
	for name, cat := range catalogs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			events := cat.EventCatalog(ctx)
			mu.Lock()
			out[name] = events
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// EventCatalog lists the system service's events.
func (s *System) EventCatalog(context.Context) map[string][]string {
	crud := []string{"get", "post", "put", "patch", "delete"}
	out := map[string][]string{"system": {"get"}}
	for _, r := range resources {
		switch r {
		case "service_type", "script_type", "environment", "event":
			out["system."+r] = []string{"get"}
		case "cache":
			out["system."+r] = []string{"get", "delete"}
		case "job":
			out["system."+r] = []string{"get", "put", "patch", "delete"}
		default:
			out["system."+r] = crud
		}
	}
	out["system.admin.session"] = []string{"get", "post", "put", "delete"}
	out["system.admin.password"] = []string{"post"}
	return out
}

// adminSession is /system/admin/session: sys-admins' sessions.
func (s *System) adminSession(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	return s.p.SessionResource(ctx, req, true, "admin/session", "system")
}

// adminPassword is POST /system/admin/password: a sys-admin changes their own password.
func (s *System) adminPassword(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut && req.Method != http.MethodPatch {
		return nil, platform.BadRequest("%s requests for resource 'admin/password' are not currently supported by the 'system' service.", req.Method)
	}
	if req.Session.User == nil || !req.Session.User.IsSysAdmin {
		return nil, platform.Unauthorized("You are not authorized to perform this action.")
	}
	body, _ := req.Payload.(map[string]any)
	out, err := s.p.ChangePassword(ctx, req.Session, body, req.BoolParam("login"))
	if err != nil {
		return nil, err
	}
	return platform.OK(out), nil
}
