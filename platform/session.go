package platform

import (
	"context"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform/access"
)

// Session is who is calling: the user of a valid session token, the app of a valid API key,
// the role in effect, and whether RBAC is bypassed. It is rebuilt on every request from the
// credentials (cached lookups), as DreamFactory does.
type Session struct {
	User     *ent.User // nil without a valid session token
	App      *ent.App  // nil without a valid, active API key
	Role     *Role     // the role in effect; nil when there is none
	SysAdmin bool      // is_sys_admin with no user_to_app_to_role rows: every verb on everything

	APIKey      string // as presented
	Token       string // as presented
	TokenID     string // jti of a valid token
	TokenExpiry time.Time

	tokenErr *Error // a problem with the presented token, reported before the permission check
}

// Role is a role with its service access rows, resolved to service names.
type Role struct {
	ID       int
	Name     string
	IsActive bool
	Access   []access.Entry
}

// UserID returns the id of the session's user, or 0.
func (s *Session) UserID() int {
	if s == nil || s.User == nil {
		return 0
	}
	return s.User.ID
}

// SessionRef names a session's caller for work done later on its behalf (queued scripts): the
// user and the app, by id. It holds no credentials — no token, no API key — and is safe to
// store.
type SessionRef struct {
	UserID int `json:"user_id,omitempty"`
	AppID  int `json:"app_id,omitempty"`
}

// Ref returns the durable reference to the session's caller.
func (s *Session) Ref() SessionRef {
	if s == nil {
		return SessionRef{}
	}
	r := SessionRef{UserID: s.UserID()}
	if s.App != nil {
		r.AppID = s.App.ID
	}
	return r
}

// RestoreSession rebuilds the session of a caller named by ref from the platform's current
// data, as authenticate would for the same user and app: a user deleted or deactivated since
// no longer counts (the app's default role, if any, still applies), an app deleted or
// deactivated since is dropped, and the role and the sys-admin bypass are the ones in effect
// now, not when ref was taken. The session has no token, so lookups of session.token are
// empty. Errors are database failures.
func (p *Platform) RestoreSession(ctx context.Context, ref SessionRef) (*Session, error) {
	s := &Session{}
	if ref.AppID != 0 {
		app, err := p.Client.App.Get(ctx, ref.AppID)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return nil, err
		case app.IsActive:
			s.App = app
		}
	}
	if ref.UserID != 0 {
		u, err := p.user(ctx, ref.UserID)
		if err != nil {
			return nil, err
		}
		if u != nil && u.user.IsActive {
			s.User = u.user
			s.SysAdmin = u.user.IsSysAdmin && len(u.appRoles) == 0
			if s.App != nil {
				if rid, ok := u.appRoles[s.App.ID]; ok {
					if s.Role, err = p.role(ctx, rid); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if s.Role == nil && s.App != nil && s.App.RoleID != nil {
		var err error
		if s.Role, err = p.role(ctx, *s.App.RoleID); err != nil {
			return nil, err
		}
	}
	return s, nil
}
