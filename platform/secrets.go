package platform

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// SecretMask is what a secret value reads as (private lookups, service passwords); writing it
// back leaves the stored value unchanged.
const SecretMask = "**********"

var (
	// mysqlUserinfo matches the user:password@ prefix of a MySQL DSN; the password may hold '@'.
	mysqlUserinfo = regexp.MustCompile(`^([^:@/]*):(.*)@((tcp|udp|unix)?\(|/)`)
	// keywordPassword matches password=… in a keyword/value DSN ("host=h password=p").
	keywordPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

// maskDSN hides the password inside a connection string: URL (user info and ?password=),
// MySQL (user:password@…) or keyword/value (password=…) form.
func maskDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Host != "" {
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), SecretMask)
			}
		}
		q := u.Query()
		for k := range q {
			if strings.EqualFold(k, "password") {
				q.Set(k, SecretMask)
			}
		}
		u.RawQuery = q.Encode()
		return strings.ReplaceAll(u.String(), url.QueryEscape(SecretMask), SecretMask)
	}
	if m := mysqlUserinfo.FindStringSubmatch(dsn); m != nil {
		return m[1] + ":" + SecretMask + "@" + dsn[len(m[0])-len(m[3]):]
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}"+SecretMask)
}

// MaskConfig hides a service config's secrets: password, options.password, and the password
// inside dsn.
func MaskConfig(cfg map[string]any) {
	if pw, ok := cfg["password"].(string); ok && pw != "" {
		cfg["password"] = SecretMask
	}
	if dsn, ok := cfg["dsn"].(string); ok {
		cfg["dsn"] = maskDSN(dsn)
	}
	if opts, ok := cfg["options"].(map[string]any); ok {
		masked := make(map[string]any, len(opts))
		for k, v := range opts {
			if strings.EqualFold(k, "password") {
				v = SecretMask
			}
			masked[k] = v
		}
		cfg["options"] = masked
	}
}

// UnmaskConfig restores secrets a client sent back masked, from the stored config. A masked
// secret is refused when where the service connects changed (host, port, user, database, or
// the rest of the DSN): the stored password must not be sent to a new place.
func UnmaskConfig(cfg, stored map[string]any) error {
	if dsn, ok := cfg["dsn"].(string); ok && strings.Contains(dsn, SecretMask) {
		old, _ := stored["dsn"].(string)
		if old == "" || maskDSN(old) != dsn {
			return BadRequest("The DSN changed: send its password again instead of %s.", SecretMask)
		}
		cfg["dsn"] = old
	}
	if cfg["password"] == SecretMask {
		for _, k := range []string{"host", "port", "username", "database"} {
			if fmt.Sprint(cfg[k]) != fmt.Sprint(stored[k]) {
				return BadRequest("The connection's %s changed: send the password again instead of %s.", k, SecretMask)
			}
		}
		cfg["password"] = stored["password"]
	}
	if opts, ok := cfg["options"].(map[string]any); ok {
		oldOpts, _ := stored["options"].(map[string]any)
		for k, v := range opts {
			if strings.EqualFold(k, "password") && v == SecretMask {
				opts[k] = oldOpts[k]
			}
		}
	}
	return nil
}
