package sqldb

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// relQuery is one requested relation with its per-relation options.
type relQuery struct {
	rel     *dbschema.Relation
	service string // the service of ref (refCatalog)
	ref     *dbschema.Table
	fields  []string // nil: every column
	order   string   // the order option as the client wrote it; "": the related table's primary key
	limit   int      // related rows per parent row; 0: no limit
	// perParent: the client asked for a limit, so has_many and many_many read at most limit
	// rows per parent in SQL; without one, at most max_records rows per parent are kept from
	// a read without a per-parent limit.
	perParent bool
	// junction: many_many only, the junction table in ref's service (nil when it is not there:
	// the per-parent read then fails)
	junction *dbschema.Table
}

// attachRelated loads the relations named by the request's `related` parameter ("*" or a
// comma list of their keys: DreamFactory's names, reference §2.5, or the alias an admin gave
// one, dbschema.Relation.Key), and those with always_fetch, onto rows of
// table t and returns the keys they added (nil when there are none), which the caller keeps
// when it projects the rows on `fields`. An unknown name is a 400 that lists the table's
// relations. (always_fetch, has_one and flatten: related_extras.go.)
//
// Each relation becomes a key of every row (its Key): belongs_to and has_one → the related
// object or null; has_many and many_many → an array, [] when there is none. As in
// DreamFactory, each relation is read by an internal GET of _table/{ref_table} through the
// pipeline, with the caller's session and requestor, on the related table's service (for a
// virtual relationship possibly another database service: related_foreign.go). So the
// related table's RBAC (403 without GET on it), row filters and event scripts
// (get.pre_process, post_process and queued, templated and concrete names) apply, once per
// relation for all rows together. The GET is a per-parent read
// (platform.PerParent): one statement per relation, never one per row — many_many reads the
// junction table, whose RBAC and row filters apply too, then the targets, or joins it in that
// one statement under a limit. What a pre_process script changes in the GET's parameters
// takes effect, and the rows its post_process scripts leave are the related rows. A
// per-parent read loads no relations of its own (always_fetch included): relations do not
// nest.
//
// Per-relation options: `<key>.fields`, `<key>.order` and `<key>.limit` (rows per parent row,
// at most max_records, which is also the default), or DreamFactory's underscore form
// `<key>_fields` and so on; they are checked before any relation is read. With a limit,
// has_many and many_many read at most that many rows per parent in SQL, in `order` (ties by
// the related table's primary key) after the row filters; without one, at most max_records
// rows per parent are kept.
//
// An internal read with req.NoRelations (the GraphQL data API's) loads none.
func (s *Service) attachRelated(ctx context.Context, req *platform.Request, c *catalog, t *dbschema.Table, rows []map[string]any) ([]string, error) {
	if req.NoRelations {
		return nil, nil
	}
	v, _ := req.Param("related")
	if strings.TrimSpace(v) == "" && !hasAlwaysFetch(t) {
		return nil, nil
	}
	rels, asked, err := requestedRelations(v, t)
	if err != nil {
		return nil, err
	}
	if rels, asked = withAlwaysFetch(t, rels, asked); len(rels) == 0 { // related_extras.go
		return nil, nil
	}
	queries := make([]*relQuery, len(rels))
	for i, rel := range rels {
		if queries[i], err = s.relationOptions(ctx, req, c, rel, asked[i]); err != nil {
			return nil, err
		}
	}
	readOneRowPerParent(queries) // related_extras.go: has_one
	for _, q := range queries {
		if err := s.loadRelation(ctx, req, t, q, rows); err != nil {
			return nil, err
		}
	}
	return shapeRelated(rels, queries, rows), nil // related_extras.go: has_one, flatten
}

// requestedRelations resolves a related parameter against t's relations' keys,
// case-insensitively and without duplicates; asked holds each name as the client wrote it.
func requestedRelations(v string, t *dbschema.Table) (rels []*dbschema.Relation, asked []string, err error) {
	seen := map[*dbschema.Relation]bool{}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if name == "*" {
			rels, asked, seen = nil, nil, map[*dbschema.Relation]bool{}
			for _, r := range t.Related {
				rels, asked, seen[r] = append(rels, r), append(asked, r.Key()), true
			}
			continue
		}
		r, ok := t.RelationByKey(name)
		if !ok {
			if len(t.Related) == 0 {
				return nil, nil, platform.BadRequest("Invalid relationship '%s' requested. Table '%s' has no relationships.", name, t.Name)
			}
			valid := make([]string, len(t.Related))
			for i, r := range t.Related {
				valid[i] = r.Key()
			}
			return nil, nil, platform.BadRequest("Invalid relationship '%s' requested. Send one of: %s", name, strings.Join(valid, ", "))
		}
		if !seen[r] {
			seen[r] = true
			rels, asked = append(rels, r), append(asked, name)
		}
	}
	return rels, asked, nil
}

