package platform

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/roleserviceaccess"
	"github.com/apiary/apiary/ent/token"
	"github.com/apiary/apiary/ent/userapprole"
	"github.com/apiary/apiary/platform/access"
)

// cache holds the lookups every request needs. Entries are loaded lazily and dropped as a whole
// by invalidate; a load that raced with an invalidation is not stored (generation check).
type cache struct {
	mu       sync.RWMutex
	gen      uint64
	apps     map[[32]byte]*ent.App // by sha256 of the API key
	services map[string]*ent.Service
	// instances outlive invalidations: one is replaced only when its own service row changed
	// (or is gone), so a flush does not rebuild every database pool.
	instances map[string]*instanceEntry
	roles     map[int]*Role
	users     map[int]*userEntry
	tokens    map[string]*ent.Token
	cors      []*ent.Cors
	scripts   map[string]*ent.EventScript // active event scripts by name
}

type userEntry struct {
	user     *ent.User
	appRoles map[int]int // app id → role id (user_to_app_to_role)
}

func newCache() *cache {
	c := &cache{}
	c.reset()
	return c
}

// instanceEntry is a built service with the row version it was built from.
type instanceEntry struct {
	svc     Service
	id      int
	version time.Time
}

func (c *cache) reset() {
	c.apps, c.services, c.cors, c.scripts = nil, nil, nil, nil
	if c.instances == nil {
		c.instances = map[string]*instanceEntry{}
	}
	c.roles, c.users, c.tokens = map[int]*Role{}, map[int]*userEntry{}, map[string]*ent.Token{}
}

func (c *cache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.reset()
	c.mu.Unlock()
}

// retireGrace is how long a replaced service instance keeps serving requests already running
// on it before its resources (database pools) are closed.
const retireGrace = 30 * time.Second

// retire closes replaced service instances that hold resources, after retireGrace.
func retire(instances ...Service) {
	var closers []io.Closer
	for _, s := range instances {
		if c, ok := s.(io.Closer); ok {
			closers = append(closers, c)
		}
	}
	if len(closers) == 0 {
		return
	}
	time.AfterFunc(retireGrace, func() {
		for _, c := range closers {
			_ = c.Close()
		}
	})
}

