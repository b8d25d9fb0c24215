package sqldb

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

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
		if n, ok := platform.IntValue(v); ok {
			return n, nil
		}
		return nil, bad("a valid integer")
	case dbschema.KindFloat:
		if _, isBool := v.(bool); !isBool {
			if f, ok := platform.FloatValue(v); ok {
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
		if x, ok := platform.BoolValue(v); ok {
			return x, nil
		}
		return nil, bad("a boolean")
	case dbschema.KindTime, dbschema.KindDate:
		if t, ok := platform.TimeValue(v); ok {
			if d == dialect.SQLite { // SQLite keeps text: store DreamFactory's format
				if c.Kind == dbschema.KindDate {
					return t.Format("2006-01-02"), nil
				}
				return t.UTC().Format(platform.DateFormat), nil
			}
			return t, nil
		}
		if s, ok := v.(string); ok && (c.Type == "time" || c.Type == "timetz") {
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
	if s, ok := platform.TextValue(v); ok {
		return s, nil
	}
	return nil, bad("text")
}
