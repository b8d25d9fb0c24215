package scripting

import (
	"reflect"
	"sort"

	"github.com/dop251/goja"
)

// The event a script gets is Go data seen through lazy objects: a property is converted to a
// JavaScript value when the script first reads it (and kept, so event.request ===
// event.request), so the parts a script never touches cost nothing — building the whole event
// as native objects took most of a short script's run. Writes and deletes stay in the lazy
// object; the Go data is never changed, so a script's changes reach the platform only through
// export, when allow_event_modification lets them.

// lazyObject is a map[string]any as a JavaScript object (goja.DynamicObject).
type lazyObject struct {
	rt       *goja.Runtime
	src      map[string]any
	vals     map[string]goja.Value // converted from src, or assigned
	deleted  map[string]bool       // src keys the script deleted
	added    []string              // assigned keys not in src, in order
	children []lazy                // the lazy values converted from src
	dirty    bool                  // a property of this object was assigned or deleted
}

// lazy is a lazy object or array.
type lazy interface {
	changed() bool // it, or a lazy value read from it, was changed
	export() any   // plain Go data
}

// lazyArray is a []any as a JavaScript array (goja.DynamicArray).
type lazyArray struct {
	rt       *goja.Runtime
	src      []any
	vals     []goja.Value // vals[i] is src[i] converted, or assigned, when have[i]
	have     []bool
	children []lazy
	dirty    bool
}

// lazyJS is toJS with lazy objects and arrays for maps and slices; l is the lazy value, if any.
func lazyJS(rt *goja.Runtime, v any) (goja.Value, lazy) {
	var list []any
	switch x := v.(type) {
	case map[string]any:
		o := &lazyObject{rt: rt, src: x}
		return rt.NewDynamicObject(o), o
	case []any:
		list = x
	case []map[string]any:
		list = make([]any, len(x))
		for i, e := range x {
			list[i] = e
		}
	case []string:
		list = make([]any, len(x))
		for i, e := range x {
			list[i] = e
		}
	default:
		// Other maps and slices (of typed Go values) become plain data first, so that what a
		// script changes in them is tracked like the rest.
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Map || (rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Uint8) {
			if data, ok := viaJSON(v); ok {
				switch data.(type) {
				case map[string]any, []any:
					return lazyJS(rt, data)
				}
			}
		}
		return toJS(rt, v), nil
	}
	a := &lazyArray{rt: rt, src: list, vals: make([]goja.Value, len(list)), have: make([]bool, len(list))}
	return rt.NewDynamicArray(a), a
}

// Get implements goja.DynamicObject.
func (o *lazyObject) Get(key string) goja.Value {
	if v, ok := o.vals[key]; ok {
		return v
	}
	if o.deleted[key] {
		return nil
	}
	x, ok := o.src[key]
	if !ok {
		return nil
	}
	v, l := lazyJS(o.rt, x)
	if l != nil {
		o.children = append(o.children, l)
	}
	if o.vals == nil {
		o.vals = map[string]goja.Value{}
	}
	o.vals[key] = v
	return v
}

// Set implements goja.DynamicObject.
func (o *lazyObject) Set(key string, val goja.Value) bool {
	_, inSrc := o.src[key]
	if _, had := o.vals[key]; !had && !inSrc {
		o.added = append(o.added, key)
	}
	if o.vals == nil {
		o.vals = map[string]goja.Value{}
	}
	o.vals[key] = val
	delete(o.deleted, key)
	o.dirty = true
	return true
}

// Has implements goja.DynamicObject.
func (o *lazyObject) Has(key string) bool {
	if _, ok := o.vals[key]; ok {
		return true
	}
	_, ok := o.src[key]
	return ok && !o.deleted[key]
}

// Delete implements goja.DynamicObject.
func (o *lazyObject) Delete(key string) bool {
	if !o.Has(key) {
		return true
	}
	delete(o.vals, key)
	if _, inSrc := o.src[key]; inSrc {
		if o.deleted == nil {
			o.deleted = map[string]bool{}
		}
		o.deleted[key] = true
	}
	for i, k := range o.added {
		if k == key {
			o.added = append(o.added[:i:i], o.added[i+1:]...)
			break
		}
	}
	o.dirty = true
	return true
}

