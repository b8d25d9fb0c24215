package platform

import (
	"encoding/json"
	"testing"
)

// TestMatchKey: the keys both sides of a join compute agree when the values are the same key.
func TestMatchKey(t *testing.T) {
	same := []struct {
		a, b     any
		fraction bool
	}{
		{int64(7), float64(7), false}, // a script's integral float
		{int64(7), uint64(7), false},  // MySQL unsigned
		{int64(7), json.Number("7"), false},
		{"1.50", 1.5, true},      // decimal text and float
		{"1.50", "1.5", true},    // decimals of other scales
		{"2.00", int64(2), true}, // decimal and integer
		{true, true, false},
	}
	for _, c := range same {
		ka, oka := MatchKey(c.a, c.fraction)
		kb, okb := MatchKey(c.b, c.fraction)
		if !oka || !okb || ka != kb {
			t.Errorf("MatchKey(%#v) = %q, MatchKey(%#v) = %q (fraction %v)", c.a, ka, c.b, kb, c.fraction)
		}
	}
	if k1, _ := MatchKey("1.50", false); k1 == "1.5" {
		t.Error("text matched as a number without fraction")
	}
	if _, ok := MatchKey(nil, true); ok {
		t.Error("null has a key")
	}
}
