package platform

import (
	"context"
	"sort"

	"github.com/apiary/apiary/ent"
)

// Service answers the requests addressed to one registered service.
type Service interface {
	// Events returns the base event names req fires, templated first and concrete second
	// (e.g. ["db._table.{table_name}", "db._table.contact"]); the pipeline appends
	// ".{verb}.pre_process", ".{verb}.post_process" and ".{verb}.queued".
	Events(req *Request) []string
	// Handle answers req. Errors should be *Error; anything else becomes a 500.
	Handle(ctx context.Context, req *Request) (*Response, error)
}

// ConfigField describes one config property of a service type (DreamFactory's config_schema).
type ConfigField struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Default     any    `json:"default"`
	Description string `json:"description"`
}

// ServiceType is a kind of service (system, user, sqlite, …) and how to build one.
type ServiceType struct {
	Name         string        `json:"name"`
	Label        string        `json:"label"`
	Description  string        `json:"description"`
	Group        string        `json:"group"`
	Singleton    bool          `json:"singleton"`
	ConfigSchema []ConfigField `json:"config_schema"`
	// New builds the service for a service row; it is called again when the row changes.
	New func(p *Platform, row *ent.Service) (Service, error) `json:"-"`
}

// RegisterServiceType adds a service type; call it before serving.
func (p *Platform) RegisterServiceType(t ServiceType) { p.types[t.Name] = t }

// ServiceTypes lists the registered service types sorted by name.
func (p *Platform) ServiceTypes() []ServiceType {
	out := make([]ServiceType, 0, len(p.types))
	for _, t := range p.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ServiceType returns a registered type by name.
func (p *Platform) ServiceType(name string) (ServiceType, bool) {
	t, ok := p.types[name]
	return t, ok
}

// EventCatalog is implemented by services that can list the events they fire (system/event):
// base event name → the verbs it fires for, lower-case.
type EventCatalog interface {
	EventCatalog(ctx context.Context) map[string][]string
}

// ServiceRows returns every registered service row, keyed by lower-case name.
func (p *Platform) ServiceRows(ctx context.Context) (map[string]*ent.Service, error) {
	return p.serviceRows(ctx)
}

// ServiceInstance returns the running service of a row.
func (p *Platform) ServiceInstance(row *ent.Service) (Service, error) { return p.instance(row) }
