package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/user"
	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/graph/model"
	"github.com/apiary/apiary/platform"
)

type callerKey struct{}

// caller is the HTTP side of a GraphQL request: its headers (credentials) and address.
type caller struct {
	header http.Header
	query  url.Values
	addr   string
}

// Handler serves /graphql per GraphQL over HTTP: GET (queries only) and POST, JSON or
// application/graphql-response+json as the client accepts, the standard introspection.
// A body over maxBody bytes is refused with 413.
func Handler(p *platform.Platform, maxBody int64) http.Handler {
	es := NewExecutableSchema(Config{Resolvers: &Resolver{P: p, Client: p.Client}})
	srv := gqlhttp.NewServer(es, 500, false) // not argsFree: entgql reads first/last
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !gqlhttp.LimitBody(w, r, maxBody) {
			return
		}
		host := platform.ClientHost(r)
		var query url.Values // parsed only when there is a query string
		if r.URL.RawQuery != "" {
			query = r.URL.Query()
		}
		ctx := context.WithValue(r.Context(), callerKey{}, caller{header: r.Header, query: query, addr: host})
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
}

// credentials are the caller's, from headers or the query string (api_key, session_token).
func (c caller) credentials() platform.Credentials {
	return platform.CredentialsFrom(c.header, c.query, nil, "")
}

func callerFrom(ctx context.Context) caller {
	c, _ := ctx.Value(callerKey{}).(caller)
	if c.header == nil {
		c.header = http.Header{}
	}
	return c
}

// call runs one platform request on behalf of the GraphQL caller and returns its content, or
// the platform error as a GraphQL error.
func (r *Resolver) call(ctx context.Context, req *platform.Request) (any, error) {
	resp := r.handle(ctx, req)
	if resp.Err != nil {
		return nil, gqlhttp.GQLError(resp.Err)
	}
	return resp.Content, nil
}

// handle runs one platform request on behalf of the GraphQL caller.
func (r *Resolver) handle(ctx context.Context, req *platform.Request) *platform.Response {
	c := callerFrom(ctx)
	req.Header = c.header
	req.RemoteAddr = c.addr
	req.Requestor = platform.RequestorAPI
	if req.Query == nil {
		req.Query = url.Values{}
	}
	req.Credentials = c.credentials()
	return r.P.Handle(ctx, req)
}

// connection runs a Relay connection query as GET system/{resource}: the pipeline checks and
// fires events, then load runs the generated entgql pagination for the caller's session.
func connection[T any](ctx context.Context, r *Resolver, resource string, load func(context.Context, *platform.Session) (T, error)) (T, error) {
	var zero T
	v, err := r.call(ctx, &platform.Request{Method: http.MethodGet, Service: "system", Resource: resource,
		Load: func(ctx context.Context, s *platform.Session) (any, error) { return load(ctx, s) }})
	if err != nil {
		return zero, err
	}
	out, ok := v.(T)
	if !ok { // a script replaced the response
		return zero, gqlhttp.GQLError(platform.Internal(fmt.Errorf("connection %s: unexpected response %T", resource, v)))
	}
	return out, nil
}

// single runs GET system/{resource}/{key}, the REST read of one record: the pipeline checks and
// fires events, then load reads the entity for the caller's session as the field selects it.
// An answer of 404 — no such record, or a script's — is null, where REST answers 404; any other
// error status, a script's too, is a GraphQL error with that status.
func single[T any](ctx context.Context, r *Resolver, resource, key string, load func(context.Context, *platform.Session) (*T, error)) (*T, error) {
	resp := r.handle(ctx, &platform.Request{Method: http.MethodGet, Service: "system", Resource: resource + "/" + key,
		Load: func(ctx context.Context, s *platform.Session) (any, error) {
			v, err := load(ctx, s)
			if ent.IsNotFound(err) {
				return nil, platform.NotFound("Record with identifier '%s' not found.", key)
			}
			return v, err
		}})
	switch {
	case resp.Status == http.StatusNotFound:
		return nil, nil
	case resp.Err != nil:
		return nil, gqlhttp.GQLError(resp.Err)
	case resp.Status >= http.StatusBadRequest: // a script answered an error
		e := &platform.Error{Status: resp.Status, Message: http.StatusText(resp.Status)}
		c, _ := resp.Content.(map[string]any)
		env, _ := c["error"].(map[string]any) // DreamFactory's envelope {"error": {"message": …}}
		if m, ok := env["message"].(string); ok {
			e.Message = m
		}
		return nil, gqlhttp.GQLError(e)
	}
	out, ok := resp.Content.(*T)
	if !ok { // a script replaced the record
		return nil, gqlhttp.GQLError(platform.Internal(fmt.Errorf("%s/%s: unexpected response %T", resource, key, resp.Content)))
	}
	return out, nil
}

