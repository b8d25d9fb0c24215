package sqldb

import (
	"context"
	"net/http"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// Nested writes (reference §2.4): a record may carry related records under a relation's key
// (its alias, else its name: dbschema.Relation.Key).
// A belongs_to object is written first and the record points at it; has_many children (an
// array) and a has_one child (an object) are written after the record and point at it. Each nested record needs the caller's permission
// on its own table, and is written in the request's transaction. many_many is not written
// through its relation (write the junction table).

// hasNested reports whether rec carries any related records.
func hasNested(t *dbschema.Table, rec map[string]any) bool {
	for k := range rec {
		if _, ok := t.RelationByKey(k); ok {
			return true
		}
	}
	return false
}

// child returns a transaction view on a related table, checking the caller's permission. A
// table of another service (a virtual relationship's, RefService) is a 400: a nested write is
// one transaction on one database.
func (w *txn) child(rel *dbschema.Relation, method string) (*txn, error) {
	if rel.RefService != "" {
		return nil, platform.BadRequest("Related records of '%s' are in service '%s': write them through that service.", rel.Key(), rel.RefService)
	}
	t, tbl, err := w.c.table(rel.RefTable)
	if err != nil {
		return nil, err
	}
	req := w.req
	if err := w.s.allowCall(req, method, "_table/"+t.Name, "_table/"+t.Name); err != nil {
		return nil, err
	}
	cw := &txn{s: w.s, tx: w.tx, dialect: w.dialect, t: t, tbl: tbl, keys: t.PrimaryKey, req: req, lookup: w.lookup, c: w.c}
	if cw.rf = w.s.rowFiltersFor(req, t.Name, method); cw.rf != nil && method != http.MethodPost {
		if cw.scope, err = cw.rf.predicate(tbl, w.lookup); err != nil {
			return nil, err
		}
	}
	return cw, nil
}

// nestedParents writes belongs_to objects and points rec at them.
func (w *txn) nestedParents(ctx context.Context, rec map[string]any) error {
	for k, v := range rec {
		rel, ok := w.t.RelationByKey(k)
		if !ok || rel.Type != dbschema.BelongsTo || v == nil {
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return platform.BadRequest("Related record '%s' must be a JSON object.", k)
		}
		key, err := w.upsertRelated(ctx, rel, obj)
		if err != nil {
			return err
		}
		rec[rel.Field] = key[rel.RefField]
	}
	return nil
}

// nestedChildren writes has_many children of the record whose keys are parent.
func (w *txn) nestedChildren(ctx context.Context, rec map[string]any, parent map[string]any) error {
	for k, v := range rec {
		rel, ok := w.t.RelationByKey(k)
		if !ok || v == nil || rel.Type == dbschema.BelongsTo {
			continue
		}
		if rel.Type == dbschema.ManyMany {
			return platform.BadRequest("Related records of '%s' are written through the junction table '%s'.", k, rel.JunctionTable)
		}
		list, ok := v.([]any)
		if rel.Type == dbschema.HasOne {
			list, ok = []any{v}, isObject(v)
			if !ok {
				return platform.BadRequest("Related record '%s' must be a JSON object.", k)
			}
		}
		if !ok {
			return platform.BadRequest("Related records '%s' must be a JSON array.", k)
		}
		link, ok := lookupKey(parent, rel.Field)
		if !ok {
			row, err := w.reread(ctx, []map[string]any{parent})
			if err != nil || row[0] == nil {
				return platform.Internal(err)
			}
			link = row[0][rel.Field]
		}
		for i, item := range list {
			obj, ok := item.(map[string]any)
			if !ok {
				return platform.BadRequest("Related record %d of '%s' must be a JSON object.", i, k)
			}
			obj[rel.RefField] = link
			if _, err := w.upsertRelated(ctx, rel, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

func isObject(v any) bool {
	_, ok := v.(map[string]any)
	return ok
}

// upsertRelated updates a related record that carries its keys, or creates it.
func (w *txn) upsertRelated(ctx context.Context, rel *dbschema.Relation, obj map[string]any) (map[string]any, error) {
	probe, err := w.child(rel, http.MethodPost)
	hasKeys := err == nil && len(probe.t.PrimaryKey) > 0
	if err == nil {
		for _, k := range probe.t.PrimaryKey {
			if v, ok := lookupKey(obj, k); !ok || v == nil {
				hasKeys = false
			}
		}
	}
	if hasKeys {
		cw, err := w.child(rel, http.MethodPatch)
		if err != nil {
			return nil, err
		}
		return cw.updateOne(ctx, obj, obj)
	}
	if err != nil {
		return nil, err
	}
	return probe.insert(ctx, obj)
}
