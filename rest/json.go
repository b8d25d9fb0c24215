package rest

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendJSON encodes the values responses are made of — maps, slices, strings, numbers, bools,
// nil — without reflection, as encoding/json would (object keys sorted, no HTML escaping,
// floats formatted alike); anything else falls back to encoding/json. Rows of a list are
// map[string]any, so this is the hot path of every read.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case float64:
		return appendFloat(b, x)
	case json.Number:
		return append(b, x...), nil
	case map[string]any:
		var small [16]string
		b, _, err := appendObject(b, x, sortedKeys(small[:0], x))
		return b, err
	case []any:
		return appendList(b, x)
	case []map[string]any:
		return appendList(b, x)
	case time.Time:
		return appendString(b, x.Format(time.RFC3339Nano)), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, raw...), nil
}

// sortedKeys appends m's keys to keys, sorted. Rows of up to cap(keys) columns sort them
// without allocating.
func sortedKeys(keys []string, m map[string]any) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendList writes a list. Its objects are written with the sorted keys of the list's
// previous object when they have exactly those — the rows of one list usually do, and then
// their keys are sorted once.
func appendList[E any](b []byte, list []E) ([]byte, error) {
	var small [16]string
	var keys []string
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if m, ok := any(e).(map[string]any); ok {
			var same bool
			if b, same, err = appendObject(b, m, keys); err == nil && !same {
				keys = sortedKeys(small[:0], m)
				b, _, err = appendObject(b, m, keys)
			}
		} else {
			b, err = appendJSON(b, e)
		}
		if err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendObject writes m with its keys in the order of keys when they are exactly m's keys,
// sorted; a nil map is null, as encoding/json writes it. When m has other keys it writes
// nothing and reports false.
func appendObject(b []byte, m map[string]any, keys []string) ([]byte, bool, error) {
	if m == nil {
		return append(b, "null"...), true, nil
	}
	if len(m) != len(keys) {
		return b, false, nil
	}
	start := len(b)
	b = append(b, '{')
	for i, k := range keys {
		v, ok := m[k]
		if !ok {
			return b[:start], false, nil
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, v); err != nil {
			return nil, false, err
		}
	}
	return append(b, '}'), true, nil
}

// appendFloat formats like encoding/json: no exponent between 1e-6 and 1e21.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, &json.UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as a JSON string: ", \ and control characters escaped, invalid UTF-8
// replaced, U+2028 and U+2029 escaped; <, > and & kept (no HTML escaping).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
