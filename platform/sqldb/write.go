package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
	"github.com/apiary/apiary/platform/store"
)

// txn is one write request: a single transaction over one table.
type txn struct {
	s       *Service
	tx      *sql.Tx
	owned   bool // tx is this request's own (false: a platform.Unit's)
	dialect string
	t       *dbschema.Table
	tbl     *sqltable.Table
	// keys identify records: the id_field list, or the primary key.
	keys   []string
	req    *platform.Request
	lookup func(string) (string, bool)
	// rf are the role's row filters for this table and verb; scope is their predicate, which
	// limits the rows an update or delete can reach (nil without filters).
	rf    *rowFilters
	scope *entsql.Predicate
	c     *catalog // for nested writes into related tables
}

// write serves POST, PUT, PATCH and DELETE on _table/{table}[/{id}] in one transaction
// (reference §2.4). Without continue, the first failing record rolls everything back.
func (s *Service) write(ctx context.Context, req *platform.Request, c *catalog, db *store.CachedDB, name, id string) (*platform.Response, error) {
	t, tbl, err := c.table(name)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodPost && id != "" {
		return nil, platform.BadRequest("Create record by identifier not currently supported.")
	}
	cont, err := req.BatchMode()
	if err != nil {
		return nil, err
	}
	keys := t.PrimaryKey
	if v, ok := req.Param("id_field"); ok && strings.TrimSpace(v) != "" {
		cols, err := idColumns(req, t)
		if err != nil {
			return nil, err
		}
		keys = make([]string, len(cols))
		for i, c := range cols {
			keys[i] = c.Name
		}
	}
	tx, owned, err := s.begin(ctx, db)
	if err != nil {
		return nil, s.dbError(err)
	}
	// Under a unit of work the request runs in a savepoint of the unit's transaction, so that a
	// failed request leaves nothing behind (and PostgreSQL's transaction stays usable) whether
	// or not the unit's owner goes on.
	if !owned {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT apiary_req"); err != nil {
			return nil, s.dbError(err)
		}
	}
	// rollback undoes the request's writes: its own transaction, or its savepoint.
	rollback := func() {
		if owned {
			_ = tx.Rollback()
		} else {
			_, _ = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT apiary_req")
		}
	}
	w := &txn{s: s, tx: tx, owned: owned, dialect: s.conn.dialect, t: t, tbl: tbl, keys: keys, req: req, lookup: s.p.Lookups(ctx, req.Session), c: c}
	if w.rf = s.rowFiltersFor(req, t.Name, req.Method); w.rf != nil && req.Method != http.MethodPost {
		if w.scope, err = w.rf.predicate(tbl, w.lookup); err != nil {
			rollback()
			return nil, err
		}
	}
	var resp *platform.Response
	switch req.Method {
	case http.MethodPost:
		resp, err = w.create(ctx, cont)
	case http.MethodPut, http.MethodPatch:
		resp, err = w.update(ctx, id, cont)
	case http.MethodDelete:
		resp, err = w.remove(ctx, id, cont)
	default:
		err = platform.BadRequest("%s requests for resource '_table/%s' are not currently supported by the '%s' service.", req.Method, name, s.name)
	}
	if err != nil {
		rollback()
		return nil, err
	}
	if !owned {
		if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT apiary_req"); err != nil {
			return nil, s.dbError(err)
		}
		return resp, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, s.writeError(err)
	}
	return resp, nil
}

// begin returns the transaction a write runs in: the unit of work's for this service when
// the request runs under one (platform.Unit; owned false: the unit's owner ends it), else a
// new one the request commits or rolls back itself.
func (s *Service) begin(ctx context.Context, db *store.CachedDB) (tx *sql.Tx, owned bool, err error) {
	u := platform.UnitFrom(ctx)
	if u == nil {
		tx, err = db.BeginTx(ctx, nil)
		return tx, true, err
	}
	utx, err := u.Tx(s.name, func(uctx context.Context) (platform.UnitTx, error) { return db.BeginTx(uctx, nil) })
	if err != nil {
		return nil, false, err
	}
	return utx.(*sql.Tx), false, nil
}

// reader is what a read runs on: the unit of work's transaction for this service when the
// request runs under a unit that has written (so that it sees those writes), else the pool.
func (s *Service) reader(ctx context.Context, db *store.CachedDB) sqltable.DB {
	if u := platform.UnitFrom(ctx); u != nil {
		if tx, ok := u.Existing(s.name).(*sql.Tx); ok {
			return tx
		}
	}
	return db
}

