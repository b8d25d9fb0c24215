package scripting

import (
	"github.com/dop251/goja"
)

// Runtimes are reused across runs (building one costs ~100 µs), so a run must not be able to
// leave anything the next run sees. harden runs once per runtime, after Apiary's globals are
// installed:
//
//   - every object reachable from the global object, from the intrinsics that are not (the
//     iterator, generator and async-function prototypes) and from extra (natives the global
//     object does not reach) is frozen: built-in prototypes, constructors, JSON, Math, console,
//     the platform object…
//   - so is the global object itself. It becomes the base: each run gets a new, empty global
//     object whose prototype is the base (begin), so built-ins resolve as before, a sloppy
//     script's implicit globals land in the run's own global object and are gone with it, and
//     assignments to built-in globals fail as on a frozen object;
//   - assignments that freezing would break in ordinary code (the "override mistake":
//     X.prototype.constructor = X, obj.toString = f, MyError.prototype.name = "MyError") keep
//     working: those properties of the built-in prototypes become accessors whose setter
//     defines an own property on the object assigned to.
//
// Outside the global object a runtime keeps only the Symbol.for registry; a runtime whose
// scripts registered many symbols is dropped (reset).
const hardenSource = `(function (g, extra) {
	'use strict';
	var defineProperty = Object.defineProperty, getOwn = Object.getOwnPropertyDescriptor,
		ownKeys = Reflect.ownKeys, getProto = Object.getPrototypeOf, freeze = Object.freeze;
	function enableOverride(obj, name) {
		var d = getOwn(obj, name);
		if (!d || !('value' in d) || !d.writable) return;
		var value = d.value;
		defineProperty(obj, name, {
			get: function () { return value; },
			set: function (v) {
				if (this === obj) {
					throw new TypeError("Cannot assign to read only property '" + name + "' of a built-in prototype");
				}
				defineProperty(this, name, {value: v, writable: true, enumerable: true, configurable: true});
			},
			enumerable: d.enumerable, configurable: false
		});
	}
	['constructor', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString',
		'toString', 'valueOf'].forEach(function (n) { enableOverride(Object.prototype, n); });
	['constructor', 'toString'].forEach(function (n) { enableOverride(Function.prototype, n); });
	[Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].forEach(function (E) {
		['constructor', 'message', 'name', 'toString'].forEach(function (n) { enableOverride(E.prototype, n); });
	});
	enableOverride(Array.prototype, 'toString');

	var roots = [g,
		getProto([][Symbol.iterator]()), getProto(new Map()[Symbol.iterator]()),
		getProto(new Set()[Symbol.iterator]()), getProto(''[Symbol.iterator]()),
		getProto('a'.matchAll(/a/g)),
		getProto(function* () {}), getProto(function* () {}()),
		getProto(async function () {})];
	roots = roots.concat(extra);
	var seen = new Set(), stack = roots.slice();
	while (stack.length) {
		var o = stack.pop();
		if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
		seen.add(o);
		ownKeys(o).forEach(function (k) {
			var d = getOwn(o, k);
			if ('value' in d) { stack.push(d.value); } else { stack.push(d.get, d.set); }
		});
		stack.push(getProto(o));
	}
	seen.forEach(function (o) { freeze(o); });
})`

var hardenProgram = goja.MustCompile("harden.js", hardenSource, false)

// maxSymbols bounds the Symbol.for registrations a runtime may accumulate.
const maxSymbols = 10000

// harden freezes the runtime's intrinsics, shared objects and global object (see
// hardenSource); the global object becomes the base of every run's global object.
func (v *vm) harden(extra ...goja.Value) error {
	fnv, err := v.rt.RunProgram(hardenProgram)
	if err != nil {
		return err
	}
	fn, _ := goja.AssertFunction(fnv)
	extras := make([]any, len(extra))
	for i, x := range extra {
		extras[i] = x
	}
	if _, err := fn(goja.Undefined(), v.rt.GlobalObject(), v.rt.NewArray(extras...)); err != nil {
		return err
	}
	v.base = v.rt.GlobalObject()
	return nil
}

// countSymbolFor replaces Symbol.for with a version that counts registrations, so that reset
// can drop a runtime whose registry grew large.
func (v *vm) countSymbolFor() {
	sym := v.rt.Get("Symbol").ToObject(v.rt)
	orig, ok := goja.AssertFunction(sym.Get("for"))
	if !ok {
		return
	}
	_ = sym.DefineDataProperty("for", v.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		v.symbols++
		r, err := orig(c.This, c.Arguments...)
		if err != nil {
			panic(err)
		}
		return r
	}), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// newGlobal makes a run's global object: empty, inheriting from the frozen base, with its own
// globalThis.
func (v *vm) newGlobal() *goja.Object {
	g := v.rt.NewObject()
	_ = g.SetPrototype(v.base)
	_ = g.DefineDataProperty("globalThis", g, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	v.rt.SetGlobalObject(g)
	return g
}

// reset ends a run. It reports false when the runtime should be dropped rather than reused.
func (v *vm) reset() bool {
	v.run, v.modules = nil, nil
	v.rt.SetGlobalObject(v.base)
	return v.symbols <= maxSymbols
}
