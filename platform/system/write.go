package system

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// write is the state of one transactional write.
type write struct {
	sys  *System
	tx   *ent.Client
	req  *platform.Request
	sess *platform.Session
}

// inTx runs fn in one transaction of the platform database; fn's error rolls everything back.
func (s *System) inTx(ctx context.Context, req *platform.Request, fn func(w *write) error) error {
	tx, err := s.p.Client.Tx(ctx)
	if err != nil {
		return platform.Internal(err)
	}
	w := &write{sys: s, tx: tx.Client(), req: req, sess: req.Session}
	if err := fn(w); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError(nil, err)
	}
	s.p.Invalidate()
	return nil
}

// apply sets the record's fields on the mutation. Relations are left for nested; read-only and
// ignored fields are skipped; unknown fields, wrong types and NULL in required fields are 400s.
func (w *write) apply(sp *spec, m ent.Mutation, rec map[string]any, create bool) error {
	for k, v := range rec {
		if _, ok := sp.relations[k]; ok || readOnly[k] || sp.ignored[k] {
			continue
		}
		f, ok := sp.fields[k]
		if !ok || ((f.Sensitive || sp.hidden[k]) && !sp.writable[k]) {
			return platform.BadRequest("Unknown field '%s' for resource '%s'.", k, sp.name)
		}
		if sp.scope != nil && k == sp.scope.column {
			continue
		}
		if f.Immutable && !create {
			continue
		}
		if v == nil {
			switch {
			case create:
				continue
			case f.Optional || f.Nillable:
				if err := m.ClearField(k); err != nil {
					return platform.Internal(err)
				}
				continue
			}
			return platform.BadRequest("Field '%s' can not be NULL.", k)
		}
		val, err := coerce(f, v)
		if err != nil {
			return err
		}
		if err := m.SetField(k, val); err != nil {
			return platform.BadRequest("Field '%s' can not be set: %s", k, err.Error())
		}
	}
	if uid := w.sess.UserID(); uid > 0 {
		if create {
			_ = m.SetField("created_by_id", uid)
		}
		_ = m.SetField("last_modified_by_id", uid)
	}
	if create && sp.scope != nil {
		_ = m.SetField(sp.scope.column, sp.scope.value)
	}
	return nil
}

// create stores one record with its nested relations and returns the new id.
func (w *write) create(ctx context.Context, sp *spec, rec map[string]any) (int, error) {
	if sp.prepare != nil {
		if err := sp.prepare(ctx, w, rec); err != nil {
			return 0, err
		}
	}
	m, save := sp.res.Create(w.tx)
	if err := w.apply(sp, m, rec, true); err != nil {
		return 0, err
	}
	id, err := save(ctx)
	if err != nil {
		return 0, dbError(sp, err)
	}
	return id, w.finish(ctx, sp, id, rec)
}

// update changes one record (and its nested relations); a missing id is a 404.
func (w *write) update(ctx context.Context, sp *spec, id int, rec map[string]any) error {
	if ok, err := w.exists(ctx, sp, id); err != nil {
		return err
	} else if !ok {
		return notFound(strconv.Itoa(id))
	}
	rec["id"] = id
	if sp.prepare != nil {
		if err := sp.prepare(ctx, w, rec); err != nil {
			return err
		}
	}
	m, save := sp.res.Update(w.tx, id)
	if err := w.apply(sp, m, rec, false); err != nil {
		return err
	}
	if err := save(ctx); err != nil {
		return dbError(sp, err)
	}
	return w.finish(ctx, sp, id, rec)
}

// finish writes nested relations and runs the resource's after rule.
func (w *write) finish(ctx context.Context, sp *spec, id int, rec map[string]any) error {
	for name, rel := range sp.relations {
		v, ok := rec[name]
		if !ok || v == nil {
			continue
		}
		if !rel.nestable {
			return platform.BadRequest("Relationship '%s' can not be written through '%s'.", name, sp.name)
		}
		list, ok := v.([]any)
		if !ok {
			return platform.BadRequest("Relationship '%s' must be a JSON array of records.", name)
		}
		if err := w.nested(ctx, rel, id, list); err != nil {
			return err
		}
	}
	if sp.after != nil {
		return sp.after(ctx, w, id, rec)
	}
	return nil
}

