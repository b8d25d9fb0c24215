package system

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
)

// handleCollection serves /system/{resource}[/{key}] for a spec (reference §3.2).
func (s *System) handleCollection(ctx context.Context, sp *spec, req *platform.Request, key string) (*platform.Response, error) {
	switch req.Method {
	case http.MethodGet:
		if key != "" {
			return s.getOne(ctx, sp, req, key)
		}
		return s.getMany(ctx, sp, req)
	case http.MethodPost:
		if key != "" {
			return nil, platform.BadRequest("Create record by identifier not currently supported.")
		}
		return s.createMany(ctx, sp, req)
	case http.MethodPut, http.MethodPatch: // PUT acts as PATCH on system resources
		if key != "" {
			return s.updateOne(ctx, sp, req, key)
		}
		return s.updateMany(ctx, sp, req)
	case http.MethodDelete:
		if key != "" {
			return s.deleteOne(ctx, sp, req, key)
		}
		return s.deleteMany(ctx, sp, req)
	}
	return nil, platform.BadRequest("%s requests for resource '%s' are not currently supported by the 'system' service.", req.Method, sp.name)
}

// resolveKey turns a path or ids value into a row id (event_script is addressed by name).
func (s *System) resolveKey(ctx context.Context, sp *spec, key string) (int, error) {
	if sp.key == "id" {
		id, err := strconv.Atoi(key)
		if err != nil || id <= 0 {
			return 0, notFound(key)
		}
		return id, nil
	}
	rows, err := s.selectRows(ctx, sp, []*sql.Predicate{sql.EQ(sp.fields[sp.key].Column, key)}, nil, 1, 0)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, notFound(key)
	}
	return int(asInt(rows[0]["id"])), nil
}

func (s *System) getOne(ctx context.Context, sp *spec, req *platform.Request, key string) (*platform.Response, error) {
	q, err := s.parseQuery(ctx, sp, req)
	if err != nil {
		return nil, err
	}
	id, err := s.resolveKey(ctx, sp, key)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	if _, filtered := req.Param("filter", "where"); filtered {
		rows, err = s.selectRows(ctx, sp, append(q.where, sql.EQ(sp.res.IDColumn, id)), nil, 1, 0)
	} else {
		var row map[string]any
		if row, err = s.rowByID(ctx, sp, id); row != nil {
			rows = []map[string]any{row}
		}
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound(key)
	}
	if err := s.attach(ctx, sp, rows, q.related); err != nil {
		return nil, err
	}
	return platform.OK(s.output(sp, rows[0], q.fields)), nil
}

func (s *System) getMany(ctx context.Context, sp *spec, req *platform.Request) (*platform.Response, error) {
	q, err := s.parseQuery(ctx, sp, req)
	if err != nil {
		return nil, err
	}
	var ids []int
	if v, ok := req.Param("ids"); ok && strings.TrimSpace(v) != "" {
		for _, k := range strings.Split(v, ",") {
			id, err := s.resolveKey(ctx, sp, strings.TrimSpace(k))
			if err != nil {
				return nil, platform.BadRequest("Invalid identifier '%s' in ids.", strings.TrimSpace(k))
			}
			if !containsInt(ids, id) {
				ids = append(ids, id)
			}
		}
		q.where = append(q.where, sql.In(sp.res.IDColumn, anySlice(ids)...))
	}
	if req.BoolParam("count_only") {
		n, err := s.count(ctx, sp, q.where)
		if err != nil {
			return nil, err
		}
		return platform.OK(n), nil
	}
	rows, err := s.selectRows(ctx, sp, q.where, q.order, q.limit, q.offset)
	if err != nil {
		return nil, err
	}
	if ids != nil && len(rows) < len(ids) {
		for i, r := range rows {
			rows[i] = s.output(sp, r, q.fields)
		}
		return nil, missingIDs(ids, rows)
	}
	if err := s.attach(ctx, sp, rows, q.related); err != nil {
		return nil, err
	}
	list := make([]any, 0, len(rows))
	for _, r := range rows {
		if req.BoolParam("as_list") {
			list = append(list, r[sp.key])
			continue
		}
		list = append(list, s.output(sp, r, q.fields))
	}
	body := platform.Wrap(list)
	if req.BoolParam("include_count") {
		n, err := s.count(ctx, sp, q.where)
		if err != nil {
			return nil, err
		}
		body["meta"] = map[string]any{"count": n}
	}
	return platform.OK(body), nil
}

