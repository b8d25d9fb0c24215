package rest

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// TestAppendJSONMatchesEncodingJSON: the fast encoder writes what encoding/json (without HTML
// escaping) writes, for every kind of value responses hold.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false, "", "plain", `quote " backslash \ slash /`, "tab\tnew\nline\r", "\x00\x01\x1f",
		"<html> & 'x'", "ünïcödé ✓ 😀", "bad \xff utf8", "sep \u2028 \u2029",
		0, 1, -7, int64(math.MaxInt64), int32(-5), 0.0, 1.5, -2.25, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.SmallestNonzeroFloat64,
		json.Number("12.50"), time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC),
		[]any{1.0, "a", nil, []any{}, map[string]any{}},
		map[string]any{"b": 1.0, "a": []any{map[string]any{"z": "x", "y": nil}}, "c": map[string]any{"k": false}},
		[]map[string]any{{"id": int64(1), "name": "x"}, {"id": int64(2)}},
		// Rows sharing their keys, then not: each row is written with its own keys, sorted.
		[]map[string]any{{"b": 1, "a": 2}, {"a": 3, "b": 4}, {"a": 5}, {"a": 6, "c": 7}, {"c": 8, "a": 9}, {"d": 10, "a": 11}, {}, nil},
		[]any{map[string]any{"b": 1, "a": 2}, map[string]any{"a": 3, "c": 4}, "x", map[string]any{"a": 5, "c": 6},
			map[string]any{"a": 7, "b": []any{map[string]any{"z": 1, "y": 2}, map[string]any{"y": 3, "z": 4}}}},
		struct{ A int }{3},
	}
	for _, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != string(bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want.Bytes())
		}
	}
	if _, err := appendJSON(nil, math.Inf(1)); err == nil {
		t.Error("+Inf encoded")
	}
}

// BenchmarkListEncoding: a 20-row list of 6 columns, as a read returns it.
func BenchmarkListEncoding(b *testing.B) {
	rows := make([]any, 20)
	for i := range rows {
		rows[i] = map[string]any{"id": int64(i), "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com", "city": "Lisbon", "age": int64(40)}
	}
	body := map[string]any{"resource": rows}
	b.Run("encoding/json", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(body)
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_, _ = appendJSON(make([]byte, 0, 2048), body)
		}
	})
}
