package data

import (
	"bytes"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// FuzzWriteString: writeString writes what graphql.MarshalString writes, byte for byte.
func FuzzWriteString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " backslash \ slash /`, "tab\tnew\nline\r", "\x00\x01\x1f\x7f",
		"<html> & 'x'", "ünïcödé ✓ 😀", "bad \xff\xfe utf8", "sep \u2028 \u2029", "\\u0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		writeString(&got, s)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("writeString(%q) = %s, MarshalString %s", s, got.Bytes(), want.Bytes())
		}
	})
}
