package sqldb

// Relationships to tables of other database services (virtual.go): finding that service, and
// its catalog for a relation's reads.

import (
	"context"
	"fmt"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// findService finds the platform's service with row id: its row (nil when no service has that
// id) and, when it is a database service, its instance (else nil). err is the failure to read
// the services (row nil) or to start the service found (row set).
func (s *Service) findService(ctx context.Context, id int) (row *ent.Service, other *Service, err error) {
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		if r.ID == id {
			row = r
			break
		}
	}
	if row == nil {
		return nil, nil, nil
	}
	inst, err := s.p.ServiceInstance(row)
	if err != nil {
		return row, nil, err
	}
	other, _ = inst.(*Service)
	return row, other, nil
}

// serviceByID returns the database service of the platform with row id, other than s; or nil
// and why not ("names no service", "names service 'x', which is not a database service").
func (s *Service) serviceByID(ctx context.Context, id int) (*Service, string) {
	row, other, err := s.findService(ctx, id)
	switch {
	case row == nil && err != nil:
		return nil, "could not be checked: " + platform.AsError(err).Message
	case row == nil:
		return nil, fmt.Sprintf("%d names no service", id)
	case err != nil:
		return nil, fmt.Sprintf("names service '%s', which is not available: %s", row.Name, platform.AsError(err).Message)
	case other == nil:
		return nil, fmt.Sprintf("names service '%s', which is not a database service", row.Name)
	}
	return other, ""
}

// refCatalog returns the catalog that holds rel's RefTable (and JunctionTable) and the name
// of the service to read them through: c and this service's name, or the catalog of the
// service rel reads from (RefServiceID), introspected when needed, and that service's name
// now. That service is found by its id, not by the name the relation was built with
// (RefService): the instance that holds rel lives on when the other service is renamed or
// deleted, and a service that took the name since is another one. For the other service,
// whose tables were checked only when the relationship was written, a table or field that is
// gone there is a 404 naming the relationship.
func (s *Service) refCatalog(ctx context.Context, c *catalog, rel *dbschema.Relation) (*catalog, string, error) {
	if rel.RefService == "" {
		return c, s.name, nil
	}
	row, other, err := s.findService(ctx, rel.RefServiceID)
	switch {
	case row == nil && err != nil:
		return nil, "", platform.Internal(err)
	case err != nil:
		return nil, "", err
	case other == nil: // no service has the id, or it is not a database service
		return nil, "", platform.NotFound("Relationship '%s' reads service '%s', which no longer exists.", rel.Key(), rel.RefService)
	}
	oc, _, err := other.schema(ctx, false)
	if err != nil {
		return nil, "", err
	}
	need := [][2]string{{rel.RefTable, rel.RefField}}
	if rel.JunctionTable != "" {
		need = append(need, [2]string{rel.JunctionTable, rel.JunctionField}, [2]string{rel.JunctionTable, rel.JunctionRefField})
	}
	for _, n := range need {
		t, ok := oc.schema.Table(n[0])
		if _, found := t.Column(n[1]); !ok || !found {
			return nil, "", platform.NotFound("Relationship '%s' reads field '%s' of table '%s' in service '%s', which no longer exists.",
				rel.Key(), n[1], n[0], row.Name)
		}
	}
	return oc, row.Name, nil
}
