// Package apidocs is the API docs service (service type swagger, DreamFactory's "API Doc"
// group): GET /api/v2/api_docs lists the services the caller can reach and
// GET /api/v2/api_docs/{service} answers an OpenAPI 3.0.3 document of one service, generated
// on each call from live data — a database service's introspected schema (tables, columns,
// keys, relations), any other service's event catalog.
package apidocs

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/dbschema"
)

// Type is the "swagger" service type.
func Type() platform.ServiceType {
	return platform.ServiceType{Name: "swagger", Label: "API Docs", Group: "API Doc", Singleton: true,
		Description: "API documenting service: an OpenAPI 3 document of every service, generated from its live schema.",
		New: func(p *platform.Platform, row *ent.Service) (platform.Service, error) {
			return &Service{p: p, name: row.Name}, nil
		}}
}

// Service is the API docs service.
type Service struct {
	p    *platform.Platform
	name string
}

// SchemaSource is implemented by database services: their introspected schema, cached unless
// refresh is set.
type SchemaSource interface {
	Schema(ctx context.Context, refresh bool) (*dbschema.Schema, error)
}

// Events returns "{api_docs}" at the root, else the templated name then the concrete one
// ("api_docs.{service}", "api_docs.db").
func (s *Service) Events(req *platform.Request) []string {
	seg := req.Segments()
	if len(seg) == 0 {
		return []string{s.name}
	}
	return []string{s.name + ".{service}", s.name + "." + strings.ToLower(seg[0])}
}

// EventCatalog lists the service's events: the list, the templated document and one document
// per registered service.
func (s *Service) EventCatalog(ctx context.Context) map[string][]string {
	get := []string{"get"}
	out := map[string][]string{s.name: get, s.name + ".{service}": get}
	if rows, err := s.p.ServiceRows(ctx); err == nil {
		for key := range rows {
			out[s.name+"."+key] = get
		}
	}
	return out
}

// Handle answers GET /api_docs and GET /api_docs/{service}.
func (s *Service) Handle(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodGet {
		return nil, platform.BadRequest("%s requests are not currently supported by the '%s' service.", req.Method, s.name)
	}
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		return nil, platform.AsError(err)
	}
	seg := req.Segments()
	switch len(seg) {
	case 0:
		return s.list(req, rows), nil
	case 1:
	default:
		return nil, platform.NotFound("Resource '%s' not found for service '%s'.", req.Resource, s.name)
	}
	row := rows[strings.ToLower(seg[0])]
	if row == nil {
		// Without reach the caller learns nothing, not even whether the service exists.
		if !reaches(req, seg[0]) {
			return nil, platform.Forbidden("%s", access.ForbiddenMessage(http.MethodGet, s.name, seg[0]))
		}
		return nil, platform.NotFound("Could not find a service for %s", seg[0])
	}
	if !reaches(req, row.Name) {
		return nil, platform.Forbidden("%s", access.ForbiddenMessage(http.MethodGet, s.name, seg[0]))
	}
	if !row.IsActive {
		return nil, platform.Forbidden("Service %s is deactivated.", row.Name)
	}
	svc, err := s.p.ServiceInstance(row)
	if err != nil {
		return nil, platform.AsError(err)
	}
	doc, err := s.document(ctx, req, row, svc)
	if err != nil {
		return nil, platform.AsError(err)
	}
	return platform.OK(doc), nil
}

// list is {"resource": [{name, label, type}]} of the active services the caller can reach,
// by name; with as_list, the names only.
func (s *Service) list(req *platform.Request, rows map[string]*ent.Service) *platform.Response {
	var reach []*ent.Service
	for _, row := range rows {
		if row.IsActive && reaches(req, row.Name) {
			reach = append(reach, row)
		}
	}
	sort.Slice(reach, func(i, j int) bool { return reach[i].Name < reach[j].Name })
	if req.BoolParam("as_list") {
		names := make([]string, len(reach))
		for i, row := range reach {
			names[i] = row.Name
		}
		return platform.OK(platform.Wrap(names))
	}
	out := make([]any, len(reach))
	for i, row := range reach {
		out[i] = map[string]any{"name": row.Name, "label": row.Label, "type": row.Type}
	}
	return platform.OK(platform.Wrap(out))
}

// document builds the OpenAPI document of one service.
func (s *Service) document(ctx context.Context, req *platform.Request, row *ent.Service, svc platform.Service) (map[string]any, error) {
	info := Info{Service: row.Name, Title: row.Label, Description: row.Description}
	if src, ok := svc.(SchemaSource); ok {
		sch, err := src.Schema(ctx, req.BoolParam("refresh"))
		if err != nil {
			return nil, err
		}
		sess := req.Session
		include := func(table string) bool {
			if sess.SysAdmin {
				return true
			}
			for _, comp := range []string{"_table/" + table, "_schema/" + table} {
				for _, verb := range verbs {
					if sess.Allows(row.Name, comp, strings.ToUpper(verb), req.Requestor) {
						return true
					}
				}
			}
			return false
		}
		return Database(info, sch, include), nil
	}
	var cat map[string][]string
	if c, ok := svc.(platform.EventCatalog); ok {
		cat = c.EventCatalog(ctx)
	}
	return Catalog(info, cat), nil
}

// reaches reports whether the caller may reach a service at all.
func reaches(req *platform.Request, service string) bool {
	return req.Session != nil && req.Session.CanReach(service, req.Requestor)
}

// Interface guards
var (
	_ platform.Service      = (*Service)(nil)
	_ platform.EventCatalog = (*Service)(nil)
)
