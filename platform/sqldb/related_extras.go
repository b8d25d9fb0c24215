package sqldb

// DreamFactory's relationship extras and has_one on reads (reference §2.5), around the
// relation loading of related.go. attachRelated calls, in this order:
//
//  1. withAlwaysFetch: relations with AlwaysFetch join those the client named in related=,
//     once each, even when related= is absent ("*" already names every relation). Their
//     per-relation options (<rel>.fields, …) apply as for named ones.
//  2. readOneRowPerParent, before loading: a has_one relation is read as has_many with at
//     most one row per parent (the first in <rel>.order, by default the related table's
//     primary key; DreamFactory also keeps the first match).
//  3. shapeRelated, after loading: a has_one becomes the related object or null; a
//     flattened relation (belongs_to or has_one with Flatten) is replaced by its fields.
//
// Flattening: each field f of the related record (those of <rel>.fields, else every column
// of the related table) becomes the parent key "{key}_{f}" (the relation's key: its alias, else
// its name), or "f" with FlattenDropPrefix; with no related record the keys are there with
// null, so that every record has the same keys. A key the record already has wins over a
// flattened field: the parent's own columns (read in full before fields= projects them), the
// keys of the relations loaded with it, and fields of relations flattened before (in the order of
// related=, then always_fetch in the table's order). (DreamFactory
// declares flatten and flatten_drop_prefix and stores them, but its record reads — df-database
// BaseDbTableResource::retrieveRelationRecords — never apply them; its RelationSchema only
// warns that with the prefix dropped "field names of child record must be unique, otherwise
// conflicts may arise". Here the parent keeps its values, so a related record's id never
// replaces the record's own.)

import (
	"slices"

	"github.com/apiary/apiary/platform/dbschema"
)

// withAlwaysFetch returns rels and asked (as from requestedRelations) with t's AlwaysFetch
// relations that rels lacks appended, in t's order; asked holds their names.
func withAlwaysFetch(t *dbschema.Table, rels []*dbschema.Relation, asked []string) ([]*dbschema.Relation, []string) {
	for _, r := range t.Related {
		if r.AlwaysFetch && !slices.Contains(rels, r) {
			rels, asked = append(rels, r), append(asked, r.Key())
		}
	}
	return rels, asked
}

// hasAlwaysFetch reports whether t has a relation with AlwaysFetch.
func hasAlwaysFetch(t *dbschema.Table) bool {
	return slices.ContainsFunc(t.Related, func(r *dbschema.Relation) bool { return r.AlwaysFetch })
}

// readOneRowPerParent makes the query of each has_one relation a has_many read (a copy of its
// relation with type has_many and the same name) of at most one row per parent. The schema's
// relation is not changed; shapeRelated turns the one-element lists back into objects.
func readOneRowPerParent(queries []*relQuery) {
	for _, q := range queries {
		if q.rel.Type != dbschema.HasOne {
			continue
		}
		asMany := *q.rel
		asMany.Type = dbschema.HasMany
		q.rel, q.limit, q.perParent = &asMany, 1, true
	}
}

// shapeRelated finishes rows whose relations rels were loaded by queries (same order, after
// readOneRowPerParent): has_one values become an object or null, flattened relations are
// replaced by their fields. It returns the keys the relations left in the rows — a relation's
// key, or a flattened relation's field keys — for fields= projection to keep.
func shapeRelated(rels []*dbschema.Relation, queries []*relQuery, rows []map[string]any) []string {
	var keys []string
	for i, rel := range rels {
		if rel.Type == dbschema.HasOne {
			for _, row := range rows {
				row[rel.Key()] = firstOrNil(row[rel.Key()])
			}
		}
		if !rel.Flatten || !rel.Single() {
			keys = append(keys, rel.Key())
			continue
		}
		keys = append(keys, flatten(rel, relatedFields(queries[i]), rows)...)
	}
	return keys
}

// firstOrNil is the first related row of a loaded list, or nil.
func firstOrNil(v any) any {
	if list, ok := v.([]any); ok && len(list) > 0 {
		return list[0]
	}
	return nil
}

// relatedFields are the fields a relation's rows are rendered with: <rel>.fields, else every
// column of the related table in its order.
func relatedFields(q *relQuery) []string {
	if q.fields != nil {
		return q.fields
	}
	out := make([]string, len(q.ref.Columns))
	for i, c := range q.ref.Columns {
		out[i] = c.Name
	}
	return out
}

// flatten replaces rel's object (or null) in each row by its fields (see the file comment) and
// returns the keys it set, in fields order. A key is set in every row or in none: one that
// any row already has (other than rel's own) is left out.
func flatten(rel *dbschema.Relation, fields []string, rows []map[string]any) []string {
	name := rel.Key()
	prefix := name + "_"
	if rel.FlattenDropPrefix {
		prefix = ""
	}
	taken := func(k string) bool {
		for _, row := range rows {
			if _, ok := row[k]; ok && k != name {
				return true
			}
		}
		return false
	}
	var keys, from []string
	for _, f := range fields {
		if k := prefix + f; !taken(k) {
			keys, from = append(keys, k), append(from, f)
		}
	}
	for _, row := range rows {
		obj, _ := row[name].(map[string]any)
		delete(row, name)
		for j, k := range keys {
			row[k] = obj[from[j]] // nil for a missing related record
		}
	}
	return keys
}
