package filter

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// timeArg is a validated Time value. It binds as Text on SQLite, where dates
// are stored as text and DreamFactory binds the client's string, and as T
// elsewhere (pgx needs a time.Time for timestamp parameters).
type timeArg struct {
	T    time.Time
	Text string
}

var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// convertText converts text to the Go value bound for col.
func convertText(text string, col Column, field string, pos int) (any, *Error) {
	switch col.Type {
	case Int:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, valueError(pos, field, "a valid integer")
		}
		return n, nil
	case Float:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, valueError(pos, field, "a valid number")
		}
		return f, nil
	case Bool:
		switch strings.ToLower(strings.TrimSpace(text)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return nil, valueError(pos, field, "a valid boolean (true, false, 1 or 0)")
	case Time:
		t := strings.TrimSpace(text)
		for _, layout := range timeLayouts {
			if v, err := time.Parse(layout, t); err == nil {
				return timeArg{T: v, Text: t}, nil
			}
		}
		return nil, valueError(pos, field, "a valid date/time (RFC 3339 or YYYY-MM-DD[ HH:MM:SS])")
	}
	return text, nil
}

// paramText renders a scalar parameter as text. ok is false for values that
// are not scalars.
func paramText(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case time.Time:
		return x.Format(time.RFC3339Nano), true
	case []byte:
		return string(x), true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10), true
	case reflect.String:
		return rv.String(), true
	}
	return "", false
}

// convertParam converts a scalar parameter for col. null reports a nil value.
func convertParam(v any, col Column, field string, pos int) (arg any, null bool, err *Error) {
	switch x := v.(type) {
	case nil:
		return nil, true, nil
	case bool:
		if col.Type == Bool {
			return x, false, nil
		}
	case time.Time:
		if col.Type == Time {
			return timeArg{T: x, Text: x.Format(time.RFC3339Nano)}, false, nil
		}
	}
	s, ok := paramText(v)
	if !ok {
		return nil, false, valueError(pos, field, "a single scalar value")
	}
	arg, err = convertText(s, col, field, pos)
	return arg, false, err
}

// paramList expands a slice parameter for IN lists; ok is false for scalars.
func paramList(v any) (items []any, ok bool) {
	if v == nil {
		return nil, false
	}
	if _, isBytes := v.([]byte); isBytes {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	items = make([]any, rv.Len())
	for i := range items {
		items[i] = rv.Index(i).Interface()
	}
	return items, true
}

// escapeLike makes s literal inside a LIKE pattern that uses ESCAPE '!'.
func escapeLike(s string) string {
	if !strings.ContainsAny(s, "!%_") {
		return s
	}
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
