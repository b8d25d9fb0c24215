package system

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// coerce converts a decoded JSON value to the Go type of f for ent's generic SetField.
func coerce(f *ent.ResourceField, v any) (any, error) {
	bad := func(what string) error { return platform.BadRequest("Field '%s' must be %s.", f.Name, what) }
	switch f.Kind {
	case "string":
		switch x := v.(type) {
		case string:
			return x, nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return nil, bad("a string")
	case "int":
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int(x), nil
			}
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, nil
			}
		}
		return nil, bad("a valid integer")
	case "float":
		switch x := v.(type) {
		case float64:
			return x, nil
		case string:
			if n, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return n, nil
			}
		}
		return nil, bad("a number")
	case "bool":
		switch x := v.(type) {
		case bool:
			return x, nil
		case float64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			switch strings.ToLower(x) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		}
		return nil, bad("a boolean")
	case "time":
		if s, ok := v.(string); ok {
			for _, layout := range []string{time.RFC3339Nano, platform.DateFormat, "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					return t, nil
				}
			}
		}
		return nil, bad("a date and time (YYYY-MM-DD HH:MM:SS or RFC 3339)")
	case "json":
		b, err := json.Marshal(v)
		if err != nil {
			return nil, bad("valid JSON")
		}
		out, err := f.Decode(b)
		if err != nil {
			return nil, bad(jsonShape(f))
		}
		return out, nil
	}
	return nil, bad("a supported value")
}

func jsonShape(f *ent.ResourceField) string {
	if f.Name == "filters" {
		return "a JSON array of objects"
	}
	return "a JSON object"
}
