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

// serviceByID returns the database service of the platform with row id, other than s; or nil
// and why not ("names no service", "names service 'x', which is not a database service").
func (s *Service) serviceByID(ctx context.Context, id int) (*Service, string) {
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		return nil, "could not be checked: " + platform.AsError(err).Message
	}
	for _, row := range rows {
		if row.ID != id {
			continue
		}
		inst, err := s.p.ServiceInstance(row)
		if err != nil {
			return nil, fmt.Sprintf("names service '%s', which is not available: %s", row.Name, platform.AsError(err).Message)
		}
		other, ok := inst.(*Service)
		if !ok {
			return nil, fmt.Sprintf("names service '%s', which is not a database service", row.Name)
		}
		return other, ""
	}
	return nil, fmt.Sprintf("%d names no service", id)
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
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		return nil, "", platform.Internal(err)
	}
	gone := platform.NotFound("Relationship '%s' reads service '%s', which no longer exists.", rel.Key(), rel.RefService)
	var row *ent.Service
	for _, r := range rows {
		if r.ID == rel.RefServiceID {
			row = r
			break
		}
	}
	if row == nil {
		return nil, "", gone
	}
	inst, err := s.p.ServiceInstance(row)
	if err != nil {
		return nil, "", err
	}
	other, ok := inst.(*Service)
	if !ok {
		return nil, "", gone
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