// batch runs op for n records. With cont each record runs in its own savepoint and failures
// are reported per record; without, the first failure ends the batch (the caller rolls back).
// A failure that is not the client's (5xx) always ends the request.
func (w *txn) batch(ctx context.Context, n int, cont bool, verb string, op func(i int) (any, error)) ([]any, error) {
	results := make([]any, n)
	var failed []int
	for i := 0; i < n; i++ {
		sp := fmt.Sprintf("apiary_rec_%d", i)
		if cont {
			if _, err := w.tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
				return nil, w.s.dbError(err)
			}
		}
		r, err := op(i)
		if err != nil {
			if pe := platform.AsError(err); pe.Status >= 500 {
				return nil, err
			}
			results[i], failed = platform.ErrorObject(err), append(failed, i)
			if !cont {
				return nil, platform.BatchError(verb, failed, results, true)
			}
			if _, err := w.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				return nil, w.s.dbError(err)
			}
			continue
		}
		results[i] = r
		if cont {
			if _, err := w.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
				return nil, w.s.dbError(err)
			}
		}
	}
	if len(failed) > 0 {
		// The successful records are committed (under a unit of work the request's error
		// undoes them with its savepoint); the reply still reports the failures.
		if w.owned {
			if err := w.tx.Commit(); err != nil {
				return nil, w.s.writeError(err)
			}
		}
		return nil, platform.BatchError(verb, failed, results, false)
	}
	return results, nil
}

// values validates a record against the table and returns its columns and bound values.
// With create, required columns must be present; primary keys are never updated.
func (w *txn) values(rec map[string]any, create bool) ([]string, []any, error) {
	var cols []string
	var vals []any
	seen := make(map[string]bool, len(rec))
	for k, v := range rec {
		c, ok := w.t.Column(k)
		if ok {
			if seen[c.Name] { // "owner_id" and "OWNER_ID": which one wins must not be chance
				return nil, nil, platform.BadRequest("Field '%s' is given more than once.", c.Name)
			}
			seen[c.Name] = true
		}
		if !ok {
			if _, rel := w.t.RelationByKey(k); rel { // written by nested
				continue
			}
			return nil, nil, platform.BadRequest("Invalid field '%s': table '%s' has no such field.", k, w.t.Name)
		}
		if !create && c.IsPrimaryKey {
			continue
		}
		val, err := coerce(c, v, w.dialect)
		if err != nil {
			return nil, nil, err
		}
		cols, vals = append(cols, c.Name), append(vals, val)
	}
	if create {
		for _, c := range w.t.Columns {
			if _, given := lookupKey(rec, c.Name); c.Required && !given {
				return nil, nil, platform.BadRequest("Required field '%s' can not be NULL.", c.Name)
			}
		}
	}
	return cols, vals, nil
}

