// Package sqldb is the database service (service types sqlite, pgsql, mysql): DreamFactory's
// /api/v2/{db}/_table and _schema over a user's database, read through the shared table engine
// (platform/sqltable) with the schema introspected by platform/dbschema.
package sqldb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/sqltable"
	"github.com/apiary/apiary/platform/store"
)

// Service is one database service. Its pool opens on first use and again after a failed
// attempt, so a database that was down is used as soon as it is back.
type Service struct {
	p       *platform.Platform
	id      int // the service row's id
	name    string
	kind    string
	conn    *conn
	connKey string // what the pool depends on (see connKey)
	cfgErr  error

	mu sync.Mutex
	db *store.CachedDB
	// schemaMu serialises this service's schema changes (on this node), so that a change is
	// planned against the schema it is applied to.
	schemaMu sync.Mutex
	catalog  atomic.Pointer[catalog]
	// catMu orders the catalog stores that merge relationship settings into a schema, so that
	// the last stored catalog always has the last stored settings.
	catMu sync.Mutex
	rels  atomic.Pointer[relConfig]
}

// catalog is an introspected schema with a reader per table.
type catalog struct {
	base   *dbschema.Schema           // as inspected
	schema *dbschema.Schema           // base with the relationship settings (relationship_schema.go)
	tables map[string]*sqltable.Table // by lower-case table name
}

// New builds the service of a row; kind is sqlite, pgsql or mysql.
func New(p *platform.Platform, row *ent.Service, kind string) (*Service, error) {
	s := &Service{p: p, id: row.ID, name: row.Name, kind: kind}
	s.conn, s.cfgErr = parseConfig(kind, row.Config, p.Config.DataDir)
	if s.cfgErr == nil {
		s.connKey = connKey(s.conn)
	}
	rc := relConfigOf(row.Config, s.serviceNamesNow())
	s.rels.Store(&rc)
	return s, nil
}

// Close closes the pool.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		err := s.db.Close()
		s.db = nil
		return err
	}
	return nil
}