// missingIDs is the batch error of an ids read that did not find every record.
// rows must already be rendered for the client (output).
func missingIDs(ids []int, rows []map[string]any) error {
	found := map[int64]map[string]any{}
	for _, r := range rows {
		found[asInt(r["id"])] = r
	}
	var failed []int
	results := make([]any, len(ids))
	for i, id := range ids {
		if r, ok := found[int64(id)]; ok {
			results[i] = r
			continue
		}
		failed = append(failed, i)
		results[i] = platform.ErrorObject(notFound(strconv.Itoa(id)))
	}
	return platform.MissingRecords(failed, results)
}

// batch runs op over n items: with cont each item commits on its own and failures are
// reported per item; otherwise all items share one transaction and the first failure rolls
// everything back. It returns the per-item results and the failed indexes.
func (s *System) batch(ctx context.Context, req *platform.Request, n int, cont bool, op func(w *write, i int) (any, error)) ([]any, []int, error) {
	results := make([]any, n)
	var failed []int
	if cont {
		for i := 0; i < n; i++ {
			err := s.inTx(ctx, req, func(w *write) error {
				r, err := op(w, i)
				results[i] = r
				return err
			})
			if err != nil {
				results[i], failed = platform.ErrorObject(err), append(failed, i)
			}
		}
		return results, failed, nil
	}
	err := s.inTx(ctx, req, func(w *write) error {
		for i := 0; i < n; i++ {
			r, err := op(w, i)
			if err != nil {
				results[i], failed = platform.ErrorObject(err), []int{i}
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil && len(failed) == 0 {
		return nil, nil, err
	}
	if pe := platform.AsError(err); err != nil && pe.Status >= 500 {
		return nil, nil, err
	}
	return results, failed, nil
}

func (s *System) createMany(ctx context.Context, sp *spec, req *platform.Request) (*platform.Response, error) {
	recs, err := platform.Records(req.Payload)
	if err != nil {
		return nil, err
	}
	cont, err := req.BatchMode()
	if err != nil {
		return nil, err
	}
	if _, err := s.parseQuery(ctx, sp, req); err != nil { // validate fields/related before writing
		return nil, err
	}
	results, failed, err := s.batch(ctx, req, len(recs), cont, func(w *write, i int) (any, error) {
		id, err := w.create(ctx, sp, recs[i])
		return map[string]any{"id": id}, err
	})
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, platform.BatchError("created", failed, results, !cont)
	}
	out, err := s.written(ctx, sp, req, results)
	if err != nil {
		return nil, err
	}
	return platform.Created(platform.Wrap(out)), nil
}

// written renders the results of a write: {"id": …} per record, or the re-read records when the
// client asked for fields or related.
func (s *System) written(ctx context.Context, sp *spec, req *platform.Request, results []any) ([]any, error) {
	_, hasFields := req.Param("fields", "select")
	_, hasRelated := req.Param("related")
	if !hasFields && !hasRelated {
		return results, nil
	}
	q, err := s.parseQuery(ctx, sp, req)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(results))
	for i, r := range results {
		id := asInt(r.(map[string]any)["id"])
		rows, err := s.selectRows(ctx, sp, []*sql.Predicate{sql.EQ(sp.res.IDColumn, id)}, nil, 1, 0)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			out[i] = r
			continue
		}
		if err := s.attach(ctx, sp, rows, q.related); err != nil {
			return nil, err
		}
		out[i] = s.output(sp, rows[0], q.fields)
	}
	return out, nil
}

func (s *System) updateOne(ctx context.Context, sp *spec, req *platform.Request, key string) (*platform.Response, error) {
	rec, err := platform.Record(req.Payload)
	if err != nil {
		return nil, err
	}
	id, err := s.resolveKey(ctx, sp, key)
	if err != nil {
		return nil, err
	}
	return s.updateByID(ctx, sp, req, id, rec)
}

// updateByID applies rec to one record and answers with the bare result.
func (s *System) updateByID(ctx context.Context, sp *spec, req *platform.Request, id int, rec map[string]any) (*platform.Response, error) {
	if _, err := s.parseQuery(ctx, sp, req); err != nil { // fields/related are checked before writing
		return nil, err
	}
	if err := s.inTx(ctx, req, func(w *write) error { return w.update(ctx, sp, id, rec) }); err != nil {
		return nil, err
	}
	out, err := s.written(ctx, sp, req, []any{map[string]any{"id": id}})
	if err != nil {
		return nil, err
	}
	return platform.OK(out[0]), nil
}

// targets returns the ids a collection update or delete addresses: ids=, filter=, or the
// records' own ids (in that order of precedence), and the records when given.
func (s *System) targets(ctx context.Context, sp *spec, req *platform.Request, force bool) ([]int, []map[string]any, error) {
	if v, ok := req.Param("ids"); ok && strings.TrimSpace(v) != "" {
		var ids []int
		for _, k := range strings.Split(v, ",") {
			id, err := s.resolveKey(ctx, sp, strings.TrimSpace(k))
			if err != nil {
				return nil, nil, err
			}
			ids = append(ids, id)
		}
		return ids, nil, nil
	}
	if v, ok := req.Param("filter", "where"); (ok && strings.TrimSpace(v) != "") || force {
		q, err := s.parseQuery(ctx, sp, req)
		if err != nil {
			return nil, nil, err
		}
		rows, err := s.selectRows(ctx, sp, q.where, nil, 0, 0)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]int, len(rows))
		for i, r := range rows {
			ids[i] = int(asInt(r["id"]))
		}
		return ids, nil, nil
	}
	if req.Payload == nil {
		return nil, nil, nil
	}
	recs, err := platform.Records(req.Payload)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int, len(recs))
	for i, r := range recs {
		k, ok := r[sp.key]
		if !ok || k == nil {
			return nil, nil, platform.BadRequest("Record %d has no '%s': each record must identify the row to change.", i, sp.key)
		}
		id, err := s.resolveKey(ctx, sp, platformString(k))
		if err != nil {
			return nil, nil, err
		}
		ids[i] = id
	}
	return ids, recs, nil
}

