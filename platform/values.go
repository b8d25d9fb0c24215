package platform

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Readers of decoded JSON values as the types columns need. Each reports false when the value
// can not be read so, and callers answer with a 400 naming the field.

// IntValue reads an integral number (within ±2^53), a numeric string, or a boolean as 1/0.
func IntValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return int64(x), true
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// FloatValue reads a number or a numeric string.
func FloatValue(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, true
		}
	}
	return 0, false
}

// BoolValue reads true/false, 1/0, or "true"/"false"/"1"/"0" (any case).
func BoolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case int64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	return false, false
}

// TimeValue reads RFC 3339, DreamFactory's "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS" or a
// date "YYYY-MM-DD" (times without a zone are UTC).
func TimeValue(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, DateFormat, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// TextValue reads a string, or a number or boolean as its text.
func TextValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// MatchKey is a JSON-ready value's identity when rows are joined by key in Go (false for
// null): text as it is, integers and integral floats by their decimal text, anything else as
// fmt prints it — so an int64 matches a driver's uint64 or a float64 a script handed back.
// With fraction (a decimal or float column on either side of the match), numbers and text
// that reads as one match by their float value: a decimal reads as its text ("1.50" on
// PostgreSQL and MySQL) where a float, or a decimal of another scale, reads 1.5, and the
// database matched them as numbers. (Decimals that differ only past float64's precision match
// alike.)
func MatchKey(v any, fraction bool) (string, bool) {
	if v == nil {
		return "", false
	}
	if fraction {
		if f, ok := FloatValue(v); ok {
			v = f
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		if n, ok := IntValue(x); ok {
			return strconv.FormatInt(n, 10), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return fmt.Sprint(v), true
}