func (c *cache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// store runs set under the write lock when no invalidation happened since gen was read.
func (c *cache) store(gen uint64, set func()) {
	c.mu.Lock()
	if c.gen == gen {
		set()
	}
	c.mu.Unlock()
}

// appByKey returns the active app whose API key is key, or nil. The key is found through its
// SHA-256 digest and then compared in constant time.
func (p *Platform) appByKey(ctx context.Context, key string) (*ent.App, error) {
	if key == "" {
		return nil, nil
	}
	c := p.cache
	c.mu.RLock()
	apps := c.apps
	c.mu.RUnlock()
	if apps == nil {
		gen := c.generation()
		all, err := p.Client.App.Query().All(ctx)
		if err != nil {
			return nil, err
		}
		apps = make(map[[32]byte]*ent.App, len(all))
		for _, a := range all {
			apps[sha256.Sum256([]byte(a.APIKey))] = a
		}
		c.store(gen, func() { c.apps = apps })
	}
	a := apps[sha256.Sum256([]byte(key))]
	if a == nil || subtle.ConstantTimeCompare([]byte(a.APIKey), []byte(key)) != 1 || !a.IsActive {
		return nil, nil
	}
	return a, nil
}

// serviceRow returns the service row named name (case-insensitive), or nil.
func (p *Platform) serviceRow(ctx context.Context, name string) (*ent.Service, error) {
	all, err := p.serviceRows(ctx)
	if err != nil {
		return nil, err
	}
	return all[strings.ToLower(name)], nil
}

// serviceRows returns every service row keyed by lower-case name.
func (p *Platform) serviceRows(ctx context.Context) (map[string]*ent.Service, error) {
	c := p.cache
	c.mu.RLock()
	svcs := c.services
	c.mu.RUnlock()
	if svcs != nil {
		return svcs, nil
	}
	gen := c.generation()
	all, err := p.Client.Service.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	svcs = make(map[string]*ent.Service, len(all))
	for _, s := range all {
		svcs[strings.ToLower(s.Name)] = s
	}
	var gone []Service
	c.store(gen, func() {
		c.services = svcs
		for name, e := range c.instances { // services deleted or renamed
			if row := svcs[name]; row == nil || row.ID != e.id {
				gone = append(gone, e.svc)
				delete(c.instances, name)
			}
		}
	})
	retire(gone...)
	return svcs, nil
}

// instance returns the built Service for a row, building it on first use.
func (p *Platform) instance(row *ent.Service) (Service, error) {
	c := p.cache
	key := strings.ToLower(row.Name)
	current := func(e *instanceEntry) bool {
		return e != nil && e.id == row.ID && e.version.Equal(row.LastModifiedDate)
	}
	c.mu.RLock()
	e := c.instances[key]
	c.mu.RUnlock()
	if current(e) {
		return e.svc, nil
	}
	if e != nil && e.id == row.ID {
		if row.LastModifiedDate.Before(e.version) { // a stale row: the instance serves a newer one
			return e.svc, nil
		}
		if r, ok := e.svc.(Reconfigurer); ok && r.Reconfigure(row) {
			c.mu.Lock()
			if cur := c.instances[key]; cur == e && e.version.Before(row.LastModifiedDate) {
				c.instances[key] = &instanceEntry{svc: e.svc, id: e.id, version: row.LastModifiedDate}
			}
			c.mu.Unlock()
			return e.svc, nil
		}
	}
	t, ok := p.types[row.Type]
	if !ok {
		return nil, Errorf(503, "Service '%s' has type '%s', which this server does not provide.", row.Name, row.Type)
	}
	s, err := t.New(p, row)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if prev := c.instances[key]; current(prev) { // built meanwhile by another request: use it
		c.mu.Unlock()
		retire(s)
		return prev.svc, nil
	} else if prev != nil {
		defer retire(prev.svc)
	}
	c.instances[key] = &instanceEntry{svc: s, id: row.ID, version: row.LastModifiedDate}
	c.mu.Unlock()
	return s, nil
}

// role returns a role with its access rows, or nil when it does not exist.
func (p *Platform) role(ctx context.Context, id int) (*Role, error) {
	c := p.cache
	c.mu.RLock()
	r, ok := c.roles[id]
	c.mu.RUnlock()
	if ok {
		return r, nil
	}
	gen := c.generation()
	row, err := p.Client.Role.Get(ctx, id)
	if ent.IsNotFound(err) {
		c.store(gen, func() { c.roles[id] = nil })
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := p.Client.RoleServiceAccess.Query().Where(roleserviceaccess.RoleID(id)).All(ctx)
	if err != nil {
		return nil, err
	}
	svcs, err := p.serviceRows(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int]string, len(svcs))
	for _, s := range svcs {
		names[s.ID] = s.Name
	}
	r = &Role{ID: row.ID, Name: row.Name, IsActive: row.IsActive}
	for _, a := range rows {
		e := access.Entry{Component: a.Component, VerbMask: a.VerbMask, RequestorMask: a.RequestorMask, FilterOp: a.FilterOp}
		if a.ServiceID != nil {
			name, ok := names[*a.ServiceID]
			if !ok {
				continue
			}
			e.Service = name
		}
		for _, f := range a.Filters {
			e.Filters = append(e.Filters, access.Filter{Name: str(f["name"]), Operator: str(f["operator"]), Value: f["value"]})
		}
		r.Access = append(r.Access, e)
	}
	c.store(gen, func() { c.roles[id] = r })
	return r, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// user returns an active-or-not user with its app→role map, or nil when it does not exist.
func (p *Platform) user(ctx context.Context, id int) (*userEntry, error) {
	c := p.cache
	c.mu.RLock()
	u, ok := c.users[id]
	c.mu.RUnlock()
	if ok {
		return u, nil
	}
	gen := c.generation()
	row, err := p.Client.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		c.store(gen, func() { c.users[id] = nil })
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	uars, err := p.Client.UserAppRole.Query().Where(userapprole.UserID(id)).All(ctx)
	if err != nil {
		return nil, err
	}
	u = &userEntry{user: row, appRoles: make(map[int]int, len(uars))}
	for _, x := range uars {
		u.appRoles[x.AppID] = x.RoleID
	}
	c.store(gen, func() { c.users[id] = u })
	return u, nil
}

// forgetUser drops one user's cached entry (after a login changed last_login_date).
func (p *Platform) forgetUser(id int) {
	c := p.cache
	c.mu.Lock()
	c.gen++
	delete(c.users, id)
	c.mu.Unlock()
}

// tokenRow returns the token_map row of a jti, or nil when it was never issued.
func (p *Platform) tokenRow(ctx context.Context, jti string) (*ent.Token, error) {
	c := p.cache
	c.mu.RLock()
	t, ok := c.tokens[jti]
	c.mu.RUnlock()
	if ok {
		return t, nil
	}
	gen := c.generation()
	t, err := p.Client.Token.Query().Where(token.Jti(jti)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.store(gen, func() { c.tokens[jti] = t })
	return t, nil
}

// CorsRules returns the CORS rules (system/cors), cached.
func (p *Platform) CorsRules(ctx context.Context) ([]*ent.Cors, error) {
	c := p.cache
	c.mu.RLock()
	rules := c.cors
	c.mu.RUnlock()
	if rules != nil {
		return rules, nil
	}
	gen := c.generation()
	rules, err := p.Client.Cors.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		rules = []*ent.Cors{}
	}
	c.store(gen, func() { c.cors = rules })
	return rules, nil
}
