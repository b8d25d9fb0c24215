// Package user is the user service (/api/v2/user/…): sessions of non-admin users, open
// registration, the caller's profile and password change (reference §4).
package user

import (
	"context"
	"net/http"
	"strings"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/app"
	entuser "github.com/apiary/apiary/ent/user"
	"github.com/apiary/apiary/platform"
)

// Service is the user service. Its config (the service row's config) holds
// allow_open_registration and open_reg_role_id.
type Service struct {
	p   *platform.Platform
	row *ent.Service
}

// Type is the "user" service type.
func Type() platform.ServiceType {
	return platform.ServiceType{Name: "user", Label: "User Management", Group: "User", Singleton: true,
		Description: "Service supporting user sessions, registration, profile and password management.",
		ConfigSchema: []platform.ConfigField{
			{Name: "allow_open_registration", Label: "Allow Open Registration", Type: "boolean", Default: false,
				Description: "Let anyone register through user/register."},
			{Name: "open_reg_role_id", Label: "Open Registration Default Role", Type: "integer",
				Description: "Role given to registered users for every app."},
		},
		New: func(p *platform.Platform, row *ent.Service) (platform.Service, error) {
			return &Service{p: p, row: row}, nil
		}}
}

var resources = []string{"password", "profile", "register", "session"}

// Events returns "user.{resource}", or "user" at the root.
func (s *Service) Events(req *platform.Request) []string {
	seg := req.Segments()
	if len(seg) == 0 {
		return []string{"user"}
	}
	return []string{"user." + seg[0]}
}

// EventCatalog lists the user service's events.
func (s *Service) EventCatalog(context.Context) map[string][]string {
	return map[string][]string{"user": {"get"}, "user.session": {"get", "post", "put", "delete"},
		"user.register": {"post"}, "user.profile": {"get", "post"}, "user.password": {"post"}}
}

// Handle routes /user/{resource}.
func (s *Service) Handle(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	seg := req.Segments()
	if len(seg) == 0 {
		if req.Method != http.MethodGet {
			return nil, platform.BadRequest("%s requests without a resource are not currently supported by the 'user' service.", req.Method)
		}
		if req.BoolParam("as_list") {
			return platform.OK(platform.Wrap(resources)), nil
		}
		out := make([]any, len(resources))
		for i, r := range resources {
			out[i] = map[string]any{"name": r}
		}
		return platform.OK(platform.Wrap(out)), nil
	}
	switch seg[0] {
	case "session":
		if len(seg) > 1 {
			return nil, platform.BadRequest("%s requests for resource 'session/%s' are not currently supported by the 'user' service.", req.Method, strings.Join(seg[1:], "/"))
		}
		return s.p.SessionResource(ctx, req, false, "session", "user")
	case "register":
		return s.register(ctx, req)
	case "profile":
		return s.profile(ctx, req)
	case "password":
		return s.password(ctx, req)
	}
	return nil, platform.NotFound("Resource '%s' not found for service 'user'.", seg[0])
}

// profileFields are the fields user/profile shows and changes.
var profileFields = []string{"username", "first_name", "last_name", "name", "email", "phone", "security_question", "default_app_id"}

func profileOf(u *ent.User) map[string]any {
	return map[string]any{"username": u.Username, "first_name": u.FirstName, "last_name": u.LastName, "name": u.Name,
		"email": u.Email, "phone": u.Phone, "security_question": u.SecurityQuestion, "default_app_id": u.DefaultAppID,
		"oauth_provider": nil, "adldap": nil}
}

func (s *Service) profile(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	sess := req.Session
	if sess.User == nil {
		return nil, platform.Unauthorized("There is no valid session for the current request.")
	}
	switch req.Method {
	case http.MethodGet:
		u, err := s.p.Client.User.Get(ctx, sess.User.ID)
		if err != nil {
			return nil, platform.Internal(err)
		}
		return platform.OK(profileOf(u)), nil
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		body, ok := req.Payload.(map[string]any)
		if !ok {
			return nil, platform.BadRequest("Send the profile fields to change as a JSON object.")
		}
		out, err := s.updateProfile(ctx, sess, body)
		if err != nil {
			return nil, err
		}
		return platform.OK(out), nil
	}
	return nil, platform.BadRequest("%s requests for resource 'profile' are not currently supported by the 'user' service.", req.Method)
}

