package data

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// SchemaSource is implemented by database services: their introspected schema, cached unless
// refresh is set. A new *dbschema.Schema means the schema changed.
type SchemaSource interface {
	Schema(ctx context.Context, refresh bool) (*dbschema.Schema, error)
}

// Service config keys of the data API's limits, with their defaults.
const (
	ConfigMaxDepth      = "graphql_max_depth"      // nesting of fields, introspection excluded (default 10)
	ConfigMaxComplexity = "graphql_max_complexity" // fields in an operation, each counted once (default 1000)
	ConfigMaxLimit      = "graphql_max_limit"      // rows a list returns; the default limit (default and cap: max_records)

	defaultMaxDepth      = 10
	defaultMaxComplexity = 1000
	defaultMaxRecords    = 1000 // the database service's own default max_records
)

// limits are one service's.
type limits struct {
	maxDepth, maxComplexity int
	maxLimit                int // the page size: default and maximum limit of a list
	maxRecords              int // the service's max_records: batched relation reads page by it
}

func limitsOf(cfg map[string]any) limits {
	l := limits{maxDepth: defaultMaxDepth, maxComplexity: defaultMaxComplexity, maxRecords: defaultMaxRecords}
	if n := intOf(cfg["max_records"]); n > 0 {
		l.maxRecords = n
	}
	l.maxLimit = l.maxRecords
	if n := intOf(cfg[ConfigMaxLimit]); n > 0 && n < l.maxRecords {
		l.maxLimit = n
	}
	if n := intOf(cfg[ConfigMaxDepth]); n > 0 {
		l.maxDepth = n
	}
	if n := intOf(cfg[ConfigMaxComplexity]); n > 0 {
		l.maxComplexity = n
	}
	return l
}

// intOf reads a whole number from a service's config (0 when it is not one).
func intOf(v any) int {
	n, _ := platform.IntValue(v)
	return int(n)
}

func limitError(n, max int, service string) error {
	return &gqlerror.Error{Message: fmt.Sprintf("limit %d is over the page size of service '%s' (%d, config %s): page with limit and offset.", n, service, max, ConfigMaxLimit),
		Extensions: map[string]any{"code": "PAGE_SIZE_LIMIT_EXCEEDED", "status": http.StatusBadRequest}}
}

// Handler serves /graphql/{service} for every database service.
type Handler struct {
	p       *platform.Platform
	maxBody int64
	mu      sync.Mutex
	svcs    map[string]*atomic.Pointer[generation] // by lower-case service name
}

// generation is the data API of one service at one schema version: a handler per visibility.
// A schema change (a new *dbschema.Schema) or a changed service row replaces the generation
// as a whole; requests that hold the old one finish on it.
type generation struct {
	schema  *dbschema.Schema
	version time.Time // the service row's last change
	m       *model
	lim     limits
	service string

	mu       sync.Mutex
	handlers map[string]*handler.Server // by visibility key
	roles    map[*platform.Role]string  // visibility key of a role (roles are rebuilt on change)
}

// maxRolesCached bounds a generation's role → visibility memo.
const maxRolesCached = 1024

// NewHandler returns the /graphql/{service} handler; maxBody bounds request bodies (413 past it).
func NewHandler(p *platform.Platform, maxBody int64) *Handler {
	return &Handler{p: p, maxBody: maxBody, svcs: map[string]*atomic.Pointer[generation]{}}
}

// ServeHTTP answers GraphQL over HTTP (GET for queries, POST, application/json or
// application/graphql-response+json) for the service named by the path's last segment.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !gqlhttp.LimitBody(w, r, h.maxBody) {
		return
	}
	name := strings.ToLower(strings.Trim(strings.TrimPrefix(r.URL.Path, "/graphql"), "/"))
	ctx := r.Context()
	host := platform.ClientHost(r)
	q := r.URL.Query()
	creds := platform.CredentialsFrom(r.Header, q, nil, "")
	preq := &platform.Request{Method: http.MethodGet, Service: name, Header: r.Header, RemoteAddr: host, Credentials: creds}
	sess, err := h.p.Session(ctx, preq)
	if err != nil {
		platformError(w, platform.AsError(err))
		return
	}
	preq.Session = sess
	rows, err := h.p.ServiceRows(ctx)
	if err != nil {
		platformError(w, platform.AsError(err))
		return
	}
	row := rows[name]
	if !sess.CanReach(name, platform.RequestorAPI) {
		// The caller learns nothing about the service, not even whether it exists.
		if err := h.p.Authorize(preq); err != nil {
			platformError(w, platform.AsError(err))
		} else {
			platformError(w, platform.NotFound("Could not find a service for %s", name))
		}
		return
	}
	if row == nil {
		platformError(w, platform.NotFound("Could not find a service for %s", name))
		return
	}
	if !row.IsActive {
		platformError(w, platform.Forbidden("Service %s is deactivated.", row.Name))
		return
	}
	inst, err := h.p.ServiceInstance(row)
	if err != nil {
		platformError(w, platform.AsError(err))
		return
	}
	src, ok := inst.(SchemaSource)
	if !ok {
		platformError(w, platform.NotFound("Service '%s' is not a database service: it has no GraphQL data API.", row.Name))
		return
	}
	// Re-reading the schema is for those who may read it (_schema), as on REST.
	refresh := false
	if v := q.Get("refresh"); (v == "true" || v == "1") && sess.Allows(row.Name, "_schema", http.MethodGet, platform.RequestorAPI) {
		refresh = true
	}
	sch, err := src.Schema(ctx, refresh)
	if err != nil {
		platformError(w, platform.AsError(err))
		return
	}
	gen := h.generation(row, sch)
	srv, err := gen.handler(sess)
	if err != nil {
		platformError(w, platform.Internal(err))
		return
	}
	c := &call{p: h.p, sess: sess, header: r.Header, addr: host, creds: creds}
	srv.ServeHTTP(w, r.WithContext(context.WithValue(ctx, callKey{}, c)))
}

