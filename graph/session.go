package graph

import (
	"context"
	"net/http"
	"strconv"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/roleserviceaccess"
	"github.com/apiary/apiary/graph/gqlhttp"
	"github.com/apiary/apiary/graph/model"
	"github.com/apiary/apiary/platform"
)

// login is POST system/admin/session (admin) or POST user/session.
func (r *Resolver) login(ctx context.Context, email, password string, admin, remember bool) (*model.Session, error) {
	req := &platform.Request{Method: http.MethodPost, Service: "user", Resource: "session",
		Payload: map[string]any{"email": email, "password": password, "remember_me": remember}}
	if admin {
		req.Service, req.Resource = "system", "admin/session"
	}
	v, err := r.call(ctx, req)
	if err != nil {
		return nil, err
	}
	return sessionModel(v), nil
}

// me is GET of the caller's session resource; null without a session.
func (r *Resolver) me(ctx context.Context) (*model.Session, error) {
	req, ok, err := r.sessionRequest(ctx, http.MethodGet)
	if err != nil || !ok {
		return nil, err
	}
	resp := r.P.Handle(ctx, req)
	if resp.Err != nil {
		return nil, gqlhttp.GQLError(resp.Err)
	}
	return sessionModel(resp.Content), nil
}

// logout is DELETE of the caller's session resource.
func (r *Resolver) logout(ctx context.Context) (bool, error) {
	req, _, err := r.sessionRequest(ctx, http.MethodDelete)
	if err != nil {
		return false, err
	}
	resp := r.P.Handle(ctx, req)
	if resp.Err != nil {
		return false, gqlhttp.GQLError(resp.Err)
	}
	return true, nil
}

// createAccess adds an access row through its role: PATCH system/role/{roleID} with
// role_service_access_by_role_id, as DreamFactory's admin app does.
func (r *Resolver) createAccess(ctx context.Context, input ent.CreateRoleServiceAccessInput) (*ent.RoleServiceAccess, error) {
	rec, err := record("role_service_access", input)
	if err != nil {
		return nil, err
	}
	delete(rec, "role_id")
	before, err := r.Client.RoleServiceAccess.Query().Where(roleserviceaccess.RoleID(input.RoleID)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.patchAccess(ctx, input.RoleID, rec); err != nil {
		return nil, err
	}
	known := map[int]bool{}
	for _, id := range before {
		known[id] = true
	}
	after, err := r.Client.RoleServiceAccess.Query().Where(roleserviceaccess.RoleID(input.RoleID)).
		Order(ent.Desc(roleserviceaccess.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range after {
		if !known[a.ID] {
			return a, nil
		}
	}
	return nil, gqlhttp.GQLError(platform.Internal(nil))
}

// updateAccess changes an access row through its role.
func (r *Resolver) updateAccess(ctx context.Context, id int, input ent.UpdateRoleServiceAccessInput) (*ent.RoleServiceAccess, error) {
	row, err := r.accessRow(ctx, id)
	if err != nil {
		return nil, err
	}
	rec, err := record("role_service_access", input)
	if err != nil {
		return nil, err
	}
	rec["id"] = id
	if err := r.patchAccess(ctx, row.RoleID, rec); err != nil {
		return nil, err
	}
	return r.Client.RoleServiceAccess.Get(ctx, id)
}

// deleteAccess removes an access row through its role (the row with role_id null).
func (r *Resolver) deleteAccess(ctx context.Context, id int) (int, error) {
	row, err := r.accessRow(ctx, id)
	if err != nil {
		return 0, err
	}
	return id, r.patchAccess(ctx, row.RoleID, map[string]any{"id": id, "role_id": nil})
}

func (r *Resolver) accessRow(ctx context.Context, id int) (*ent.RoleServiceAccess, error) {
	row, err := r.Client.RoleServiceAccess.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, gqlhttp.GQLError(platform.NotFound("Record with identifier '%d' not found.", id))
	}
	return row, err
}

func (r *Resolver) patchAccess(ctx context.Context, roleID int, rec map[string]any) error {
	_, err := r.call(ctx, &platform.Request{Method: http.MethodPatch, Service: "system", Resource: "role/" + strconv.Itoa(roleID),
		Payload: map[string]any{"role_service_access_by_role_id": []any{rec}}})
	return err
}
