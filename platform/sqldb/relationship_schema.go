package sqldb

// How a service's stored relationship settings — its virtual relationships (virtual.go) and
// the extras of its foreign-key relationships (relationship_extras.go) — join its inspected
// schema, and how they change: always through UpdateServiceConfig, then at once on this node
// (setRelConfig) and, when their caches learn of the change, on the others (Reconfigure).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform/dbschema"
)

// relConfig is a service's stored relationship settings.
type relConfig struct {
	virtual []virtualRel
	extras  []fkExtras
}

// relConfigOf reads the relationship settings of a service config; services maps service
// ids to names (see virtualsFromConfig).
func relConfigOf(cfg map[string]any, services map[int]string) relConfig {
	return relConfig{virtual: virtualsFromConfig(cfg, services), extras: fkExtrasFromConfig(cfg)}
}

// serviceNames maps the platform's service ids to their names; nil when they can not be read
// (logged).
func (s *Service) serviceNames(ctx context.Context) map[int]string {
	rows, err := s.p.ServiceRows(ctx)
	if err != nil {
		s.p.Logger().Warn("reading the services failed: relationships to other services keep their stored names", "service", s.name, "error", err)
		return nil
	}
	out := make(map[int]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out
}

// serviceNamesNow is serviceNames outside a request.
func (s *Service) serviceNamesNow() map[int]string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.serviceNames(ctx)
}

func (rc relConfig) equal(o relConfig) bool {
	return slices.Equal(rc.virtual, o.virtual) && slices.Equal(rc.extras, o.extras)
}

// store writes rc into a service config.
func (rc relConfig) store(cfg map[string]any) {
	cfg[ConfigVirtualRelationships] = virtualsConfig(rc.virtual)
	if len(rc.extras) > 0 {
		cfg[ConfigRelationshipExtras] = fkExtrasConfig(rc.extras)
	} else {
		delete(cfg, ConfigRelationshipExtras)
	}
}

// leftOut is a stored relationship setting that buildSchema could not apply, and why.
type leftOut struct{ table, relationship, why string }

// buildSchema returns base (as inspected: foreign-key relations only) with rc applied, in
// this order:
//
//  1. the extras of foreign-key relationships (dbschema.WithExtras); those of a relationship
//     base lacks are left out;
//  2. the virtual relationships, after the foreign-key ones (dbschema.WithRelations); one
//     whose table or fields are gone, or whose name its table already has, is left out;
//  3. the aliases: a relation's key must name it alone, so an alias that is a field of its
//     table, the name of another of its relations, or the alias of one before it is dropped.
//
// base is not changed. What could not be applied is returned in out; the rest applies.
func buildSchema(base *dbschema.Schema, rc relConfig) (*dbschema.Schema, []leftOut) {
	var out []leftOut
	extras := map[string]map[string]dbschema.Extras{}
	for _, x := range rc.extras {
		setExtras(extras, x.Table, x.Relationship, x.Extras)
	}
	sch, missing := dbschema.WithExtras(base, extras)
	for _, m := range missing {
		table, rel, _ := strings.Cut(m, "/")
		why := "its table does not exist"
		if rel != "" {
			why = "the table has no relationship of that name derived from a foreign key (is the foreign key gone?)"
		}
		out = append(out, leftOut{table: table, relationship: rel, why: why})
	}

	added := map[string][]*dbschema.Relation{}
	for _, v := range rc.virtual {
		r, why := v.resolve(base, nil)
		if r == nil {
			out = append(out, leftOut{table: v.Table, relationship: v.name(), why: why})
			continue
		}
		key := strings.ToLower(v.Table)
		added[key] = append(added[key], r)
	}
	sch, skipped := dbschema.WithRelations(sch, added)
	for _, r := range skipped {
		out = append(out, leftOut{relationship: r.Name, why: "its table already has a relationship of that name"})
	}

	unaliased := map[string]map[string]dbschema.Extras{} // the relations whose alias is dropped
	for _, name := range sch.Names {
		key := strings.ToLower(name)
		t := sch.Tables[key]
		for i, r := range t.Related {
			if r.Alias == "" || uniqueKey(t, i) {
				continue
			}
			out = append(out, leftOut{table: t.Name, relationship: r.Name,
				why: fmt.Sprintf("its alias '%s' is already a field, or the name or alias of another relationship, of table '%s'", r.Alias, t.Name)})
			x := r.Extras
			x.Alias = ""
			setExtras(unaliased, key, r.Name, x)
		}
	}
	sch, _ = dbschema.WithExtras(sch, unaliased) // nothing missing: every entry is a relation of sch
	return sch, out
}

