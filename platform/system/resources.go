package system

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/app"
	"github.com/apiary/apiary/ent/predicate"
	"github.com/apiary/apiary/ent/userapprole"
	"github.com/apiary/apiary/platform"
)

// privateMask is what a private lookup's value reads as; writing it back leaves the value as is.
const privateMask = platform.SecretMask

// specs builds the collection resources of the system service from the ent descriptors.
func (s *System) buildSpecs() map[string]*spec {
	service := newSpec("service", "service")
	service.prepare = s.prepareService
	service.render = func(row map[string]any) { // a database password is never returned
		if cfg, ok := row["config"].(map[string]any); ok {
			platform.MaskConfig(cfg)
		}
	}
	service.deletable = func(ctx context.Context, tx *ent.Client, id int) error {
		row, err := tx.Service.Get(ctx, id)
		if err != nil {
			return dbError(nil, err)
		}
		if !row.Deletable {
			return platform.BadRequest("Service '%s' can not be deleted.", row.Name)
		}
		return nil
	}

	script := newSpec("event_script", "event_script")
	script.key = "name"

	application := newSpec("app", "app")
	application.ignored["launch_url"] = true
	application.prepare = prepareApp
	application.after = func(ctx context.Context, w *write, id int, rec map[string]any) error {
		if deactivated(rec) {
			return w.revokeThrough(ctx, userapprole.AppID(id))
		}
		return nil
	}
	application.render = func(row map[string]any) {
		row["launch_url"] = ""
		if u, ok := row["url"].(string); ok {
			row["launch_url"] = u
		}
	}

	role := newSpec("role", "role")
	role.prepare = func(_ context.Context, _ *write, rec map[string]any) error {
		if d, ok := rec["description"].(string); ok && len(d) > 255 {
			rec["description"] = d[:255]
		}
		return nil
	}
	role.after = func(ctx context.Context, w *write, id int, rec map[string]any) error {
		if deactivated(rec) {
			return w.revokeThrough(ctx, userapprole.RoleID(id))
		}
		return nil
	}

	users := userSpec("user", false)
	admins := userSpec("admin", true)

	lookup := newSpec("lookup", "lookup")
	lookup.secret["value"] = true
	lookup.render = func(row map[string]any) {
		if p, _ := row["private"].(bool); p {
			row["value"] = privateMask
		}
	}
	lookup.prepare = func(_ context.Context, _ *write, rec map[string]any) error {
		if v, ok := rec["value"].(string); ok && v == privateMask {
			delete(rec, "value")
		}
		return nil
	}

	cors := newSpec("cors", "cors_config")
	journal := newSpec("event_journal", "event_journal")
	rsa := newSpec("role_service_access", "role_service_access")
	uar := newSpec("user_to_app_to_role", "user_to_app_to_role")
	uar.prepare = guardAdminMappings

	all := []*spec{service, script, application, role, users, admins, lookup, cors, journal, rsa, uar}
	for _, sp := range all {
		sp.init()
	}
	byTable := map[string]*spec{"service": service, "event_script": script, "app": application, "role": role,
		"user": users, "lookup": lookup, "cors_config": cors, "role_service_access": rsa, "user_to_app_to_role": uar}
	nestable := map[string]bool{"role_service_access": true, "user_to_app_to_role": true, "lookup": true}
	for _, sp := range all {
		sp.link(byTable, nestable)
	}
	public := map[string]*spec{"service": service, "event_script": script, "app": application, "role": role,
		"user": users, "admin": admins, "lookup": lookup, "cors": cors, "event_journal": journal}
	for _, sp := range public {
		sp.public = true
	}
	return public
}

// userSpec is system/user (non-admins) or system/admin (sys-admins): is_sys_admin is the scope,
// never returned; password and security_answer are written as clear text and stored hashed.
func userSpec(name string, admin bool) *spec {
	sp := newSpec(name, "user")
	sp.hidden["is_sys_admin"] = true
	sp.writable["password"] = true
	sp.writable["security_answer"] = true
	sp.ignored["confirmed"] = true
	sp.scope = &scope{column: "is_sys_admin", value: admin}
	sp.prepare = func(_ context.Context, _ *write, rec map[string]any) error {
		if e, ok := rec["email"].(string); ok {
			rec["email"] = platform.NormalizeEmail(e)
		}
		for _, f := range []string{"password", "security_answer"} {
			v, ok := rec[f]
			if !ok || v == nil {
				continue
			}
			clear, ok := v.(string)
			if !ok {
				return platform.BadRequest("Field '%s' must be a string.", f)
			}
			if f == "password" && len(clear) < platform.MinPasswordLength {
				return platform.BadRequest("Field 'password' must be at least %d characters.", platform.MinPasswordLength)
			}
			hash, err := platform.HashPassword(clear)
			if err != nil {
				return platform.Internal(err)
			}
			rec[f] = hash
		}
		return nil
	}
	sp.prepare = chain(sp.prepare, func(ctx context.Context, w *write, rec map[string]any) error {
		// An email change ends the user's sessions (the token's subject is the email); the
		// same email sent back, as admin UIs send whole records, is no change.
		if e, ok := rec["email"].(string); ok && rec["id"] != nil {
			if u, err := w.tx.User.Get(ctx, int(asInt(rec["id"]))); err == nil && u.Email != e {
				rec[emailChanged] = true
			}
		}
		return nil
	})
	sp.ignored[emailChanged] = true
	sp.after = func(ctx context.Context, w *write, id int, rec map[string]any) error {
		_, pw := rec["password"]
		_, email := rec[emailChanged]
		if _, isUpdate := rec["id"]; isUpdate && (pw || email || deactivated(rec)) {
			return w.sys.p.RevokeUserTokens(ctx, w.tx, id)
		}
		return nil
	}
	return sp
}

