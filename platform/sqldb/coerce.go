package sqldb

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/dbschema"
)

// coerce converts a decoded JSON value to what the column's driver binds, so that strict
// drivers (pgx) get the right Go type. nil is NULL, refused for NOT NULL columns.
func coerce(c *dbschema.Column, v any, d string) (any, error) {
	bad := func(what string) error { return platform.BadRequest("Field '%s' must be %s.", c.Name, what) }
	if v == nil {
		if !c.AllowNull && !c.AutoIncrement {
			return nil, platform.BadRequest("Field '%s' can not be NULL.", c.Name)
		}
		return nil, nil
	}
	switch c.Kind {
	case dbschema.KindInt:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return nil, bad("a valid integer")
	case dbschema.KindFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
		return nil, bad("a number")
	case dbschema.KindDecimal:
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strings.TrimSpace(x), nil
			}
		}
		return nil, bad("a decimal number")
	case dbschema.KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case float64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		}
		return nil, bad("a boolean")
	case dbschema.KindTime, dbschema.KindDate:
		s, ok := v.(string)
		if !ok {
			return nil, bad("a date or time as text (YYYY-MM-DD HH:MM:SS or RFC 3339)")
		}
		for _, layout := range []string{time.RFC3339Nano, platform.DateFormat, "2006-01-02T15:04:05", "2006-01-02"} {
			if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				if d == dialect.SQLite { // SQLite keeps text: store DreamFactory's format
					if c.Kind == dbschema.KindDate {
						return t.Format("2006-01-02"), nil
					}
					return t.UTC().Format(platform.DateFormat), nil
				}
				return t, nil
			}
		}
		if c.Type == "time" || c.Type == "timetz" {
			return s, nil
		}
		return nil, bad("a date or time (YYYY-MM-DD HH:MM:SS or RFC 3339)")
	case dbschema.KindJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, bad("valid JSON")
		}
		return string(b), nil
	case dbschema.KindBytes:
		s, ok := v.(string)
		if !ok {
			return nil, bad("base64 text")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, bad("base64 text")
		}
		return b, nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return nil, bad("text")
}