// userScope restricts users to non-admins unless the caller may also read system/admin, as the
// REST resources system/user and system/admin are separate.
func userScope(q *ent.UserQuery, s *platform.Session) *ent.UserQuery {
	if s.Allows("system", "admin", http.MethodGet, platform.RequestorAPI) {
		return q
	}
	return q.Where(user.IsSysAdmin(false))
}

// create runs POST system/{resource} with the input as its one record and returns the new id.
func (r *Resolver) create(ctx context.Context, resource, table string, input any) (int, error) {
	rec, err := record(table, input)
	if err != nil {
		return 0, err
	}
	v, err := r.call(ctx, &platform.Request{Method: http.MethodPost, Service: "system", Resource: resource,
		Payload: map[string]any{"resource": []any{rec}}})
	if err != nil {
		return 0, err
	}
	list, _ := v.(map[string]any)["resource"].([]any)
	if len(list) != 1 {
		return 0, fmt.Errorf("unexpected create response")
	}
	return idOf(list[0].(map[string]any)["id"]), nil
}

// update runs PATCH system/{resource}/{id} with the input as the record.
func (r *Resolver) update(ctx context.Context, resource, table string, id int, input any, query url.Values) error {
	return r.updateKey(ctx, resource, table, strconv.Itoa(id), input, query)
}

// updateKey runs PATCH system/{resource}/{key} with the input as the record.
func (r *Resolver) updateKey(ctx context.Context, resource, table, key string, input any, query url.Values) error {
	rec, err := record(table, input)
	if err != nil {
		return err
	}
	_, err = r.call(ctx, &platform.Request{Method: http.MethodPatch, Service: "system",
		Resource: resource + "/" + key, Payload: rec, Query: query})
	return err
}

// remove runs DELETE system/{resource}/{id}.
func (r *Resolver) remove(ctx context.Context, resource string, id int) (int, error) {
	_, err := r.call(ctx, &platform.Request{Method: http.MethodDelete, Service: "system", Resource: resource + "/" + strconv.Itoa(id)})
	return id, err
}

// scriptName returns the name that addresses an event script on REST (system/event_script/{name}).
func (r *Resolver) scriptName(ctx context.Context, id int) (string, error) {
	es, err := r.Client.EventScript.Get(ctx, id)
	if ent.IsNotFound(err) {
		return "", gqlhttp.GQLError(platform.NotFound("Record with identifier '%d' not found.", id))
	}
	if err != nil {
		return "", err
	}
	return es.Name, nil
}

// updateScript is PATCH system/event_script/{name}.
func (r *Resolver) updateScript(ctx context.Context, id int, input ent.UpdateEventScriptInput) error {
	name, err := r.scriptName(ctx, id)
	if err != nil {
		return err
	}
	return r.updateKey(ctx, "event_script", "event_script", name, input, nil)
}

// removeScript is DELETE system/event_script/{name}.
func (r *Resolver) removeScript(ctx context.Context, id int) (int, error) {
	name, err := r.scriptName(ctx, id)
	if err != nil {
		return 0, err
	}
	_, err = r.call(ctx, &platform.Request{Method: http.MethodDelete, Service: "system", Resource: "event_script/" + name})
	return id, err
}

// userResource is the REST resource that addresses user id for the caller and method, as REST
// separates them: system/admin for a sys-admin when the caller may read system/admin/{id} or
// make method on it, else system/user — where REST answers 404 for a sys-admin, so a caller who
// may not reach sys-admins learns nothing of them (nor of ids that do not exist: the pipeline
// answers 404 for those too). The caller is authenticated first: the user table is read only
// for callers who may reach sys-admins.
func (r *Resolver) userResource(ctx context.Context, id int, method string) (string, error) {
	c := callerFrom(ctx)
	component := "admin/" + strconv.Itoa(id)
	s, err := r.P.Session(ctx, &platform.Request{Method: method, Service: "system", Resource: component,
		Header: c.header, RemoteAddr: c.addr, Requestor: platform.RequestorAPI, Credentials: c.credentials()})
	if err != nil || !(s.Allows("system", component, http.MethodGet, platform.RequestorAPI) || s.Allows("system", component, method, platform.RequestorAPI)) {
		return "user", nil // without a session the pipeline answers for the credentials
	}
	admin, err := r.Client.User.Query().Where(user.ID(id), user.IsSysAdmin(true)).Exist(ctx)
	if err != nil {
		return "", gqlhttp.GQLError(platform.Internal(err))
	}
	if admin {
		return "admin", nil
	}
	return "user", nil
}

