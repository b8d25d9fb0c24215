package platform

import (
	"context"
	"maps"
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

// Reconfigurer is implemented by services that can adopt a changed row of their own without
// being rebuilt, keeping what they hold (database pools). When a service's row changed (a new
// last_modified_date, same id and name), the platform calls Reconfigure with the new row before
// building a new instance: true keeps the instance, now serving the new row; false (the change
// needs a rebuild, e.g. another database) builds a new one and retires this one. Reconfigure
// may be called concurrently and more than once with the same row.
type Reconfigurer interface {
	Reconfigure(row *ent.Service) bool
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

// UpdateServiceConfig changes the stored config of service id: change gets a copy of the
// current config and returns the new one, or an error that leaves everything unchanged (it is
// returned as it is). The row is re-read and written in one transaction, its
// last_modified_date moves on, and cached service rows are dropped here and on the other
// nodes, so the running instance is reconfigured (see Reconfigurer) or rebuilt. Writes on one
// node are serialised; two nodes writing the same service at the same instant may lose one
// change.
func (p *Platform) UpdateServiceConfig(ctx context.Context, id int, change func(cfg map[string]any) (map[string]any, error)) error {
	p.configMu.Lock()
	defer p.configMu.Unlock()
	tx, err := p.Client.Tx(ctx)
	if err != nil {
		return Internal(err)
	}
	row, err := tx.Service.Get(ctx, id)
	if err != nil {
		_ = tx.Rollback()
		if ent.IsNotFound(err) {
			return NotFound("The service no longer exists.")
		}
		return Internal(err)
	}
	cfg := maps.Clone(row.Config)
	if cfg == nil {
		cfg = map[string]any{}
	}
	next, err := change(cfg)
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Service.UpdateOneID(id).SetConfig(next).Exec(ctx); err != nil {
		_ = tx.Rollback()
		return Internal(err)
	}
	if err := tx.Commit(); err != nil {
		return Internal(err)
	}
	p.Invalidate()
	return nil
}
