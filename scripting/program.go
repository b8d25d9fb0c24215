package scripting

import (
	"sync"

	"github.com/dop251/goja"
)

// programCache holds each script version compiled once. A *goja.Program is immutable and is
// shared by every runtime. The key is the script's type and content, so a saved script (new
// content) compiles on its next run and dry runs of the same text reuse the compilation.
type programCache struct {
	mu    sync.RWMutex
	progs map[string]*goja.Program
}

// maxPrograms bounds the cache; when full it starts over (scripts are few; dry runs may not be).
const maxPrograms = 2048

// get returns the compiled wrapper of s: its body becomes the function
// (event, platform, _event) — top-level return allowed, sloppy mode as V8Js ran it — and the
// function is the program's value. The body starts on the wrapper's first line, so line
// numbers in errors are the script's own.
func (c *programCache) get(s script) (*goja.Program, error) {
	key := s.typ + "\x00" + s.content
	c.mu.RLock()
	p := c.progs[key]
	c.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	p, err := goja.Compile(s.name, "(function (event, platform, _event) {"+s.content+"\n})", false)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.progs == nil || len(c.progs) >= maxPrograms {
		c.progs = map[string]*goja.Program{}
	}
	c.progs[key] = p
	c.mu.Unlock()
	return p, nil
}