// emailChanged marks, inside a record being written, that the user's email changes.
const emailChanged = "\x00email_changed"

// chain runs prepare rules in order.
func chain(rules ...func(context.Context, *write, map[string]any) error) func(context.Context, *write, map[string]any) error {
	return func(ctx context.Context, w *write, rec map[string]any) error {
		for _, r := range rules {
			if r == nil {
				continue
			}
			if err := r(ctx, w, rec); err != nil {
				return err
			}
		}
		return nil
	}
}

// revokeThrough revokes the tokens of every user mapped to a role or app through
// user_to_app_to_role (deactivation invalidates their sessions).
func (w *write) revokeThrough(ctx context.Context, where ...predicate.UserAppRole) error {
	ids, err := w.tx.UserAppRole.Query().Where(where...).Select(userapprole.FieldUserID).Ints(ctx)
	if err != nil {
		return platform.Internal(err)
	}
	return w.sys.p.RevokeUserTokens(ctx, w.tx, ids...)
}

var apiKeyPattern = regexp.MustCompile(`^[A-Za-z0-9]{64,255}$`)

// newAPIKey returns 64 random hex characters.
func newAPIKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// prepareApp generates the API key on create (or keeps a client-supplied one of 64+ letters and
// digits) and on ?regenerate=true; api_key is otherwise read-only.
func prepareApp(ctx context.Context, w *write, rec map[string]any) error {
	_, isUpdate := rec["id"]
	given, _ := rec["api_key"].(string)
	delete(rec, "api_key")
	switch {
	case isUpdate && w.req.BoolParam("regenerate"):
		rec["api_key"] = newAPIKey()
	case !isUpdate && given != "" && apiKeyPattern.MatchString(given):
		if n, err := w.tx.App.Query().Where(app.APIKey(given)).Count(ctx); err == nil && n == 0 {
			rec["api_key"] = given
		} else {
			rec["api_key"] = newAPIKey()
		}
	case !isUpdate:
		rec["api_key"] = newAPIKey()
	}
	return nil
}

// guardAdminMappings refuses a user_to_app_to_role row for a sys-admin unless a sys-admin
// writes it: such a row ends the admin's RBAC bypass, and no role may take that away.
func guardAdminMappings(ctx context.Context, w *write, rec map[string]any) error {
	if w.sess.SysAdmin {
		return nil
	}
	uid, ok := rec["user_id"]
	if !ok && rec["id"] != nil {
		row, err := w.tx.UserAppRole.Get(ctx, int(asInt(rec["id"])))
		if err != nil {
			return dbError(nil, err)
		}
		uid = row.UserID
	}
	u, err := w.tx.User.Get(ctx, int(asInt(uid)))
	if err == nil && u.IsSysAdmin {
		return platform.Forbidden("Only a sys-admin can assign roles to a sys-admin.")
	}
	return nil
}

// deactivated reports whether a record sets is_active to a false value (false, 0, "false", "0").
func deactivated(rec map[string]any) bool {
	v, ok := rec["is_active"]
	if !ok || v == nil {
		return false
	}
	b, err := coerce(&ent.ResourceField{Name: "is_active", Kind: "bool"}, v)
	return err == nil && b == false
}

// builtinFields of a service that is not mutable (system, user) can not change.
var builtinFields = []string{"name", "type", "is_active"}

// prepareService checks the service type on create and protects built-in services on update.
func (s *System) prepareService(ctx context.Context, w *write, rec map[string]any) error {
	if id, isUpdate := rec["id"]; isUpdate {
		row, err := w.tx.Service.Get(ctx, int(asInt(id)))
		if err != nil {
			return dbError(nil, err)
		}
		// Secrets written back masked keep their stored values.
		if cfg, ok := rec["config"].(map[string]any); ok {
			if err := platform.UnmaskConfig(cfg, row.Config); err != nil {
				return err
			}
		}
		if row.Mutable {
			return nil
		}
		current := map[string]any{"name": row.Name, "type": row.Type, "is_active": row.IsActive}
		for _, f := range builtinFields {
			if v, ok := rec[f]; ok && fmt.Sprint(v) != fmt.Sprint(current[f]) {
				return platform.BadRequest("Service '%s' is built in: its %s can not be changed.", row.Name, f)
			}
		}
		return nil
	}
	t, _ := rec["type"].(string)
	if _, ok := s.p.ServiceType(t); !ok {
		names := []string{}
		for _, st := range s.p.ServiceTypes() {
			if !st.Singleton {
				names = append(names, st.Name)
			}
		}
		return platform.BadRequest("Service type '%s' is not supported. Send one of: %s.", t, joinOr(names))
	}
	return nil
}