// lookupKey finds a record key case-insensitively.
func lookupKey(rec map[string]any, name string) (any, bool) {
	if v, ok := rec[name]; ok {
		return v, true
	}
	for k, v := range rec {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// q quotes one identifier for the service's dialect; qs quotes several.
func (w *txn) q(name string) string { return sqltable.Quote(w.dialect, name) }

func (w *txn) qs(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = w.q(n)
	}
	return out
}

// ids returns a row's identifier object, e.g. {"id": 5}.
func (w *txn) ids(row map[string]any) map[string]any {
	out := make(map[string]any, len(w.keys))
	for _, k := range w.keys {
		out[k] = row[k]
	}
	return out
}

// insert creates one record and returns its identifier object.
func (w *txn) insert(ctx context.Context, rec map[string]any) (map[string]any, error) {
	if err := w.nestedParents(ctx, rec); err != nil { // first: they set the record's keys
		return nil, err
	}
	if w.rf != nil {
		if err := w.rf.allows(w.t, rec, true, w.lookup); err != nil {
			return nil, err
		}
	}
	cols, vals, err := w.values(rec, true)
	if err != nil {
		return nil, err
	}
	ins := entsql.Dialect(w.dialect).Insert(w.q(w.t.Name))
	if len(cols) == 0 {
		ins.Default()
	} else {
		ins.Columns(w.qs(cols)...).Values(vals...)
	}
	pk := w.keys
	if w.dialect != dialect.MySQL && len(pk) > 0 {
		ins.Returning(w.qs(pk)...)
		text, args := ins.Query()
		dest := make([]any, len(pk))
		ptrs := make([]any, len(pk))
		for i := range dest {
			ptrs[i] = &dest[i]
		}
		if err := w.tx.QueryRowContext(ctx, text, args...).Scan(ptrs...); err != nil {
			return nil, w.s.writeError(err)
		}
		out := make(map[string]any, len(pk))
		for i, k := range pk {
			c, _ := w.t.Column(k)
			out[k] = sqltable.Normalize(string(c.Kind), dest[i])
		}
		return out, w.nestedChildren(ctx, rec, out)
	}
	text, args := ins.Query()
	res, err := w.tx.ExecContext(ctx, text, args...)
	if err != nil {
		return nil, w.s.writeError(err)
	}
	out := map[string]any{}
	for _, k := range pk {
		c, _ := w.t.Column(k)
		if v, ok := lookupKey(rec, k); ok && v != nil {
			cv, _ := coerce(c, v, w.dialect)
			out[k] = cv
		} else if c.AutoIncrement {
			if n, err := res.LastInsertId(); err == nil {
				out[k] = n
			}
		}
	}
	return out, w.nestedChildren(ctx, rec, out)
}

// create is POST: each record inserted; the reply lists their ids (or fields=…).
func (w *txn) create(ctx context.Context, cont bool) (*platform.Response, error) {
	recs, err := platform.Records(w.req.Payload)
	if err != nil {
		return nil, err
	}
	results, err := w.batch(ctx, len(recs), cont, "created", func(i int) (any, error) { return w.insert(ctx, recs[i]) })
	if err != nil {
		return nil, err
	}
	out, err := w.render(ctx, results)
	if err != nil {
		return nil, err
	}
	return platform.OK(platform.Wrap(out)), nil
}

// idWhere matches the record an identifier object (or a record carrying its keys) names.
func (w *txn) idWhere(rec map[string]any) (*entsql.Predicate, string, error) {
	if len(w.keys) == 0 {
		return nil, "", &platform.Error{Status: 500, Code: 500, Message: "Identifying field(s) could not be determined."}
	}
	var preds []*entsql.Predicate
	var parts []string
	for _, k := range w.keys {
		v, ok := lookupKey(rec, k)
		if !ok || v == nil {
			return nil, "", platform.BadRequest("Record is missing its identifying field '%s'.", k)
		}
		c, _ := w.t.Column(k)
		cv, err := coerce(c, v, w.dialect)
		if err != nil {
			return nil, "", err
		}
		preds = append(preds, entsql.EQ(w.q(c.Name), cv))
		parts = append(parts, fmt.Sprint(v))
	}
	if w.scope != nil { // rows outside the role's filters do not exist for the caller
		preds = append(preds, w.scope)
	}
	return entsql.And(preds...), strings.Join(parts, ","), nil
}

// targets are the identifier objects of the rows an update or delete addresses: ids=, or
// filter= (read first), or each record's own keys.
func (w *txn) targets(ctx context.Context) ([]map[string]any, []map[string]any, error) {
	req := w.req
	if v, ok := req.Param("ids"); ok && strings.TrimSpace(v) != "" {
		cols, err := idColumns(req, w.t)
		if err != nil {
			return nil, nil, err
		}
		list, err := splitIDs(v, len(cols))
		if err != nil {
			return nil, nil, err
		}
		var out []map[string]any
		for _, raw := range list {
			parts := []string{raw}
			if len(cols) > 1 {
				parts = strings.Split(raw, ",")
			}
			if len(parts) != len(cols) {
				return nil, nil, platform.BadRequest("Invalid identifier '%s' in ids.", raw)
			}
			id := map[string]any{}
			for i, c := range cols {
				val, err := idValue(c, parts[i])
				if err != nil {
					return nil, nil, platform.BadRequest("Invalid identifier '%s' in ids.", raw)
				}
				id[c.Name] = val
			}
			out = append(out, id)
		}
		return out, nil, nil
	}
	if v, ok := req.Param("filter", "where"); ok && strings.TrimSpace(v) != "" {
		p, err := w.tbl.Filter(v, nil, sqltable.Params(req), w.s.p.ClientLookups(ctx, req.Session))
		if err != nil {
			return nil, nil, err
		}
		where := []*entsql.Predicate{p}
		if w.scope != nil {
			where = append(where, w.scope)
		}
		rows, err := w.tbl.Select(ctx, w.tx, w.dialect, sqltable.Query{Where: where})
		if err != nil {
			return nil, nil, w.s.dbError(err)
		}
		out := make([]map[string]any, len(rows))
		for i, r := range rows {
			out[i] = w.ids(r)
		}
		return out, nil, nil
	}
	if req.Payload == nil {
		return nil, nil, nil
	}
	recs, err := platform.Records(req.Payload)
	if err != nil {
		return nil, nil, err
	}
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		out[i] = r
	}
	return out, recs, nil
}

