package sqltable

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/apiary/apiary/platform"
)

// Normalize converts a scanned value to its JSON form by kind; drivers differ (SQLite and
// MySQL booleans are integers, decimals come as text or bytes, JSON as text or bytes).
func Normalize(kind string, v any) any {
	if b, ok := v.([]byte); ok {
		if kind == "bytes" {
			return base64.StdEncoding.EncodeToString(b)
		}
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch kind {
	case "bool":
		switch x := v.(type) {
		case int64:
			return x != 0
		case string:
			return x == "1" || strings.EqualFold(x, "true")
		}
	case "time":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Format(platform.DateFormat)
		case string:
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", platform.DateFormat} {
				if t, err := time.Parse(layout, x); err == nil {
					return t.UTC().Format(platform.DateFormat)
				}
			}
		}
	case "date":
		if x, ok := v.(time.Time); ok {
			return x.Format("2006-01-02")
		}
	case "json":
		if x, ok := v.(string); ok {
			var out any
			if json.Unmarshal([]byte(x), &out) == nil {
				return out
			}
		}
	case "int":
		switch x := v.(type) {
		case int32:
			return int64(x)
		case float64:
			return int64(x)
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n
			}
		}
	case "float":
		switch x := v.(type) {
		case float32:
			return float64(x)
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f
			}
		}
	}
	return v
}
