package platform

import (
	"context"
	"net/http"
	"strings"

	"github.com/apiary/apiary/platform/access"
)

// Messages of DreamFactory's access check (reference §1.6), exact.
const (
	msgNoCredentials = "No session token (JWT) or API Key detected in request. Please send in X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. You can also use URL query parameters session_token and/or api_key."
	msgNoAPIKey      = "No API Key provided. Please provide a valid API Key using X-DreamFactory-API-Key request header or 'api_key' url query parameter."
	msgNoToken       = "No session token (JWT) provided. Please provide a valid JWT using X-DreamFactory-Session-Token request header or 'session_token' url query parameter."
	msgNoRole        = "Role not found. A role may not be assigned to you or your application."
	msgRoleInactive  = "Access Forbidden. The role assigned to you or your application or the default role of your application is not active."
	msgNotAuthed     = "Unauthorized. User is not authenticated."
)

// isLogin reports whether req is a login, for which a presented token is ignored.
func isLogin(req *Request) bool {
	return req.Method == http.MethodPost && isSessionPath(req)
}

// isRefresh reports whether req refreshes a session token (its validity is not checked).
func isRefresh(req *Request) bool {
	return req.Method == http.MethodPut && isSessionPath(req)
}

func isSessionPath(req *Request) bool {
	r := strings.Trim(req.Resource, "/")
	return (req.Service == "user" && r == "session") || (req.Service == "system" && r == "admin/session")
}

// authenticate builds the caller's session from the presented credentials. Token problems are
// remembered in the session and reported by authorize; database failures are returned.
func (p *Platform) authenticate(ctx context.Context, req *Request) (*Session, error) {
	s := &Session{APIKey: req.Credentials.APIKey, Token: req.Credentials.SessionToken}
	app, err := p.appByKey(ctx, s.APIKey)
	if err != nil {
		return nil, err
	}
	s.App = app
	if s.Token != "" && !isLogin(req) && !isRefresh(req) {
		c, row, terr := p.parseToken(ctx, s.Token, false)
		if terr != nil {
			if pe := AsError(terr); pe.Status >= 500 {
				return nil, terr
			}
			s.tokenErr = AsError(terr)
		} else {
			u, err := p.user(ctx, c.UserID)
			if err != nil {
				return nil, err
			}
			switch {
			case u == nil || emailDigest(u.user.Email) != c.Subject:
				s.tokenErr = errTokenInvalid("the token's user does not exist.")
			case !u.user.IsActive:
				s.tokenErr = errTokenRevoked
			default:
				s.User, s.TokenID, s.TokenExpiry = u.user, row.Jti, row.ExpiresAt
				if u.user.IsSysAdmin && len(u.appRoles) == 0 {
					s.SysAdmin = true
				}
				if app != nil {
					if rid, ok := u.appRoles[app.ID]; ok {
						if s.Role, err = p.role(ctx, rid); err != nil {
							return nil, err
						}
					}
				}
			}
		}
	}
	if s.Role == nil && app != nil && app.RoleID != nil {
		if s.Role, err = p.role(ctx, *app.RoleID); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// authorize applies DreamFactory's access check (reference §5.5): a token problem first, then
// the sys-admin bypass, the role's permission on the full path, the access exceptions, and
// finally the tailored 400/401/403 messages.
func (p *Platform) authorize(req *Request) error {
	s := req.Session
	if s.tokenErr != nil {
		return s.tokenErr
	}
	if s.SysAdmin {
		return nil
	}
	component := access.Component(req.Resource)
	if s.Role != nil && s.Role.IsActive && access.Allowed(s.Role.Access, req.Service, component, req.Method, req.Requestor) {
		return nil
	}
	if access.IsException(req.Service, component, req.Method) {
		return nil
	}
	switch {
	case s.Role == nil && s.APIKey == "" && s.Token == "" && req.Requestor != RequestorScript:
		return BadRequest(msgNoCredentials)
	case s.Role == nil && s.APIKey == "":
		return BadRequest(msgNoAPIKey)
	case s.Role == nil && s.Token == "":
		return BadRequest(msgNoToken)
	case s.Role == nil:
		return Forbidden(msgNoRole)
	case !s.Role.IsActive:
		return Forbidden(msgRoleInactive)
	case s.User == nil:
		return Unauthorized(msgNotAuthed)
	}
	return Forbidden("%s", access.ForbiddenMessage(req.Method, req.Service, component))
}

// Authorize runs the pipeline's access check on a request whose Session is set, without
// running it: surfaces that answer for a whole service (GraphQL's /graphql/{service}) use it
// to refuse a caller with the message REST would give. Errors are *Error.
func (p *Platform) Authorize(req *Request) error {
	req.Normalize()
	return p.authorize(req)
}

// CanReach reports whether the session may call anything on the named service (listings).
func (s *Session) CanReach(service string, r Requestor) bool {
	if s.SysAdmin {
		return true
	}
	return s.Role != nil && s.Role.IsActive && access.Reachable(s.Role.Access, service, r)
}

// Allows reports whether the session may call method on service/component (listings, filters).
func (s *Session) Allows(service, component, method string, r Requestor) bool {
	if s.SysAdmin {
		return true
	}
	return s.Role != nil && s.Role.IsActive && access.Allowed(s.Role.Access, service, access.Component(component), method, r)
}

// Session authenticates req without running it: surfaces that must know the caller before
// choosing a request (GraphQL's me and logout) call it and pass the session on in req.Session.
func (p *Platform) Session(ctx context.Context, req *Request) (*Session, error) {
	req.Normalize()
	return p.authenticate(ctx, req)
}
