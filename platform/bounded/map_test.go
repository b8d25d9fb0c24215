package bounded

import "testing"

// TestMapBound: a full map is emptied by the next Put of a new key, which is then kept; Clear
// forgets all.
func TestMapBound(t *testing.T) {
	m := Map[int, string]{Max: 2}
	m.Put(1, "a")
	m.Put(2, "b")
	if v, ok := m.Get(2); !ok || v != "b" {
		t.Fatalf("Get(2) = %q, %v", v, ok)
	}
	m.Put(2, "b2") // a key already kept replaces its value, even when the map is full
	if v, ok := m.Get(1); !ok || v != "a" {
		t.Fatalf("Put of a kept key emptied a full map: Get(1) = %q, %v", v, ok)
	}
	m.Put(3, "c")
	if _, ok := m.Get(1); ok {
		t.Error("a full map kept its entries")
	}
	if v, ok := m.Get(3); !ok || v != "c" {
		t.Errorf("Get(3) = %q, %v", v, ok)
	}
	m.Clear()
	if _, ok := m.Get(3); ok {
		t.Error("Clear kept an entry")
	}
	var z Map[string, int] // zero value: DefaultMax
	for i := 0; i < DefaultMax; i++ {
		z.Put(string(rune('a'+i%26))+string(rune(i)), i)
	}
	if v, ok := z.Get(string(rune('a'+5%26)) + string(rune(5))); !ok || v != 5 {
		t.Errorf("zero-value map lost an entry below DefaultMax: %v %v", v, ok)
	}
}
