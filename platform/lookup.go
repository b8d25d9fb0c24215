package platform

import (
	"context"
	"strconv"
	"strings"
)

// Lookups returns a resolver of DreamFactory lookup tokens ({user.id}, {role.name}, custom
// lookups; reference §5.6) for the session, for server-side use (role filters, configs):
// private lookups resolve too, and never leave the server.
func (p *Platform) Lookups(ctx context.Context, s *Session) func(name string) (string, bool) {
	return p.lookups(ctx, s, true)
}

// ClientLookups resolves lookup tokens in what a client sent (its filter): private lookups
// resolve only for sys-admins, as a comparison against one would reveal it bit by bit.
func (p *Platform) ClientLookups(ctx context.Context, s *Session) func(name string) (string, bool) {
	return p.lookups(ctx, s, s.SysAdmin)
}

// lookups resolves built-in lookups, then custom lookups read on first use and layered
// system < app < role < user.
func (p *Platform) lookups(ctx context.Context, s *Session, private bool) func(name string) (string, bool) {
	var custom map[string]string
	return func(name string) (string, bool) {
		if v, ok := s.builtinLookup(name); ok {
			return v, true
		}
		if custom == nil {
			custom = p.customLookups(ctx, s, private)
		}
		v, ok := custom[name]
		return v, ok
	}
}

func (s *Session) builtinLookup(name string) (string, bool) {
	switch {
	case name == "session.id" || name == "session.token":
		return s.Token, s.Token != ""
	case strings.HasPrefix(name, "user.") && s.User != nil:
		u := s.User
		switch strings.TrimPrefix(name, "user.") {
		case "id":
			return strconv.Itoa(u.ID), true
		case "name", "display_name":
			return u.Name, true
		case "username":
			if u.Username != nil {
				return *u.Username, true
			}
			return u.Email, true
		case "first_name":
			return u.FirstName, true
		case "last_name":
			return u.LastName, true
		case "email":
			return u.Email, true
		case "is_sys_admin":
			return strconv.FormatBool(u.IsSysAdmin), true
		}
	case name == "role.id" && s.Role != nil:
		return strconv.Itoa(s.Role.ID), true
	case name == "role.name" && s.Role != nil:
		return s.Role.Name, true
	case name == "app.id" && s.App != nil:
		return strconv.Itoa(s.App.ID), true
	case name == "app.api_key" && s.App != nil:
		return s.App.APIKey, true
	}
	return "", false
}

func (p *Platform) customLookups(ctx context.Context, s *Session, private bool) map[string]string {
	out := map[string]string{}
	rows, err := p.Client.Lookup.Query().All(ctx)
	if err != nil {
		p.log.Error("reading lookups", "err", err)
		return out
	}
	// Apply in increasing precedence: system, app, role, user.
	for pass := 0; pass < 4; pass++ {
		for _, l := range rows {
			switch {
			case pass == 0 && l.AppID == nil && l.RoleID == nil && l.UserID == nil,
				pass == 1 && l.AppID != nil && s.App != nil && *l.AppID == s.App.ID,
				pass == 2 && l.RoleID != nil && s.Role != nil && *l.RoleID == s.Role.ID,
				pass == 3 && l.UserID != nil && s.User != nil && *l.UserID == s.User.ID:
				if l.Private && !private {
					delete(out, l.Name)
					continue
				}
				out[l.Name] = l.Value
			}
		}
	}
	return out
}