// Keys implements goja.DynamicObject: the data's keys, sorted, then assigned ones in order.
func (o *lazyObject) Keys() []string {
	keys := make([]string, 0, len(o.src)+len(o.added))
	for k := range o.src {
		if !o.deleted[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return append(keys, o.added...)
}

// export is the object as plain Go data: the original map when neither it nor anything read
// from it changed, else a new map.
func (o *lazyObject) export() any {
	if !o.changed() {
		return o.src
	}
	out := make(map[string]any, len(o.src)+len(o.added))
	for _, k := range o.Keys() {
		v, converted := o.vals[k]
		if !converted {
			out[k] = o.src[k]
			continue
		}
		if isFunction(v) {
			continue
		}
		out[k] = exported(v)
	}
	return out
}

// changes is what a script changed of the object: the keys it assigned, and those whose value
// it changed inside, with their values as plain Go data. Keys it only read or deleted are left
// out.
func (o *lazyObject) changes() map[string]any {
	out := map[string]any{}
	if !o.changed() {
		return out
	}
	for k, v := range o.vals {
		if isFunction(v) {
			continue
		}
		x := exported(v)
		if src, inSrc := o.src[k]; inSrc && sameData(x, src) {
			continue
		}
		out[k] = x
	}
	return out
}

// sameData reports whether x is src itself: the same map or slice (what export hands back for
// data nothing changed), or an equal string, boolean or number of the same type.
func sameData(x, src any) bool {
	switch a := x.(type) {
	case map[string]any:
		b, ok := src.(map[string]any)
		return ok && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
	case []any:
		b, ok := src.([]any)
		return ok && len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
	case string, bool, int64, float64:
		return x == src // src of another dynamic type compares unequal, without panicking
	}
	return false
}

// changed reports whether the object or a value read from it was changed.
func (o *lazyObject) changed() bool {
	return o.dirty || anyChanged(o.children)
}

// Len implements goja.DynamicArray.
func (a *lazyArray) Len() int { return len(a.vals) }

// Get implements goja.DynamicArray.
func (a *lazyArray) Get(i int) goja.Value {
	if i < 0 || i >= len(a.vals) {
		return nil
	}
	if !a.have[i] {
		v, l := lazyJS(a.rt, a.src[i])
		if l != nil {
			a.children = append(a.children, l)
		}
		a.vals[i], a.have[i] = v, true
	}
	return a.vals[i]
}

// Set implements goja.DynamicArray.
func (a *lazyArray) Set(i int, val goja.Value) bool {
	if i < 0 {
		return false
	}
	if i >= len(a.vals) && !a.SetLen(i+1) {
		return false
	}
	a.vals[i], a.have[i], a.dirty = val, true, true
	return true
}

// SetLen implements goja.DynamicArray.
func (a *lazyArray) SetLen(n int) bool {
	if n < 0 || n > maxArrayLen {
		return false
	}
	for len(a.vals) < n {
		a.vals, a.have = append(a.vals, goja.Undefined()), append(a.have, true)
	}
	a.vals, a.have, a.dirty = a.vals[:n], a.have[:n], true
	return true
}

// maxArrayLen bounds how long a script may make an event array: growing one is a Go loop that
// no interrupt reaches (1M elements are ~17 MB; the heap watchdog bounds the rest).
const maxArrayLen = 1 << 20

// export is the array as plain Go data: the original slice when nothing changed.
func (a *lazyArray) export() any {
	if !a.changed() {
		return a.src
	}
	out := make([]any, len(a.vals))
	for i := range a.vals {
		if a.have[i] {
			out[i] = exported(a.vals[i])
		} else {
			out[i] = a.src[i]
		}
	}
	return out
}

func (a *lazyArray) changed() bool { return a.dirty || anyChanged(a.children) }

func anyChanged(list []lazy) bool {
	for _, l := range list {
		if l.changed() {
			return true
		}
	}
	return false
}

func isFunction(v goja.Value) bool {
	_, ok := goja.AssertFunction(v)
	return ok
}