func (s *System) updateMany(ctx context.Context, sp *spec, req *platform.Request) (*platform.Response, error) {
	cont, err := req.BatchMode()
	if err != nil {
		return nil, err
	}
	ids, recs, err := s.targets(ctx, sp, req, false)
	if err != nil {
		return nil, err
	}
	if _, err := s.parseQuery(ctx, sp, req); err != nil { // fields/related are checked before writing
		return nil, err
	}
	if recs == nil {
		if ids == nil {
			return nil, platform.BadRequest("No record(s) detected in request." + platform.WrapHint)
		}
		one, err := platform.Record(req.Payload)
		if err != nil {
			return nil, err
		}
		recs = make([]map[string]any, len(ids))
		for i := range ids {
			recs[i] = copyRecord(one)
		}
	}
	results, failed, err := s.batch(ctx, req, len(ids), cont, func(w *write, i int) (any, error) {
		return map[string]any{"id": ids[i]}, w.update(ctx, sp, ids[i], recs[i])
	})
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, platform.BatchError("updated", failed, results, !cont)
	}
	out, err := s.written(ctx, sp, req, results)
	if err != nil {
		return nil, err
	}
	return platform.OK(platform.Wrap(out)), nil
}

func (s *System) deleteOne(ctx context.Context, sp *spec, req *platform.Request, key string) (*platform.Response, error) {
	id, err := s.resolveKey(ctx, sp, key)
	if err != nil {
		return nil, err
	}
	before, err := s.written(ctx, sp, req, []any{map[string]any{"id": id}})
	if err != nil {
		return nil, err
	}
	if err := s.inTx(ctx, req, func(w *write) error { return w.remove(ctx, sp, id) }); err != nil {
		return nil, err
	}
	return platform.OK(before[0]), nil
}

func (s *System) deleteMany(ctx context.Context, sp *spec, req *platform.Request) (*platform.Response, error) {
	cont, err := req.BatchMode()
	if err != nil {
		return nil, err
	}
	ids, _, err := s.targets(ctx, sp, req, req.BoolParam("force"))
	if err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, platform.BadRequest("No filter or records given for delete request.")
	}
	results := make([]any, len(ids))
	for i, id := range ids {
		results[i] = map[string]any{"id": id}
	}
	before, err := s.written(ctx, sp, req, results)
	if err != nil {
		return nil, err
	}
	results, failed, err := s.batch(ctx, req, len(ids), cont, func(w *write, i int) (any, error) {
		return before[i], w.remove(ctx, sp, ids[i])
	})
	if err != nil {
		return nil, err
	}
	if len(failed) > 0 {
		return nil, platform.BatchError("deleted", failed, results, !cont)
	}
	return platform.OK(platform.Wrap(results)), nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func copyRecord(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func anySlice(ids []int) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func platformString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatInt(int64(x), 10)
	}
	return ""
}
