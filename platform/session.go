package platform

import (
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