// updateOne applies rec to the row id names; no such row is a 404.
func (w *txn) updateOne(ctx context.Context, id map[string]any, rec map[string]any) (_ map[string]any, err error) {
	if err := w.nestedParents(ctx, rec); err != nil { // first: they set the record's keys
		return nil, err
	}
	if w.rf != nil {
		if err := w.rf.allows(w.t, rec, false, w.lookup); err != nil {
			return nil, err
		}
	}
	where, label, err := w.idWhere(id)
	if err != nil {
		return nil, err
	}
	cols, vals, err := w.values(rec, false)
	if err != nil {
		return nil, err
	}
	if hasNested(w.t, rec) {
		defer func() {
			if err == nil {
				err = w.nestedChildren(ctx, rec, w.keysOf(id))
			}
		}()
	}
	if len(cols) > 0 {
		upd := entsql.Dialect(w.dialect).Update(w.q(w.t.Name)).Where(where)
		for i, c := range cols {
			upd.Set(w.q(c), vals[i])
		}
		text, args := upd.Query()
		res, err := w.tx.ExecContext(ctx, text, args...)
		if err != nil {
			return nil, w.s.writeError(err)
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			return w.keysOf(id), nil
		}
	}
	n, err := w.tbl.Count(ctx, w.tx, w.dialect, sqltable.Query{Where: []*entsql.Predicate{where}})
	if err != nil {
		return nil, w.s.dbError(err)
	}
	if n == 0 {
		return nil, platform.NotFound("Record with identifier '%s' not found.", label)
	}
	return w.keysOf(id), nil
}

// keysOf returns just the key fields of an identifier object or record.
func (w *txn) keysOf(rec map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range w.keys {
		if v, ok := lookupKey(rec, k); ok {
			c, _ := w.t.Column(k)
			if cv, err := coerce(c, v, w.dialect); err == nil {
				out[k] = sqltable.Normalize(string(c.Kind), cv)
			}
		}
	}
	return out
}

// update is PUT or PATCH (the same in SQL): by id with a bare record, ids= or filter= with one
// record applied to each row, or records that carry their own keys.
func (w *txn) update(ctx context.Context, id string, cont bool) (*platform.Response, error) {
	if id != "" {
		rec, err := platform.Record(w.req.Payload)
		if err != nil {
			return nil, err
		}
		key, err := w.pathID(id)
		if err != nil {
			return nil, err
		}
		r, err := w.updateOne(ctx, key, rec)
		if err != nil {
			return nil, err
		}
		out, err := w.render(ctx, []any{r})
		if err != nil {
			return nil, err
		}
		return platform.OK(out[0]), nil
	}
	ids, recs, err := w.targets(ctx)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, platform.BadRequest("No record(s) detected in request." + platform.WrapHint)
	}
	if recs == nil {
		one, err := platform.Record(w.req.Payload)
		if err != nil {
			return nil, err
		}
		recs = make([]map[string]any, len(ids))
		for i := range ids {
			recs[i] = one
		}
	}
	results, err := w.batch(ctx, len(ids), cont, "updated", func(i int) (any, error) { return w.updateOne(ctx, ids[i], recs[i]) })
	if err != nil {
		return nil, err
	}
	out, err := w.render(ctx, results)
	if err != nil {
		return nil, err
	}
	return platform.OK(platform.Wrap(out)), nil
}

