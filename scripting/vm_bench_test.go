package scripting

import (
	"testing"

	"github.com/dop251/goja"
)

func BenchmarkNewVM(b *testing.B) {
	e := New(Config{})
	defer e.Close()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := e.newVM(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGojaNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rt := goja.New()
		_ = rt
	}
}

func BenchmarkGojaNewLimit(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		rt := goja.New()
		limitBuiltins(rt, 1<<20)
	}
}
