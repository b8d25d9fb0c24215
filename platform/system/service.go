// Package system is the system service (/api/v2/system/…): the platform's own data as
// DreamFactory's system resources, served by one generic collection implementation driven by
// the ent descriptors (ent.Resources), plus the computed resources (service_type, script_type,
// event, environment, cache) and admin sessions.
package system

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// System is the system service.
type System struct {
	p     *platform.Platform
	specs map[string]*spec
}

// Type is the "system" service type.
func Type() platform.ServiceType {
	return platform.ServiceType{Name: "system", Label: "System Management", Group: "System", Singleton: true,
		Description: "Service supporting management of the system.",
		New:         func(p *platform.Platform, _ *ent.Service) (platform.Service, error) { return New(p), nil }}
}

// New returns the system service over p.
func New(p *platform.Platform) *System {
	s := &System{p: p}
	s.specs = s.buildSpecs()
	return s
}

// resources lists every resource name under /system, as GET /system shows them.
var resources = []string{"admin", "app", "cache", "cors", "environment", "event", "event_journal", "event_script", "job",
	"lookup", "role", "script_run", "script_type", "service", "service_type", "user"}

// Events returns "system.{resource}" (system resources add no {id}), or "system" at the root.
func (s *System) Events(req *platform.Request) []string {
	seg := req.Segments()
	if len(seg) == 0 {
		return []string{"system"}
	}
	if seg[0] == "admin" && len(seg) > 1 && (seg[1] == "session" || seg[1] == "password" || seg[1] == "profile") {
		return []string{"system.admin." + seg[1]}
	}
	return []string{"system." + seg[0]}
}

// Handle routes /system/{resource}[/{key}…].
func (s *System) Handle(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	seg := req.Segments()
	if len(seg) == 0 {
		if req.Method != http.MethodGet {
			return nil, platform.BadRequest("%s requests without a resource are not currently supported by the 'system' service.", req.Method)
		}
		return platform.OK(listing(resources, req)), nil
	}
	name, key := seg[0], strings.Join(seg[1:], "/")
	switch name {
	case "admin":
		switch key {
		case "session":
			return s.adminSession(ctx, req)
		case "password":
			return s.adminPassword(ctx, req)
		case "profile":
			return nil, platform.BadRequest("Use system/admin/{id} to change an admin's profile.")
		}
	case "service_type":
		return s.serviceTypes(req, key)
	case "script_type":
		return s.scriptTypes(req, key)
	case "environment":
		return s.environment(ctx, req)
	case "cache":
		return s.cache(req, key)
	case "event":
		return s.events(ctx, req)
	case "script_run":
		return s.scriptRun(ctx, req, key)
	case "job":
		return s.jobs(ctx, req, key)
	case "event_script":
		if req.Method == http.MethodPost && key != "" {
			return s.upsertScript(ctx, req, key)
		}
	}
	sp, ok := s.specs[name]
	if !ok {
		return nil, platform.NotFound("Resource '%s' not found for service 'system'.", name)
	}
	return s.handleCollection(ctx, sp, req, key)
}

// listing renders a resource list: [{name}] by default, names only with as_list.
func listing(names []string, req *platform.Request) any {
	if req.BoolParam("as_list") {
		return platform.Wrap(names)
	}
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = map[string]any{"name": n}
	}
	return platform.Wrap(out)
}

// upsertScript is POST /system/event_script/{name}: create (201) or update (200) one script.
func (s *System) upsertScript(ctx context.Context, req *platform.Request, name string) (*platform.Response, error) {
	sp := s.specs["event_script"]
	rec, err := platform.Record(req.Payload)
	if err != nil {
		return nil, err
	}
	rec["name"] = name
	if id, err := s.resolveKey(ctx, sp, name); err == nil {
		return s.updateByID(ctx, sp, req, id, rec)
	}
	var newID int
	if err := s.inTx(ctx, req, func(w *write) error {
		var err error
		newID, err = w.create(ctx, sp, rec)
		return err
	}); err != nil {
		return nil, err
	}
	out, err := s.written(ctx, sp, req, []any{map[string]any{"id": newID}})
	if err != nil {
		return nil, err
	}
	return platform.Created(out[0]), nil
}

func sortedNames(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}

func joinOr(names []string) string {
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Interface guards
var _ platform.Service = (*System)(nil)
