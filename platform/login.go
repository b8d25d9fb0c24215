package platform

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/token"
	"github.com/apiary/apiary/ent/user"
)

// DateFormat is how DreamFactory renders timestamps ("Y-m-d H:i:s", UTC).
const DateFormat = "2006-01-02 15:04:05"

// HashPassword returns the bcrypt hash of a clear-text password.
func HashPassword(clear string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(clear), bcrypt.DefaultCost)
	return string(b), err
}

// CheckPassword reports whether clear matches the bcrypt hash (false for an empty hash).
func CheckPassword(hash, clear string) bool {
	return hash != "" && bcrypt.CompareHashAndPassword([]byte(hash), []byte(clear)) == nil
}

// dummyHash is compared against when no user matches, so that a login takes as long whether or
// not the account exists.
var dummyHash, _ = HashPassword("apiary-timing-equaliser")

// NormalizeEmail is how emails are stored and compared: trimmed and lower-case.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// MinPasswordLength is the shortest password accepted on create, register and change.
const MinPasswordLength = 6

// Login checks an email and password and issues a session token. With admin, only active
// sys-admins may log in (system/admin/session); without, only active non-admins (user/session),
// as DreamFactory does. Repeated failures are slowed per account and per address (429).
func (p *Platform) Login(ctx context.Context, req *Request, admin bool) (map[string]any, error) {
	body, _ := req.Payload.(map[string]any)
	email, _ := body["email"].(string)
	password, _ := body["password"].(string)
	remember, _ := body["remember_me"].(bool)
	if strings.TrimSpace(email) == "" {
		return nil, BadRequest("Login request is missing required email.")
	}
	if password == "" {
		return nil, BadRequest("Login request is missing required password.")
	}
	email = NormalizeEmail(email)
	keys := throttleKeys(email, req.RemoteAddr)
	if wait := p.throttle.wait(time.Now(), keys...); wait > 0 {
		return nil, &Error{Status: http.StatusTooManyRequests, Code: http.StatusTooManyRequests,
			Message: "Too many failed login attempts. Try again in " + wait.Round(time.Second).String() + "."}
	}
	u, err := p.Client.User.Query().Where(user.EmailEqualFold(email)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, Internal(err)
	}
	hash := dummyHash
	if u != nil {
		hash = u.Password
	}
	ok := CheckPassword(hash, password)
	if u == nil || !ok || !u.IsActive || u.IsSysAdmin != admin {
		p.throttle.fail(time.Now(), keys...)
		return nil, Unauthorized("Invalid credentials supplied.")
	}
	p.throttle.succeed(keys[0])
	sess := &Session{User: u, App: req.Session.App}
	if err := p.sessionRole(ctx, sess); err != nil {
		return nil, err
	}
	if sess.Role != nil && !sess.Role.IsActive {
		return nil, Forbidden("Role is not active.")
	}
	now := time.Now()
	if err := p.Client.User.UpdateOneID(u.ID).SetLastLoginDate(now).Exec(ctx); err != nil {
		return nil, Internal(err)
	}
	u.LastLoginDate = &now
	p.forgetUser(u.ID)
	return p.startSession(ctx, sess, remember && p.Config.AllowForever, time.Time{})
}

// sessionRole sets the role a user gets through the session's app.
func (p *Platform) sessionRole(ctx context.Context, s *Session) error {
	u, err := p.user(ctx, s.User.ID)
	if err != nil || u == nil {
		return err
	}
	s.SysAdmin = u.user.IsSysAdmin && len(u.appRoles) == 0
	if s.App == nil {
		return nil
	}
	rid, ok := u.appRoles[s.App.ID]
	if !ok && s.App.RoleID != nil {
		rid, ok = *s.App.RoleID, true
	}
	if ok {
		s.Role, err = p.role(ctx, rid)
	}
	return err
}

// startSession issues a token for s.User and returns the session info.
func (p *Platform) startSession(ctx context.Context, s *Session, forever bool, refreshUntil time.Time) (map[string]any, error) {
	tok, exp, err := p.issueToken(ctx, s.User, forever, refreshUntil)
	if err != nil {
		return nil, Internal(err)
	}
	s.Token, s.TokenExpiry = tok, exp
	return p.SessionInfo(s), nil
}

// SessionInfo is DreamFactory's public session object (Session::getPublicInfo).
func (p *Platform) SessionInfo(s *Session) map[string]any {
	u := s.User
	info := map[string]any{
		"session_token": s.Token, "session_id": s.Token, "id": u.ID, "name": u.Name,
		"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "is_sys_admin": u.IsSysAdmin,
		"last_login_date": nil, "host": p.Config.Host, "token_expiry_date": s.TokenExpiry.UTC().Format(DateFormat),
	}
	if u.LastLoginDate != nil {
		info["last_login_date"] = u.LastLoginDate.UTC().Format(DateFormat)
	}
	if s.Role != nil {
		info["role"], info["role_id"] = s.Role.Name, s.Role.ID
	}
	return info
}

