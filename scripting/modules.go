package scripting

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// moduleCache holds compiled CommonJS modules by path, recompiled when the file changes.
type moduleCache struct {
	mu   sync.Mutex
	mods map[string]*module
}

type module struct {
	prog    *goja.Program
	modTime time.Time
	size    int64
}

// maxModuleBytes caps a module file.
const maxModuleBytes = 8 << 20

var moduleName = regexp.MustCompile(`^[A-Za-z0-9_.@-]+(/[A-Za-z0-9_.@-]+)*$`)

// require(name) loads a CommonJS module from the module folder (<data>/scripting): names are
// relative paths without "..", ".js" is added when missing. The module runs once per run
// (its exports are cached for the rest of the run) with exports, require, module,
// __filename and __dirname. DreamFactory's idiom require('lodash.min.js')._ works when
// lodash is placed there.
func (v *vm) require(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	dir := v.e.cfg.ModuleDir
	if dir == "" {
		panic(v.rt.NewGoError(errString("require is disabled: the server has no module folder")))
	}
	name = strings.TrimPrefix(name, "./")
	if !moduleName.MatchString(name) || strings.Contains(name, "..") {
		panic(v.rt.NewTypeError("require: invalid module name %q (use a relative path inside the module folder)", name))
	}
	if !strings.HasSuffix(name, ".js") {
		name += ".js"
	}
	if v.modules == nil {
		v.modules = map[string]goja.Value{}
	}
	if m, ok := v.modules[name]; ok {
		return m
	}
	path := filepath.Join(dir, filepath.FromSlash(name))
	prog, err := v.e.modules.load(path)
	if err != nil {
		panic(v.rt.NewTypeError("require: cannot load module %q: %v", name, err))
	}
	fnv, err := v.rt.RunProgram(prog)
	if err != nil {
		panic(err)
	}
	fn, _ := goja.AssertFunction(fnv)
	mod := v.rt.NewObject()
	exports := v.rt.NewObject()
	_ = mod.Set("exports", exports)
	v.modules[name] = exports // cycles see the partial exports, as in Node
	if _, err := fn(goja.Undefined(), exports, v.rt.Get("require"), mod, v.rt.ToValue(name), v.rt.ToValue(filepath.Dir(name))); err != nil {
		delete(v.modules, name)
		panic(err)
	}
	out := mod.Get("exports")
	v.modules[name] = out
	return out
}

// load returns the compiled module at path.
func (c *moduleCache) load(path string) (*goja.Program, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() || fi.Size() > maxModuleBytes {
		return nil, errString("not a file of at most 8 MiB")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := c.mods[path]; m != nil && m.modTime.Equal(fi.ModTime()) && m.size == fi.Size() {
		return m.prog, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prog, err := compileWrapped(path, "exports, require, module, __filename, __dirname", string(src))
	if err != nil {
		return nil, err
	}
	if c.mods == nil {
		c.mods = map[string]*module{}
	}
	c.mods[path] = &module{prog: prog, modTime: fi.ModTime(), size: fi.Size()}
	return prog, nil
}

type errString string

func (e errString) Error() string { return string(e) }