// pool returns the open pool, opening it when needed.
func (s *Service) pool(ctx context.Context) (*store.CachedDB, error) {
	if s.cfgErr != nil {
		pe := platform.AsError(s.cfgErr)
		return nil, &platform.Error{Status: 503, Code: 503, Message: "Database service '" + s.name + "' is misconfigured: " + pe.Message}
	}
	s.mu.Lock()
	cur := s.db
	s.mu.Unlock()
	if cur != nil {
		return cur, nil
	}
	// Opened without the lock, under the request's deadline: a database that is slow to answer
	// holds up only the requests that need it.
	db, err := s.conn.open(ctx)
	if err != nil {
		return nil, unavailable(s.name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil { // another request opened it meanwhile
		_ = db.Close()
		return s.db, nil
	}
	s.db = store.NewCachedDB(db)
	return s.db, nil
}

// schema returns the cached catalog, introspecting on first use or when refresh is set.
func (s *Service) schema(ctx context.Context, refresh bool) (*catalog, *store.CachedDB, error) {
	db, err := s.pool(ctx)
	if err != nil {
		return nil, nil, err
	}
	if c := s.catalog.Load(); c != nil && !refresh {
		return c, db, nil
	}
	sch, err := dbschema.Inspect(ctx, db.DB, s.conn.dialect)
	if err != nil {
		return nil, nil, s.dbError(err)
	}
	s.dropUnsafe(sch)
	c := &catalog{base: sch, tables: make(map[string]*sqltable.Table, len(sch.Tables))}
	for key, t := range sch.Tables {
		cols := make([]sqltable.Column, len(t.Columns))
		for i, col := range t.Columns {
			cols[i] = sqltable.Column{Name: col.Name, Column: col.Name, Kind: string(col.Kind)}
		}
		c.tables[key] = sqltable.New(t.Name, cols)
	}
	s.catMu.Lock()
	c.schema = s.withRelConfig(sch, s.relConfig())
	s.catalog.Store(c)
	s.catMu.Unlock()
	return c, db, nil
}

// table resolves a table name case-insensitively; a missing one is DreamFactory's 404.
func (c *catalog) table(name string) (*dbschema.Table, *sqltable.Table, error) {
	t, ok := c.schema.Table(name)
	if !ok {
		return nil, nil, platform.NotFound("Table \"%s\" does not exist in the database.", name)
	}
	return t, c.tables[strings.ToLower(t.Name)], nil
}

// dbError maps a database failure: unreachable → 503, anything else → 500 (logged).
func (s *Service) dbError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || isStatementTimeout(err) {
		return &platform.Error{Status: http.StatusGatewayTimeout, Code: http.StatusGatewayTimeout, Err: err,
			Message: fmt.Sprintf("The query ran longer than the statement timeout of database service '%s' (%s).", s.name, s.conn.timeoutOr())}
	}
	if isUnavailable(err) {
		return unavailable(s.name, err)
	}
	if outOfRange(err) {
		return platform.BadRequest("A value is out of range for its field's type.")
	}
	if e := queryError(err); e != nil {
		return e
	}
	return platform.Internal(err)
}

// Events returns DreamFactory's names: "{db}" at the root, "{db}._table", and for a table the
// templated name then the concrete one ("{db}._table.{table_name}", "{db}._table.contact"),
// with ".{id}" (records) or ".{field}" (_schema) for a deeper path.
func (s *Service) Events(req *platform.Request) []string {
	seg := req.Segments()
	switch {
	case len(seg) == 0:
		return []string{s.name}
	case len(seg) == 1:
		return []string{s.name + "." + seg[0]}
	}
	base := s.name + "." + seg[0]
	switch seg[0] {
	case "_proc", "_func": // the routine's name without inline arguments
		name, _, _ := strings.Cut(seg[1], "(")
		placeholder := ".{function_name}"
		if seg[0] == "_proc" {
			placeholder = ".{procedure_name}"
		}
		return []string{base + placeholder, base + "." + name}
	}
	table := seg[1]
	c := s.catalog.Load()
	if c == nil { // first request: introspect now, so the names below are the table's own
		ctx, cancel := context.WithTimeout(context.Background(), s.conn.timeoutOr())
		c, _, _ = s.schema(ctx, false)
		cancel()
	}
	if c != nil { // the table's own spelling, so scripts on it always fire
		if t, ok := c.schema.Table(table); ok {
			table = t.Name
		}
	}
	if len(seg) == 2 {
		return []string{base + ".{table_name}", base + "." + table}
	}
	suffix := ".{id}"
	if seg[0] == "_schema" {
		suffix = ".{field}"
	}
	return []string{base + ".{table_name}" + suffix, base + "." + table + suffix}
}

// catalogTimeout bounds the introspection EventCatalog may do: a database that does not answer
// in time lists only its templated events.
const catalogTimeout = 5 * time.Second

// EventCatalog lists the service's events, templated and per table.
func (s *Service) EventCatalog(ctx context.Context) map[string][]string {
	all := []string{"get", "post", "put", "patch", "delete"}
	out := map[string][]string{s.name: {"get"}, s.name + "._table": {"get"}, s.name + "._schema": all,
		s.name + "._table.{table_name}": all, s.name + "._table.{table_name}.{id}": {"get", "put", "patch", "delete"},
		s.name + "._schema.{table_name}": all}
	ctx, cancel := context.WithTimeout(ctx, min(s.conn.timeoutOr(), catalogTimeout))
	defer cancel()
	if c, _, err := s.schema(ctx, false); err == nil {
		for _, n := range c.schema.Names {
			out[s.name+"._table."+n] = all
			out[s.name+"._table."+n+".{id}"] = []string{"get", "put", "patch", "delete"}
			out[s.name+"._schema."+n] = all
		}
	}
	if s.routinesSupported() {
		call := []string{"get", "post"}
		for kind, placeholder := range map[string]string{"_proc": "{procedure_name}", "_func": "{function_name}"} {
			out[s.name+"."+kind] = []string{"get"}
			out[s.name+"."+kind+"."+placeholder] = call
			if _, names, err := s.routines(ctx, kind); err == nil {
				for _, n := range names {
					out[s.name+"."+kind+"."+n] = call
				}
			}
		}
	}
	return out
}

// Handle routes /{db}, /{db}/_table[/…], /{db}/_schema[/…], /{db}/_proc[/…] and /{db}/_func[/…].
func (s *Service) Handle(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, s.conn.timeoutOr())
	defer cancel()
	seg := req.Segments()
	if len(seg) == 0 {
		if req.Method != http.MethodGet {
			return nil, platform.BadRequest("%s requests without a resource are not currently supported by the '%s' service.", req.Method, s.name)
		}
		resources := []string{"_schema", "_table"}
		if s.routinesSupported() {
			resources = append(resources, "_proc", "_func")
		}
		return platform.OK(names(resources, req)), nil
	}
	switch seg[0] {
	case "_table", "_schema":
	case "_proc", "_func":
		return s.routineRequest(ctx, req, seg)
	default:
		return nil, platform.NotFound("Resource '%s' not found for service '%s'.", seg[0], s.name)
	}
	if seg[0] == "_schema" && (req.Method != http.MethodGet || len(seg) > 2 || (len(seg) == 1 && len(idsParam(req)) > 0)) {
		// Schema changes, _field, _related, the legacy _schema/{table}/{field}, and ?ids=.
		return s.schemaRequest(ctx, req, seg[1:])
	}
	if req.Method != http.MethodGet && (len(seg) < 2 || len(seg) > 3) {
		return nil, platform.BadRequest("%s requests for resource '%s' are not currently supported by the '%s' service.", req.Method, req.Resource, s.name)
	}
	c, db, err := s.schema(ctx, req.BoolParam("refresh"))
	if err != nil {
		return nil, err
	}
	if req.Method != http.MethodGet {
		id := ""
		if len(seg) == 3 {
			id = seg[2]
		}
		return s.write(ctx, req, c, db, seg[1], id)
	}
	rdb := s.reader(ctx, db)
	switch {
	case len(seg) == 1:
		return s.listTables(req, c)
	case seg[0] == "_schema" && len(seg) == 2:
		t, _, err := c.table(seg[1])
		if err != nil {
			return nil, err
		}
		return platform.OK(describe(t, c.schema)), nil
	case seg[0] == "_table" && len(seg) == 2:
		return s.getRecords(ctx, req, c, rdb, seg[1])
	case seg[0] == "_table" && len(seg) == 3:
		return s.getRecord(ctx, req, c, rdb, seg[1], seg[2])
	}
	return nil, platform.NotFound("Resource '%s' not found for service '%s'.", req.Resource, s.name)
}