// setExtras sets the extras of relation of table in extras, as dbschema.WithExtras takes them.
func setExtras(extras map[string]map[string]dbschema.Extras, table, relation string, x dbschema.Extras) {
	key := strings.ToLower(table)
	if extras[key] == nil {
		extras[key] = map[string]dbschema.Extras{}
	}
	extras[key][strings.ToLower(relation)] = x
}

// uniqueKey reports whether the alias of t.Related[i] is not a field of t, not the name of
// another of its relations, and not the alias of a relation before it (case-insensitively).
func uniqueKey(t *dbschema.Table, i int) bool {
	alias := t.Related[i].Alias
	if _, ok := t.Column(alias); ok {
		return false
	}
	for j, o := range t.Related {
		if j != i && (strings.EqualFold(o.Name, alias) || (j < i && strings.EqualFold(o.Alias, alias))) {
			return false
		}
	}
	return true
}

// withRelConfig is buildSchema, logging what it left out.
func (s *Service) withRelConfig(base *dbschema.Schema, rc relConfig) *dbschema.Schema {
	sch, out := buildSchema(base, rc)
	for _, l := range out {
		s.p.Logger().Warn("relationship setting left out: "+l.why, "service", s.name, "table", l.table, "relationship", l.relationship)
	}
	return sch
}

// setRelConfig makes rc the service's relationship settings and rebuilds the cached catalog's
// schema on the inspected one, without introspecting again.
func (s *Service) setRelConfig(rc relConfig) {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	s.rels.Store(&rc)
	if c := s.catalog.Load(); c != nil {
		s.catalog.Store(&catalog{base: c.base, schema: s.withRelConfig(c.base, rc), tables: c.tables})
	}
}

// relConfig returns the service's relationship settings.
func (s *Service) relConfig() relConfig {
	if p := s.rels.Load(); p != nil {
		return *p
	}
	return relConfig{}
}

// updateRelConfig changes the stored relationship settings of the service: change gets the
// current ones (as stored, which another node may have changed) and returns the new ones, or
// an error that leaves everything unchanged. The new settings apply at once on this node.
func (s *Service) updateRelConfig(ctx context.Context, change func(relConfig) (relConfig, error)) error {
	var stored relConfig
	services := s.serviceNames(ctx)
	err := s.p.UpdateServiceConfig(ctx, s.id, func(cfg map[string]any) (map[string]any, error) {
		next, err := change(relConfigOf(cfg, services))
		if err != nil {
			return nil, err
		}
		next.store(cfg)
		stored = next
		return cfg, nil
	})
	if err == nil {
		s.setRelConfig(stored)
	}
	return err
}

// dropStaleExtras removes from the stored config the extras of foreign-key relationships that
// base (just inspected after a schema change made through Apiary) no longer has: their foreign
// key or table was dropped. Failures are logged; the extras are left out of the schema anyway.
func (s *Service) dropStaleExtras(ctx context.Context, base *dbschema.Schema) {
	stale := func(x fkExtras) bool {
		t, ok := base.Table(x.Table)
		if !ok {
			return true
		}
		_, ok = t.Relation(x.Relationship)
		return !ok
	}
	if !slices.ContainsFunc(s.relConfig().extras, stale) {
		return
	}
	err := s.updateRelConfig(ctx, func(rc relConfig) (relConfig, error) {
		var kept []fkExtras
		for _, x := range rc.extras {
			if stale(x) {
				s.p.Logger().Info("relationship extras dropped: the relationship is gone", "service", s.name, "table", x.Table, "relationship", x.Relationship)
				continue
			}
			kept = append(kept, x)
		}
		rc.extras = kept
		return rc, nil
	})
	if err != nil {
		s.p.Logger().Warn("dropping the extras of relationships that are gone failed", "service", s.name, "error", err)
	}
}

// Reconfigure adopts a changed row of this service when it reaches the same database with the
// same limits (only the relationship settings or settings read per request changed): the pool
// and the inspected schema are kept. It implements platform.Reconfigurer.
func (s *Service) Reconfigure(row *ent.Service) bool {
	if row.Name != s.name || s.cfgErr != nil {
		return false
	}
	c, err := parseConfig(s.kind, row.Config, s.p.Config.DataDir)
	if err != nil || connKey(c) != s.connKey {
		return false
	}
	if rc := relConfigOf(row.Config, s.serviceNamesNow()); !rc.equal(s.relConfig()) {
		s.setRelConfig(rc) // a new schema only when they changed: GraphQL keeps its schema otherwise
	}
	return true
}