// Refresh exchanges the presented token, expired or not, for a new one while the refresh window
// lasts; the old token is blacklisted.
func (p *Platform) Refresh(ctx context.Context, req *Request, admin bool) (map[string]any, error) {
	raw := req.Credentials.SessionToken
	if raw == "" {
		return nil, Unauthorized("There is no valid session for the current request.")
	}
	c, row, err := p.parseToken(ctx, raw, true)
	if err != nil {
		return nil, err
	}
	if time.Now().After(row.RefreshUntil) {
		return nil, Unauthorized("Token refresh failed. Token has expired and can no longer be refreshed")
	}
	u, err := p.user(ctx, c.UserID)
	if err != nil {
		return nil, Internal(err)
	}
	if u == nil || !u.user.IsActive || u.user.IsSysAdmin != admin || emailDigest(u.user.Email) != c.Subject {
		return nil, Unauthorized("Invalid credentials supplied.")
	}
	// Exactly one refresh wins: the token is revoked only if it still is not.
	if n, err := p.Client.Token.Update().Where(token.Jti(row.Jti), token.Revoked(false)).SetRevoked(true).Save(ctx); err != nil {
		return nil, Internal(err)
	} else if n != 1 {
		return nil, errTokenRevoked
	}
	p.forgetTokens()
	p.broadcast(ScopeTokens)
	s := &Session{User: u.user, App: req.Session.App}
	if err := p.sessionRole(ctx, s); err != nil {
		return nil, Internal(err)
	}
	return p.startSession(ctx, s, row.Forever, row.RefreshUntil)
}

// Logout blacklists the session's token.
func (p *Platform) Logout(ctx context.Context, s *Session) error {
	if s.TokenID == "" {
		return Unauthorized("There is no valid session for the current request.")
	}
	if err := p.RevokeToken(ctx, s.TokenID); err != nil {
		return Internal(err)
	}
	return nil
}

// NewSession issues a session token for a user (registration, email change) and returns it.
func (p *Platform) NewSession(ctx context.Context, userID int, app *ent.App) (string, error) {
	u, err := p.Client.User.Get(ctx, userID)
	if err != nil {
		return "", Internal(err)
	}
	s := &Session{User: u, App: app}
	if err := p.sessionRole(ctx, s); err != nil {
		return "", Internal(err)
	}
	info, err := p.startSession(ctx, s, false, time.Time{})
	if err != nil {
		return "", err
	}
	return info["session_token"].(string), nil
}

// ChangePassword verifies old_password, stores new_password and revokes every token of the
// user; with login it starts a new session and returns its info.
func (p *Platform) ChangePassword(ctx context.Context, s *Session, body map[string]any, login bool) (map[string]any, error) {
	if s.User == nil {
		return nil, Unauthorized("There is no valid session for the current request.")
	}
	oldPw, _ := body["old_password"].(string)
	newPw, _ := body["new_password"].(string)
	if oldPw == "" || newPw == "" {
		return nil, BadRequest("Password change requires old_password and new_password.")
	}
	if len(newPw) < MinPasswordLength {
		return nil, BadRequest("The new password must be at least %d characters.", MinPasswordLength)
	}
	u, err := p.Client.User.Get(ctx, s.User.ID)
	if err != nil {
		return nil, Internal(err)
	}
	if !CheckPassword(u.Password, oldPw) {
		return nil, BadRequest("Invalid password supplied.")
	}
	hash, err := HashPassword(newPw)
	if err != nil {
		return nil, Internal(err)
	}
	tx, err := p.Client.Tx(ctx)
	if err != nil {
		return nil, Internal(err)
	}
	if err := tx.User.UpdateOneID(u.ID).SetPassword(hash).Exec(ctx); err != nil {
		_ = tx.Rollback()
		return nil, Internal(err)
	}
	if err := p.RevokeUserTokens(ctx, tx.Client(), u.ID); err != nil {
		_ = tx.Rollback()
		return nil, Internal(err)
	}
	if err := tx.Commit(); err != nil {
		return nil, Internal(err)
	}
	p.Invalidate()
	out := Success()
	if login {
		ns := &Session{User: u, App: s.App}
		if err := p.sessionRole(ctx, ns); err != nil {
			return nil, Internal(err)
		}
		info, err := p.startSession(ctx, ns, false, time.Time{})
		if err != nil {
			return nil, err
		}
		out["session_token"] = info["session_token"]
	}
	return out, nil
}

// SessionResource answers user/session (admin false) and system/admin/session (admin true):
// POST logs in, GET shows the session, PUT refreshes the token, DELETE logs out. resource
// names the path in the unsupported-verb message.
func (p *Platform) SessionResource(ctx context.Context, req *Request, admin bool, resource, service string) (*Response, error) {
	sess := req.Session
	switch req.Method {
	case http.MethodPost:
		info, err := p.Login(ctx, req, admin)
		if err != nil {
			return nil, err
		}
		return OK(info), nil
	case http.MethodGet:
		switch {
		case sess.User == nil && admin:
			return nil, NotFound("No user session found.")
		case sess.User == nil:
			return nil, Unauthorized("There is no valid session for the current request.")
		case admin && !sess.User.IsSysAdmin:
			return nil, Unauthorized("You are not authorized to perform this action.")
		}
		return OK(p.SessionInfo(sess)), nil
	case http.MethodPut:
		info, err := p.Refresh(ctx, req, admin)
		if err != nil {
			return nil, err
		}
		return OK(info), nil
	case http.MethodDelete:
		if err := p.Logout(ctx, sess); err != nil {
			return nil, err
		}
		return OK(Success()), nil
	}
	return nil, BadRequest("%s requests for resource '%s' are not currently supported by the '%s' service.", req.Method, resource, service)
}
