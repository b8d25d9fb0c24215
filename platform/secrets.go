package platform

import (
	"net/url"
	"regexp"
	"strings"
)

// mysqlUserinfo matches the user:password@ prefix of a MySQL DSN.
var mysqlUserinfo = regexp.MustCompile(`^([^:@/]*):([^@]*)@`)

// maskDSN hides the password inside a connection string (URL or MySQL form).
func maskDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), SecretMask)
			return strings.Replace(u.String(), url.QueryEscape(SecretMask), SecretMask, 1)
		}
		return dsn
	}
	if m := mysqlUserinfo.FindStringSubmatch(dsn); m != nil && m[2] != "" {
		return mysqlUserinfo.ReplaceAllString(dsn, "${1}:"+SecretMask+"@")
	}
	return dsn
}

// dsnPassword extracts the password of a connection string ("" when none).
func dsnPassword(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.User != nil {
		pw, _ := u.User.Password()
		return pw
	}
	if m := mysqlUserinfo.FindStringSubmatch(dsn); m != nil {
		return m[2]
	}
	return ""
}

// MaskConfig hides a service config's secrets: password, and the password inside dsn.
func MaskConfig(cfg map[string]any) {
	if pw, ok := cfg["password"].(string); ok && pw != "" {
		cfg["password"] = SecretMask
	}
	if dsn, ok := cfg["dsn"].(string); ok {
		cfg["dsn"] = maskDSN(dsn)
	}
}

// UnmaskConfig restores secrets a client sent back masked, from the stored config.
func UnmaskConfig(cfg, stored map[string]any) {
	if cfg["password"] == SecretMask {
		cfg["password"] = stored["password"]
	}
	if dsn, ok := cfg["dsn"].(string); ok && strings.Contains(dsn, SecretMask) {
		old, _ := stored["dsn"].(string)
		pw := dsnPassword(old)
		if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
			pw = url.QueryEscape(pw)
		}
		cfg["dsn"] = strings.Replace(dsn, SecretMask, pw, 1)
	}
}

// SecretMask is what a secret value reads as (private lookups, service passwords); writing it
// back leaves the stored value unchanged.
const SecretMask = "**********"