// relationOptions reads <key>.fields, <key>.order and <key>.limit (or <key>_fields, …; with
// the dots of a key to another service's table as underscores too, as DreamFactory reads
// them) against the related table, in its service.
func (s *Service) relationOptions(ctx context.Context, req *platform.Request, c *catalog, rel *dbschema.Relation, asked string) (*relQuery, error) {
	rc, service, err := s.refCatalog(ctx, c, rel)
	if err != nil {
		return nil, err
	}
	refSchema, ref, err := rc.table(rel.RefTable)
	if err != nil {
		return nil, err
	}
	q := &relQuery{rel: rel, service: service, ref: refSchema, limit: s.maxRecords()}
	if rel.Type == dbschema.ManyMany {
		q.junction, _ = rc.schema.Table(rel.JunctionTable)
	}
	names := []string{rel.Key()} // the relation as it is named, and as the client asked for it
	if asked != rel.Key() {
		names = append(names, asked)
	}
	opt := func(name string) (string, bool) {
		var keys []string
		for _, k := range names {
			keys = append(keys, k+"."+name, k+"_"+name)
			if u := strings.ReplaceAll(k, ".", "_"); u != k {
				keys = append(keys, u+"_"+name)
			}
		}
		v, ok := req.Param(keys...)
		return v, ok && strings.TrimSpace(v) != ""
	}
	if v, ok := opt("fields"); ok {
		if q.fields, err = ref.ParseFields(v, nil); err != nil {
			return nil, err
		}
	}
	if v, ok := opt("order"); ok {
		if _, err = ref.ParseOrder(v, nil); err != nil {
			return nil, err
		}
		q.order = v
	}
	if v, ok := opt("limit"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, platform.BadRequest("Invalid limit '%s' for relationship '%s': send a whole number.", v, rel.Key())
		}
		if n > 0 && (q.limit == 0 || n < q.limit) {
			q.limit = n
		}
		q.perParent = n > 0 && rel.Type != dbschema.BelongsTo
	}
	return q, nil
}

// maxRecords is the service's max_records (0 when unknown: no cap).
func (s *Service) maxRecords() int {
	if s.conn == nil {
		return 0
	}
	return s.conn.maxRecords
}

// loadRelation reads one relation for every row, by one internal per-parent GET of the
// related table, and sets it on each.
func (s *Service) loadRelation(ctx context.Context, req *platform.Request, t *dbschema.Table, q *relQuery, rows []map[string]any) error {
	rel, name := q.rel, q.rel.Key()
	// key matches the parents' keys (Field) with those the related rows carry: RefField's, for
	// many_many the linking parent's key, a value of the junction's JunctionField.
	kind := func(t *dbschema.Table, field string) string { // "" for an unknown column: ignored
		col, _ := t.Column(field)
		if col == nil {
			return ""
		}
		return string(col.Kind)
	}
	key := matchKey(kind(t, rel.Field), kind(q.ref, rel.RefField))
	if rel.Type == dbschema.ManyMany {
		key = matchKey(kind(t, rel.Field), kind(q.junction, rel.JunctionField))
	}
	// Parent rows by key; rows without a key get null or [].
	parents := map[string][]int{}
	var keys []any
	for i, row := range rows {
		if rel.Type == dbschema.BelongsTo {
			row[name] = nil
		} else {
			row[name] = []any{}
		}
		v := row[rel.Field]
		if v == nil {
			continue
		}
		k := key(v)
		if _, ok := parents[k]; !ok {
			keys = append(keys, v)
		}
		parents[k] = append(parents[k], i)
	}
	if len(keys) == 0 {
		return nil
	}
	pp := &platform.PerParent{Key: rel.RefField, Keys: keys, ByNumber: dbschema.Kind(kind(t, rel.Field)).Fractional()}
	// hidden: the key is in the rows for matching only, not for the client
	hidden := q.fields != nil && !slices.Contains(q.fields, rel.RefField)
	switch rel.Type {
	case dbschema.BelongsTo, dbschema.HasMany:
	case dbschema.ManyMany:
		pp.Key, hidden = q.ref.UnusedName(rel.JunctionField), true
		pp.Link = &platform.PerParentLink{Table: rel.JunctionTable, Parent: rel.JunctionField, Child: rel.JunctionRefField, Ref: rel.RefField}
	default:
		return fmt.Errorf("sqldb: relation %s has unknown type %q", rel.Name, rel.Type)
	}
	if q.perParent {
		pp.Limit = q.limit
	}
	params := url.Values{}
	if q.fields != nil {
		params.Set("fields", strings.Join(q.fields, ","))
	}
	if q.order != "" {
		params.Set("order", q.order)
	}
	// q.service: this one, or another service whose table is read through it (related_foreign.go)
	resp := s.p.Handle(ctx, &platform.Request{Method: http.MethodGet, Service: q.service, Resource: "_table/" + q.ref.Name,
		Query: params, Requestor: req.Requestor, Session: req.Session, PerParent: pp})
	if resp.Err != nil {
		return resp.Err
	}

	// children maps a parent key to its related rows, in the relation's order.
	children := map[string][]map[string]any{}
	for _, r := range platform.ContentRecords(resp.Content) {
		pv := r[pp.Key]
		if pv == nil {
			continue
		}
		k := key(pv)
		if q.limit == 0 || len(children[k]) < q.limit {
			children[k] = append(children[k], r)
		}
	}
	// each parent gets its own copy of a row (rows shared by several parents are distinct
	// maps), without the hidden key
	copyRow := func(r map[string]any) map[string]any {
		cp := maps.Clone(r)
		if hidden {
			delete(cp, pp.Key)
		}
		return cp
	}
	for k, idx := range parents {
		list := children[k]
		for _, i := range idx {
			if rel.Type == dbschema.BelongsTo {
				if len(list) > 0 {
					rows[i][name] = copyRow(list[0])
				}
				continue
			}
			out := make([]any, len(list))
			for j, r := range list {
				out[j] = copyRow(r)
			}
			rows[i][name] = out
		}
	}
	return nil
}