// pathID turns the {id} of a path into an identifier object.
func (w *txn) pathID(id string) (map[string]any, error) {
	cols, err := idColumns(w.req, w.t)
	if err != nil {
		return nil, err
	}
	parts := []string{id}
	if len(cols) > 1 {
		parts = strings.Split(strings.Trim(id, "()"), ",")
	}
	if len(parts) != len(cols) {
		return nil, platform.NotFound("Record with identifier '%s' not found.", id)
	}
	out := map[string]any{}
	for i, c := range cols {
		v, err := idValue(c, parts[i])
		if err != nil {
			return nil, platform.NotFound("Record with identifier '%s' not found.", id)
		}
		out[c.Name] = v
	}
	return out, nil
}

// removeOne deletes the row id names; no such row is a 404. It returns the identifier object,
// or the row as it was when the client asked for fields.
func (w *txn) removeOne(ctx context.Context, id map[string]any, before map[string]any) (any, error) {
	where, label, err := w.idWhere(id)
	if err != nil {
		return nil, err
	}
	text, args := entsql.Dialect(w.dialect).Delete(w.q(w.t.Name)).Where(where).Query()
	res, err := w.tx.ExecContext(ctx, text, args...)
	if err != nil {
		return nil, w.s.writeError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil, platform.NotFound("Record with identifier '%s' not found.", label)
	}
	if before != nil {
		return before, nil
	}
	return w.keysOf(id), nil
}

// remove is DELETE: by id, ids=, filter=, records, or force (every row).
func (w *txn) remove(ctx context.Context, id string, cont bool) (*platform.Response, error) {
	if id != "" {
		key, err := w.pathID(id)
		if err != nil {
			return nil, err
		}
		before, err := w.before(ctx, []map[string]any{key})
		if err != nil {
			return nil, err
		}
		r, err := w.removeOne(ctx, key, before[0])
		if err != nil {
			return nil, err
		}
		return platform.OK(r), nil
	}
	ids, _, err := w.targets(ctx)
	if err != nil {
		return nil, err
	}
	if ids == nil {
		if !w.req.BoolParam("force") {
			return nil, platform.BadRequest("No filter or records given for delete request.")
		}
		del := entsql.Dialect(w.dialect).Delete(w.q(w.t.Name))
		if w.scope != nil {
			del.Where(w.scope)
		}
		text, args := del.Query()
		if _, err := w.tx.ExecContext(ctx, text, args...); err != nil {
			return nil, w.s.writeError(err)
		}
		return platform.OK(platform.Success()), nil
	}
	before, err := w.before(ctx, ids)
	if err != nil {
		return nil, err
	}
	results, err := w.batch(ctx, len(ids), cont, "deleted", func(i int) (any, error) { return w.removeOne(ctx, ids[i], before[i]) })
	if err != nil {
		return nil, err
	}
	return platform.OK(platform.Wrap(results)), nil
}

// before reads the rows about to be deleted when the client asked for fields (nil entries
// otherwise, and for rows that do not exist).
func (w *txn) before(ctx context.Context, ids []map[string]any) ([]map[string]any, error) {
	out := make([]map[string]any, len(ids))
	if _, ok := w.req.Param("fields", "select"); !ok {
		return out, nil
	}
	rows, err := w.reread(ctx, ids)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// render is the reply of a write: identifier objects, or the rows re-read with fields=….
func (w *txn) render(ctx context.Context, results []any) ([]any, error) {
	if _, ok := w.req.Param("fields", "select"); !ok {
		return results, nil
	}
	ids := make([]map[string]any, len(results))
	for i, r := range results {
		ids[i], _ = r.(map[string]any)
	}
	rows, err := w.reread(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, nil
}

// reread reads rows by identifier inside the transaction, projected to the requested fields.
func (w *txn) reread(ctx context.Context, ids []map[string]any) ([]map[string]any, error) {
	f, _ := w.req.Param("fields", "select")
	fields, err := w.tbl.ParseFields(f, nil)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(ids))
	for i, id := range ids {
		if id == nil {
			continue
		}
		where, _, err := w.idWhere(id)
		if err != nil {
			return nil, err
		}
		rows, err := w.tbl.Select(ctx, w.tx, w.dialect, sqltable.Query{Where: []*entsql.Predicate{where}, Limit: 1})
		if err != nil {
			return nil, w.s.dbError(err)
		}
		if len(rows) == 1 {
			out[i] = sqltable.Project(rows[0], fields)
		}
	}
	return out, nil
}
