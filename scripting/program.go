package scripting

import (
	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"

	"github.com/apiary/apiary/platform/bounded"
)

// programCache holds each script version compiled once. A *goja.Program is immutable and is
// shared by every runtime. The key is the script's type and content, so a saved script (new
// content) compiles on its next run and dry runs of the same text reuse the compilation.
type programCache struct {
	// at most maxPrograms; when full it starts over (scripts are few; dry runs may not be)
	progs bounded.Map[string, *goja.Program]
}

const maxPrograms = 2048

// get returns the compiled wrapper of s: its body becomes the function
// (event, platform, _event) — top-level return allowed, sloppy mode as V8Js ran it — and the
// function is the program's value. The body starts on the wrapper's first line, so line
// numbers in errors are the script's own.
func (c *programCache) get(s script) (*goja.Program, error) {
	key := s.typ + "\x00" + s.content
	if p, ok := c.progs.Get(key); ok {
		return p, nil
	}
	p, err := compileWrapped(s.name, "event, platform, _event", s.content)
	if err != nil {
		return nil, err
	}
	c.progs.Put(key, p)
	return p, nil
}

// compileWrapped compiles body as the body of a function of params; the program's value is
// the function. The wrapped text must parse as exactly that one function expression: a body
// that closes the wrapper early ("}); let JSON = …") would otherwise declare bindings in the
// runtime's global scope, which outlive the run.
func compileWrapped(name, params, body string) (*goja.Program, error) {
	src := "(function (" + params + ") {" + body + "\n})"
	prog, err := parser.ParseFile(nil, name, src, 0)
	if err != nil {
		_, err = goja.Compile(name, src, false) // the same error, as goja reports syntax errors
		return nil, err
	}
	if len(prog.Body) != 1 || len(prog.DeclarationList) != 0 {
		return nil, errString("the script closes its function early: its body must be statements only")
	}
	st, ok := prog.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return nil, errString("the script closes its function early: its body must be statements only")
	}
	if _, ok := st.Expression.(*ast.FunctionLiteral); !ok {
		return nil, errString("the script closes its function early: its body must be statements only")
	}
	return goja.CompileAST(prog, false)
}