// nested creates, updates or deletes children of parent: a child without id is created, a child
// with id is updated (and adopted by parent), a child with id and the foreign key set to null
// is deleted when it belongs to parent.
func (w *write) nested(ctx context.Context, rel *relation, parent int, list []any) error {
	t := rel.target
	fk := fieldOfColumn(t, rel.column)
	for i, item := range list {
		child, ok := item.(map[string]any)
		if !ok {
			return platform.BadRequest("Relationship '%s' item %d is not a JSON object.", rel.name, i)
		}
		rawID, hasID := child["id"]
		fkVal, fkGiven := child[fk]
		switch {
		case !hasID || rawID == nil:
			if err := w.sys.allowRelated(w.req, rel, http.MethodPost); err != nil {
				return err
			}
			child[fk] = float64(parent)
			if _, err := w.create(ctx, t, child); err != nil {
				return err
			}
		case fkGiven && fkVal == nil:
			cid := int(asInt(rawID))
			if err := w.sys.allowRelated(w.req, rel, http.MethodDelete); err != nil {
				return err
			}
			rows, err := w.sys.selectFrom(ctx, w.tx, t, []*sql.Predicate{sql.EQ(t.res.IDColumn, cid), sql.EQ(rel.column, parent)}, nil, 1, 0)
			if err != nil {
				return err
			}
			if len(rows) == 0 {
				return notFound(strconv.Itoa(cid))
			}
			if err := t.res.Delete(w.tx, cid)(ctx); err != nil {
				return dbError(t, err)
			}
		default:
			cid := int(asInt(rawID))
			if err := w.sys.allowRelated(w.req, rel, http.MethodPatch); err != nil {
				return err
			}
			rows, err := w.sys.selectFrom(ctx, w.tx, t, []*sql.Predicate{sql.EQ(t.res.IDColumn, cid), sql.EQ(rel.column, parent)}, nil, 1, 0)
			if err != nil {
				return err
			}
			if len(rows) == 0 { // a child of another parent is not this request's to change
				return notFound(strconv.Itoa(cid))
			}
			child[fk] = float64(parent)
			if err := w.update(ctx, t, cid, child); err != nil {
				return err
			}
		}
	}
	return nil
}

// remove deletes one record; a missing id is a 404.
func (w *write) remove(ctx context.Context, sp *spec, id int) error {
	if ok, err := w.exists(ctx, sp, id); err != nil {
		return err
	} else if !ok {
		return notFound(strconv.Itoa(id))
	}
	if sp.deletable != nil {
		if err := sp.deletable(ctx, w.tx, id); err != nil {
			return err
		}
	}
	if err := sp.res.Delete(w.tx, id)(ctx); err != nil {
		return dbError(sp, err)
	}
	return nil
}

// exists reports whether id is a row of sp (within its scope), read inside the transaction:
// a write never waits on a second pool connection.
func (w *write) exists(ctx context.Context, sp *spec, id int) (bool, error) {
	rows, err := w.sys.selectFrom(ctx, w.tx, sp, scoped(sp, sql.EQ(sp.res.IDColumn, id)), nil, 1, 0)
	return len(rows) > 0, err
}

var (
	uniqueSQLite   = regexp.MustCompile(`UNIQUE constraint failed: [\w"]+\.(\w+)`)
	uniquePostgres = regexp.MustCompile(`unique constraint "(\w+)"`)
	notNullSQLite  = regexp.MustCompile(`NOT NULL constraint failed: [\w"]+\.(\w+)`)
)

// dbError maps ent and database errors to clear 4xx errors; anything else is a 500.
func dbError(sp *spec, err error) error {
	var pe *platform.Error
	if errors.As(err, &pe) {
		return pe
	}
	var ve *ent.ValidationError
	if errors.As(err, &ve) {
		msg := ve.Error()
		if strings.Contains(msg, "missing required field") {
			return platform.BadRequest("Required field '%s' can not be NULL.", ve.Name)
		}
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return platform.BadRequest("Invalid value for field '%s': %s.", ve.Name, msg)
	}
	if ent.IsNotFound(err) {
		return platform.NotFound("Record not found.")
	}
	if ent.IsConstraintError(err) {
		msg := err.Error()
		if m := uniqueSQLite.FindStringSubmatch(msg); m != nil {
			return platform.BadRequest("Duplicate value for field '%s': another record already has it.", m[1])
		}
		if m := uniquePostgres.FindStringSubmatch(msg); m != nil {
			field := m[1]
			if sp != nil {
				field = strings.TrimSuffix(strings.TrimPrefix(field, sp.res.Table+"_"), "_key")
			}
			return platform.BadRequest("Duplicate value for field '%s': another record already has it.", field)
		}
		if m := notNullSQLite.FindStringSubmatch(msg); m != nil {
			return platform.BadRequest("Field '%s' can not be NULL.", m[1])
		}
		if strings.Contains(strings.ToLower(msg), "foreign key") {
			return platform.BadRequest("Invalid reference: a referenced record does not exist, or other records still refer to this one.")
		}
		return platform.BadRequest("The change violates a database constraint.")
	}
	return platform.Internal(err)
}