// updateProfile changes the caller's profile in one transaction. A new email needs
// current_password; since the session token's subject is the email, it ends every session of
// the user and the reply carries a new token.
func (s *Service) updateProfile(ctx context.Context, sess *platform.Session, body map[string]any) (map[string]any, error) {
	u, err := s.p.Client.User.Get(ctx, sess.User.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	if e, ok := body["email"].(string); ok {
		body["email"] = platform.NormalizeEmail(e)
	}
	newEmail, _ := body["email"].(string)
	emailChanged := newEmail != "" && newEmail != u.Email
	if emailChanged {
		cur, _ := body["current_password"].(string)
		if !platform.CheckPassword(u.Password, cur) {
			return nil, platform.BadRequest("Changing the email requires the correct current_password.")
		}
	}
	tx, err := s.p.Client.Tx(ctx)
	if err != nil {
		return nil, platform.Internal(err)
	}
	m := tx.User.UpdateOneID(u.ID)
	for _, f := range profileFields {
		v, ok := body[f]
		if !ok {
			continue
		}
		if v == nil && f != "email" && f != "name" && f != "first_name" && f != "last_name" {
			_ = m.Mutation().ClearField(f)
			continue
		}
		val, err := profileValue(f, v)
		if err != nil {
			_ = tx.Rollback()
			return nil, err
		}
		if err := m.Mutation().SetField(f, val); err != nil {
			_ = tx.Rollback()
			return nil, platform.BadRequest("Field '%s' can not be set: %s", f, err.Error())
		}
	}
	if a, ok := body["security_answer"].(string); ok && a != "" {
		hash, err := platform.HashPassword(a)
		if err != nil {
			_ = tx.Rollback()
			return nil, platform.Internal(err)
		}
		m.SetSecurityAnswer(hash)
	}
	if err := m.SetLastModifiedByID(u.ID).Exec(ctx); err != nil {
		_ = tx.Rollback()
		switch {
		case ent.IsConstraintError(err):
			return nil, platform.BadRequest("Duplicate value for field 'email': another record already has it.")
		case ent.IsValidationError(err):
			return nil, platform.BadRequest("Invalid profile: %s", err.Error())
		}
		return nil, platform.Internal(err)
	}
	if emailChanged {
		if err := s.p.RevokeUserTokens(ctx, tx.Client(), u.ID); err != nil {
			_ = tx.Rollback()
			return nil, platform.Internal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, platform.Internal(err)
	}
	s.p.Invalidate()
	out := platform.Success()
	if emailChanged {
		tok, err := s.p.NewSession(ctx, u.ID, sess.App)
		if err != nil {
			return nil, err
		}
		out["session_token"] = tok
	}
	return out, nil
}

func profileValue(f string, v any) (any, error) {
	if f == "default_app_id" {
		n, ok := v.(float64)
		if !ok || n != float64(int(n)) {
			return nil, platform.BadRequest("Field 'default_app_id' must be a valid integer.")
		}
		return int(n), nil
	}
	sv, ok := v.(string)
	if !ok {
		return nil, platform.BadRequest("Field '%s' must be a string.", f)
	}
	return sv, nil
}

func (s *Service) password(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut && req.Method != http.MethodPatch {
		return nil, platform.BadRequest("%s requests for resource 'password' are not currently supported by the 'user' service.", req.Method)
	}
	if req.BoolParam("reset") {
		return nil, &platform.Error{Status: http.StatusNotImplemented, Code: http.StatusNotImplemented,
			Message: "Password reset needs an email service, which this server does not have yet. Ask an admin to set a new password."}
	}
	if req.Session.User != nil && req.Session.User.IsSysAdmin {
		return nil, platform.BadRequest("Sys-admins change their password through system/admin/password.")
	}
	body, _ := req.Payload.(map[string]any)
	out, err := s.p.ChangePassword(ctx, req.Session, body, req.BoolParam("login"))
	if err != nil {
		return nil, err
	}
	return platform.OK(out), nil
}

// register creates a non-admin user when open registration is on; the user gets the configured
// role for every app. With ?login=true the reply carries a session token.
func (s *Service) register(ctx context.Context, req *platform.Request) (*platform.Response, error) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut && req.Method != http.MethodPatch {
		return nil, platform.BadRequest("%s requests for resource 'register' are not currently supported by the 'user' service.", req.Method)
	}
	if open, _ := s.row.Config["allow_open_registration"].(bool); !open {
		return nil, platform.Forbidden("Open Registration is not enabled.")
	}
	body, _ := req.Payload.(map[string]any)
	str := func(k string) string { v, _ := body[k].(string); return strings.TrimSpace(v) }
	email := platform.NormalizeEmail(str("email"))
	pw, _ := body["new_password"].(string)
	if pw == "" {
		pw, _ = body["password"].(string)
	}
	problems := map[string]any{}
	if email == "" || !strings.Contains(email, "@") {
		problems["email"] = []string{"A valid email address is required."}
	}
	if len(pw) < platform.MinPasswordLength {
		problems["password"] = []string{"The password must be at least 6 characters."}
	}
	if c, ok := body["password_confirmation"].(string); ok && c != pw {
		problems["password_confirmation"] = []string{"The password confirmation does not match."}
	}
	if len(problems) == 0 {
		if n, err := s.p.Client.User.Query().Where(entuser.EmailEqualFold(email)).Count(ctx); err != nil {
			return nil, platform.Internal(err)
		} else if n > 0 {
			problems["email"] = []string{"The email has already been taken."}
		}
	}
	if len(problems) > 0 {
		return nil, &platform.Error{Status: 400, Code: 400, Message: "Validation failed", Context: problems}
	}
	hash, err := platform.HashPassword(pw)
	if err != nil {
		return nil, platform.Internal(err)
	}
	name := str("name")
	if name == "" {
		name = strings.TrimSpace(str("first_name") + " " + str("last_name"))
	}
	tx, err := s.p.Client.Tx(ctx)
	if err != nil {
		return nil, platform.Internal(err)
	}
	c := tx.Client()
	create := c.User.Create().SetEmail(email).SetPassword(hash).SetName(name).
		SetFirstName(str("first_name")).SetLastName(str("last_name"))
	if v := str("username"); v != "" {
		create.SetUsername(v)
	}
	if v := str("phone"); v != "" {
		create.SetPhone(v)
	}
	u, err := create.Save(ctx)
	if err != nil {
		_ = tx.Rollback()
		if ent.IsConstraintError(err) { // a concurrent registration took the email
			return nil, &platform.Error{Status: 400, Code: 400, Message: "Validation failed",
				Context: map[string]any{"email": []string{"The email has already been taken."}}}
		}
		if ent.IsValidationError(err) {
			return nil, &platform.Error{Status: 400, Code: 400, Message: "Validation failed", Context: map[string]any{"user": []string{err.Error()}}}
		}
		return nil, platform.Internal(err)
	}
	if rid, ok := s.row.Config["open_reg_role_id"].(float64); ok && rid > 0 {
		appIDs, err := c.App.Query().Where(app.IsActive(true)).IDs(ctx)
		if err != nil {
			_ = tx.Rollback()
			return nil, platform.Internal(err)
		}
		for _, aid := range appIDs {
			if err := c.UserAppRole.Create().SetUserID(u.ID).SetAppID(aid).SetRoleID(int(rid)).Exec(ctx); err != nil {
				_ = tx.Rollback()
				return nil, platform.BadRequest("Open registration is misconfigured: role %d can not be assigned.", int(rid))
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, platform.Internal(err)
	}
	s.p.Invalidate()
	out := platform.Success()
	if req.BoolParam("login") {
		tok, err := s.p.NewSession(ctx, u.ID, req.Session.App)
		if err != nil {
			return nil, err
		}
		out["session_token"] = tok
	}
	return platform.OK(out), nil
}

// Interface guards
var (
	_ platform.Service      = (*Service)(nil)
	_ platform.EventCatalog = (*Service)(nil)
)
