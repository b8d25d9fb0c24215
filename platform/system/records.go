package system

import (
	"encoding/json"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// coerce converts a decoded JSON value to the Go type of f for ent's generic SetField.
func coerce(f *ent.ResourceField, v any) (any, error) {
	bad := func(what string) error { return platform.BadRequest("Field '%s' must be %s.", f.Name, what) }
	switch f.Kind {
	case "string":
		if s, ok := platform.TextValue(v); ok {
			return s, nil
		}
		return nil, bad("a string")
	case "int":
		if _, isBool := v.(bool); !isBool {
			if n, ok := platform.IntValue(v); ok {
				return int(n), nil
			}
		}
		return nil, bad("a valid integer")
	case "float":
		if x, ok := platform.FloatValue(v); ok {
			return x, nil
		}
		return nil, bad("a number")
	case "bool":
		if x, ok := platform.BoolValue(v); ok {
			return x, nil
		}
		return nil, bad("a boolean")
	case "time":
		if t, ok := platform.TimeValue(v); ok {
			return t, nil
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
