package platform

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/ent/token"
	"github.com/apiary/apiary/platform/bounded"
)

// claims are DreamFactory's session token claims: sub = md5(email), user_id, forever.
type claims struct {
	UserID  int  `json:"user_id"`
	Forever bool `json:"forever"`
	jwt.RegisteredClaims
}

func emailDigest(email string) string {
	sum := md5.Sum([]byte(email))
	return hex.EncodeToString(sum[:])
}

func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// issueToken signs a session token for u and records it in token_map. refreshUntil is the end of
// the refresh window (zero: now + RefreshTTL).
func (p *Platform) issueToken(ctx context.Context, u *ent.User, forever bool, refreshUntil time.Time) (string, time.Time, error) {
	now := time.Now().Truncate(time.Second)
	exp := now.Add(p.Config.TokenTTL)
	if refreshUntil.IsZero() {
		refreshUntil = now.Add(p.Config.RefreshTTL)
	}
	jti := newJTI()
	c := claims{UserID: u.ID, Forever: forever, RegisteredClaims: jwt.RegisteredClaims{
		Subject: emailDigest(u.Email), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp), ID: jti, Issuer: "apiary",
	}}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(p.Config.JWTSecret)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := p.Client.Token.Create().SetJti(jti).SetUserID(u.ID).SetIssuedAt(now).SetExpiresAt(exp).
		SetRefreshUntil(refreshUntil).SetForever(forever).Exec(ctx); err != nil {
		return "", time.Time{}, err
	}
	return signed, exp, nil
}

// Token problems, with DreamFactory's messages.
var (
	errTokenExpired = Unauthorized("Token has expired: Session expired. Please refresh your token (if still within refresh window) or re-login.")
	errTokenRevoked = Forbidden("Token has been blacklisted: Session terminated. Please re-login.")
)

func errTokenInvalid(reason string) *Error { return Unauthorized("Invalid token: %s", reason) }

// parseToken verifies a session token's signature and claims. With ignoreExpiry (refresh) an
// expired token is accepted. It returns the claims and the token_map row.
func (p *Platform) parseToken(ctx context.Context, raw string, ignoreExpiry bool) (*claims, *ent.Token, error) {
	c, err := p.verified.get(raw, ignoreExpiry)
	if err == nil && c == nil {
		c, err = p.verifyToken(raw, ignoreExpiry)
	}
	if err != nil {
		return nil, nil, err
	}
	row, err := p.tokenRow(ctx, c.ID)
	if err != nil {
		return nil, nil, Internal(err)
	}
	if row == nil || row.UserID != c.UserID {
		return nil, nil, errTokenInvalid("the token is not known to this server.")
	}
	if row.Revoked {
		return nil, nil, errTokenRevoked
	}
	return c, row, nil
}

// verifyToken checks a token's signature and claims.
func (p *Platform) verifyToken(raw string, ignoreExpiry bool) (*claims, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuedAt()}
	if ignoreExpiry {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	c := &claims{}
	_, err := jwt.ParseWithClaims(raw, c, func(*jwt.Token) (any, error) { return p.Config.JWTSecret, nil }, opts...)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errTokenExpired
	case err != nil:
		return nil, errTokenInvalid("the token could not be verified.")
	case c.ID == "" || c.UserID == 0 || c.Subject == "":
		return nil, errTokenInvalid("required claims are missing.")
	}
	p.verified.put(raw, c)
	return c, nil
}

// verifiedTokens remembers the claims of tokens whose signature was verified, so that a
// session's every request does not re-verify and re-decode its token. Expiry is still checked
// on every use; revocation is checked by the caller through token_map. Bounded: it is emptied
// when it reaches maxVerified entries.
type verifiedTokens struct {
	m bounded.Map[string, *claims]
}

const maxVerified = 10000

// get returns the remembered claims of raw (nil when unknown), or errTokenExpired.
func (v *verifiedTokens) get(raw string, ignoreExpiry bool) (*claims, error) {
	c, _ := v.m.Get(raw)
	if c != nil && !ignoreExpiry && (c.ExpiresAt == nil || !time.Now().Before(c.ExpiresAt.Time)) {
		return nil, errTokenExpired
	}
	return c, nil
}

func (v *verifiedTokens) put(raw string, c *claims) { v.m.Put(raw, c) }

// RevokeToken blacklists one token by its jti.
func (p *Platform) RevokeToken(ctx context.Context, jti string) error {
	if _, err := p.Client.Token.Update().Where(token.Jti(jti)).SetRevoked(true).Save(ctx); err != nil {
		return err
	}
	p.forgetTokens()
	p.broadcast(ScopeTokens)
	return nil
}

// RevokeUserTokens blacklists every token of the given users (logout everywhere: password
// change, deactivation of the user, or of an app or role they use).
func (p *Platform) RevokeUserTokens(ctx context.Context, client *ent.Client, userIDs ...int) error {
	if len(userIDs) == 0 {
		return nil
	}
	if _, err := client.Token.Update().Where(token.UserIDIn(userIDs...), token.Revoked(false)).SetRevoked(true).Save(ctx); err != nil {
		return fmt.Errorf("revoking tokens: %w", err)
	}
	p.forgetTokens()
	return nil
}

// forgetTokens drops this node's cached token rows. Revocations inside a transaction are
// announced to other nodes by the Invalidate that follows the commit.
func (p *Platform) forgetTokens() {
	c := p.cache
	c.mu.Lock()
	c.gen++
	c.tokens = map[string]*ent.Token{}
	c.mu.Unlock()
}