// generation returns the current generation of a service, building and swapping in a new one
// when its schema or row changed.
func (h *Handler) generation(row *ent.Service, sch *dbschema.Schema) *generation {
	key := strings.ToLower(row.Name)
	h.mu.Lock()
	ptr := h.svcs[key]
	if ptr == nil {
		ptr = &atomic.Pointer[generation]{}
		h.svcs[key] = ptr
	}
	h.mu.Unlock()
	for {
		cur := ptr.Load()
		if cur != nil && cur.schema == sch && cur.version.Equal(row.LastModifiedDate) && cur.service == row.Name {
			return cur
		}
		next := &generation{schema: sch, version: row.LastModifiedDate, m: newModel(sch), lim: limitsOf(row.Config),
			service: row.Name, handlers: map[string]*handler.Server{}, roles: map[*platform.Role]string{}}
		if ptr.CompareAndSwap(cur, next) {
			return next
		}
	}
}

// handler returns the gqlgen handler for a session's visibility, building it on first use.
func (g *generation) handler(s *platform.Session) (*handler.Server, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	key, known := "*", s.SysAdmin
	var v visibility
	if !known && s.Role != nil {
		key, known = g.roles[s.Role]
	}
	if !known {
		v = visibilityOf(s, g.service, g.m)
		key = v.key(g.m)
		if s.Role != nil {
			if len(g.roles) >= maxRolesCached {
				g.roles = map[*platform.Role]string{}
			}
			g.roles[s.Role] = key
		}
	}
	if srv := g.handlers[key]; srv != nil {
		return srv, nil
	}
	if v == nil {
		v = visibilityOf(s, g.service, g.m)
	}
	es, err := newExecSchema(g.m, v, g.service, g.lim)
	if err != nil {
		return nil, err
	}
	// argsFree: execSchema.Complexity reads no arguments.
	srv := gqlhttp.NewServer(es, g.lim.maxComplexity, true, depthLimit{max: g.lim.maxDepth, service: g.service})
	g.handlers[key] = srv
	return srv, nil
}

// depthLimit refuses operations nested deeper than max (introspection fields not counted).
type depthLimit struct {
	max     int
	service string
}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if n := depth(op.Operation.SelectionSet, op.Doc.Fragments, 0); n > d.max {
		return &gqlerror.Error{Message: fmt.Sprintf("operation has depth %d, which exceeds the limit of %d of service '%s' (config %s)", n, d.max, d.service, ConfigMaxDepth),
			Extensions: map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}}
	}
	return nil
}

// depth is the deepest field nesting of sel, through fragments; introspection is not counted.
func depth(sel ast.SelectionSet, frags ast.FragmentDefinitionList, seen int) int {
	if seen > 64 { // fragment cycles are refused by validation; this only bounds the walk
		return seen
	}
	best := 0
	for _, s := range sel {
		var d int
		switch s := s.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + depth(s.SelectionSet, frags, seen+1)
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, frags, seen+1)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, frags, seen+1)
			}
		}
		best = max(best, d)
	}
	return best
}

// platformError answers a request that failed before GraphQL execution with the status REST
// would use.
func platformError(w http.ResponseWriter, e *platform.Error) {
	ge := gqlhttp.GQLError(e)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{ge}})
}

// Interface guards
var (
	_ graphql.ExecutableSchema        = (*execSchema)(nil)
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
	_ http.Handler                    = (*Handler)(nil)
)