// record converts an entgql mutation input into the DreamFactory record a REST client would
// send: each set field under its column name (from the generated ent.Resources descriptor),
// each ClearX flag as null. Values go through JSON, as they would over REST.
func record(table string, input any) (map[string]any, error) {
	res := ent.Resources[table]
	byStruct := map[string]string{}
	for _, f := range res.Fields {
		byStruct[f.StructField] = f.Name
	}
	rec := map[string]any{}
	v := reflect.Indirect(reflect.ValueOf(input))
	for i := 0; i < v.NumField(); i++ {
		name, fv := v.Type().Field(i).Name, v.Field(i)
		if strings.HasPrefix(name, "Clear") && fv.Kind() == reflect.Bool {
			if field, ok := byStruct[strings.TrimPrefix(name, "Clear")]; ok && fv.Bool() {
				rec[field] = nil
			}
			continue
		}
		field, ok := byStruct[name]
		if !ok || ((fv.Kind() == reflect.Pointer || fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.IsNil()) {
			continue
		}
		b, err := json.Marshal(fv.Interface())
		if err != nil {
			return nil, err
		}
		var out any
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, err
		}
		rec[field] = out
	}
	return rec, nil
}

func idOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}

// sessionPath returns the session resource for the caller: system/admin/session for
// sys-admins, user/session otherwise, with the caller's session already authenticated.
func (r *Resolver) sessionRequest(ctx context.Context, method string) (*platform.Request, bool, error) {
	c := callerFrom(ctx)
	req := &platform.Request{Method: method, Header: c.header, RemoteAddr: c.addr, Credentials: c.credentials()}
	s, err := r.P.Session(ctx, req)
	if err != nil {
		return nil, false, gqlhttp.GQLError(platform.AsError(err))
	}
	req.Session = s
	req.Service, req.Resource = "user", "session"
	if s.User != nil && s.User.IsSysAdmin {
		req.Service, req.Resource = "system", "admin/session"
	}
	return req, s.User != nil, nil
}

// sessionModel converts DreamFactory's session info.
func sessionModel(v any) *model.Session {
	m, _ := v.(map[string]any)
	str := func(k string) string { s, _ := m[k].(string); return s }
	optStr := func(k string) *string {
		if s, ok := m[k].(string); ok {
			return &s
		}
		return nil
	}
	out := &model.Session{SessionToken: str("session_token"), ID: idOf(m["id"]), Name: str("name"),
		FirstName: str("first_name"), LastName: str("last_name"), Email: str("email"),
		LastLoginDate: optStr("last_login_date"), TokenExpiryDate: str("token_expiry_date"), Role: optStr("role")}
	out.IsSysAdmin, _ = m["is_sys_admin"].(bool)
	if rid, ok := m["role_id"]; ok {
		n := idOf(rid)
		out.RoleID = &n
	}
	return out
}

// jsonList converts a decoded JSON value to the []map[string]any of JSON-list fields.
func jsonList(data any) ([]map[string]any, error) {
	if data == nil {
		return nil, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, gqlhttp.GQLError(platform.BadRequest("filters must be a list of objects such as {name, operator, value}."))
	}
	return out, nil
}

// errNodeUnsupported explains why node(id) cannot resolve: ids are per type, as DreamFactory's.
var errNodeUnsupported error = gqlhttp.GQLError(&platform.Error{Status: http.StatusNotImplemented, Code: http.StatusNotImplemented,
	Message: "node(id) is not available: Apiary keeps DreamFactory's per-type ids, so an id alone does not name a type. Read the record by its type's own field instead — role(id: …), user(id: …), app(id: …), service(id: …), event(id: …) — or the typed connection with where: {id: …}."})

// maskSecrets masks the secrets of a service the pipeline is about to answer with (nil: none),
// as REST's system/service does before its events see a record: post_process and queued
// scripts of a GraphQL read see the config REST's scripts see. svc is the request's own
// freshly read entity.
func maskSecrets(svc *ent.Service) {
	if svc != nil {
		svc.Config = maskedConfig(svc.Config)
	}
}

// maskedConfig is a copy of a service config with its secrets masked, as REST shows it.
func maskedConfig(cfg map[string]any) map[string]any {
	if cfg == nil {
		return nil
	}
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		out[k] = v
	}
	platform.MaskConfig(out)
	return out
}