// listTables lists the tables the caller may reach: [{name}], or every property with fields=*.
func (s *Service) listTables(req *platform.Request, c *catalog) (*platform.Response, error) {
	var out []string
	for _, n := range c.schema.Names {
		if req.Session.Allows(s.name, "_table/"+n, http.MethodGet, req.Requestor) ||
			req.Session.Allows(s.name, "_schema/"+n, http.MethodGet, req.Requestor) {
			out = append(out, n)
		}
	}
	if out == nil {
		out = []string{}
	}
	if f, _ := req.Param("fields"); f == "*" {
		list := make([]any, len(out))
		for i, n := range out {
			t, _ := c.schema.Table(n)
			list[i] = map[string]any{"name": t.Name, "label": label(t.Name), "plural": label(t.Name) + "s",
				"is_view": t.IsView, "description": nil, "native": []any{}}
		}
		return platform.OK(platform.Wrap(list)), nil
	}
	return platform.OK(names(out, req)), nil
}

// names renders a resource list as [{name}] or, with as_list, bare names.
func names(list []string, req *platform.Request) any {
	if req.BoolParam("as_list") {
		return platform.Wrap(list)
	}
	out := make([]any, len(list))
	for i, n := range list {
		out[i] = map[string]any{"name": n}
	}
	return platform.Wrap(out)
}

func label(name string) string {
	words := strings.Fields(strings.ReplaceAll(name, "_", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// timeoutOr is the statement timeout, also for a misconfigured service (conn nil).
func (c *conn) timeoutOr() time.Duration {
	if c == nil || c.timeout <= 0 {
		return defaultTimeout
	}
	return c.timeout
}

// Interface guards
var (
	_ platform.Service      = (*Service)(nil)
	_ platform.EventCatalog = (*Service)(nil)
	_ platform.Reconfigurer = (*Service)(nil)
)

// Schema returns the service's introspected schema (cached; refresh re-reads it).
func (s *Service) Schema(ctx context.Context, refresh bool) (*dbschema.Schema, error) {
	if c := s.catalog.Load(); c != nil && !refresh { // the common case, on every GraphQL request
		return c.schema, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.conn.timeoutOr())
	defer cancel()
	c, _, err := s.schema(ctx, refresh)
	if err != nil {
		return nil, err
	}
	return c.schema, nil
}

// dropUnsafe leaves out of the API the tables and columns whose names hold quote characters
// (see sqltable.SafeName), with the relations that use them, and logs each.
func (s *Service) dropUnsafe(sch *dbschema.Schema) {
	for key, t := range sch.Tables {
		if !sqltable.SafeName(t.Name) {
			s.p.Logger().Warn("table left out of the API: its name holds quote characters", "service", s.name, "table", t.Name)
			delete(sch.Tables, key)
			continue
		}
		var cols []*dbschema.Column
		for _, c := range t.Columns {
			if sqltable.SafeName(c.Name) {
				cols = append(cols, c)
			} else {
				s.p.Logger().Warn("column left out of the API: its name holds quote characters", "service", s.name, "table", t.Name, "column", c.Name)
			}
		}
		if len(cols) != len(t.Columns) {
			sch.Tables[key] = dbschema.NewTable(t, cols)
		}
	}
	names := sch.Names[:0]
	for _, n := range sch.Names {
		if _, ok := sch.Tables[strings.ToLower(n)]; ok {
			names = append(names, n)
		}
	}
	sch.Names = names
	for _, t := range sch.Tables {
		var rels []*dbschema.Relation
		for _, r := range t.Related {
			_, okRef := sch.Tables[strings.ToLower(r.RefTable)]
			okJ := r.JunctionTable == ""
			if !okJ {
				_, okJ = sch.Tables[strings.ToLower(r.JunctionTable)]
			}
			_, okField := t.Column(r.Field)
			if okRef && okJ && okField {
				rels = append(rels, r)
			}
		}
		t.Related = rels
	}
}

// outOfRange reports whether err says a bound value does not fit its column's type (pgx
// refuses to encode it; PostgreSQL SQLSTATE 22003).
func outOfRange(err error) bool {
	msg := err.Error()
	for _, s := range []string{"out of range", "22003", "greater than maximum value", "less than minimum value"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// isStatementTimeout reports a statement stopped by the server's own limit (MariaDB 1969,
// MySQL 3024) or by PostgreSQL's statement_timeout / a cancel (57014).
func isStatementTimeout(err error) bool {
	msg := err.Error()
	for _, s := range []string{"Error 1969", "Error 3024", "57014", "maximum statement execution time exceeded"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
