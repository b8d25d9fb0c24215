package filter

import (
	"strings"
)

// maxDepth bounds nesting of parentheses and NOT so that hostile input
// cannot exhaust the stack.
const maxDepth = 64

// Parse parses a DreamFactory filter string into an expression tree. An empty
// or blank string returns (nil, nil). Errors are *Error.
//
// Grammar (keywords case-insensitive, precedence NOT > AND > OR):
//
//	filter  = or
//	or      = and { ("OR" | "||") and }
//	and     = unary { ("AND" | "&&") unary }
//	unary   = "NOT" unary | "(" or ")" | compare
//	compare = field ["NOT"] op operand
//	op      = "=" | "!=" | "<>" | ">" | ">=" | "<" | "<=" | EQ | NE | GT | GTE | LT | LTE
//	        | LIKE | IN | CONTAINS | STARTS WITH | ENDS WITH | IS NULL | IS NOT NULL
//
// "NOT LIKE" and "NOT IN" become OpNotLike and OpNotIn; NOT before any other
// operator wraps the comparison in *Not. IN and NOT IN take a parenthesised
// list; IS NULL and IS NOT NULL take nothing; every other operator takes one
// value: a quoted string, :param, {lookup}, null, or unquoted text (see
// lexer.value). Parenthesised values, function calls and SELECT are refused
// as raw SQL. Fields are not checked here; Predicate checks them.
func Parse(s string) (Expr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	p := &parser{lx: lexer{src: s}}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tEOF {
		return nil, syntaxError(t.pos, "unexpected %s", t.describe())
	}
	return e, nil
}

type parser struct {
	lx     lexer
	peeked *token
	depth  int
}

func (p *parser) next() (token, *Error) {
	if p.peeked != nil {
		t := *p.peeked
		p.peeked = nil
		return t, nil
	}
	return p.lx.next()
}

func (p *parser) peek() (token, *Error) {
	if p.peeked == nil {
		t, err := p.lx.next()
		if err != nil {
			return t, err
		}
		p.peeked = &t
	}
	return *p.peeked, nil
}

func (p *parser) parseOr() (Expr, *Error) {
	return p.parseChain(tOr, p.parseAnd, func(ts []Expr) Expr { return &Or{Terms: ts} })
}

func (p *parser) parseAnd() (Expr, *Error) {
	return p.parseChain(tAnd, p.parseUnary, func(ts []Expr) Expr { return &And{Terms: ts} })
}

// parseChain parses operand { sep operand } and joins two or more terms with mk.
func (p *parser) parseChain(sep tokKind, operand func() (Expr, *Error), mk func([]Expr) Expr) (Expr, *Error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		if t.kind != sep {
			break
		}
		p.peeked = nil
		e, err := operand()
		if err != nil {
			return nil, err
		}
		terms = append(terms, e)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return mk(terms), nil
}

func (p *parser) parseUnary() (Expr, *Error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	switch {
	case t.kind == tWord && strings.EqualFold(t.text, "NOT"):
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		p.depth--
		return &Not{X: x}, nil
	case t.kind == tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		c, err := p.next()
		if err != nil {
			return nil, err
		}
		switch c.kind {
		case tRParen:
		case tEOF:
			return nil, syntaxError(t.pos, "missing ')' to close '('")
		default:
			return nil, syntaxError(c.pos, "unexpected %s, expected ')' or a logical operator", c.describe())
		}
		p.depth--
		return e, nil
	case t.kind == tWord:
		return p.parseCompare(t)
	case t.kind == tEOF:
		return nil, syntaxError(t.pos, "unexpected end of filter, expected a condition")
	}
	return nil, syntaxError(t.pos, "unexpected %s, expected a field name", t.describe())
}

func (p *parser) enter(pos int) *Error {
	p.depth++
	if p.depth > maxDepth {
		return syntaxError(pos, "filter nested too deeply")
	}
	return nil
}

// wordOps maps single-word operators to their canonical form.
var wordOps = map[string]Op{
	"EQ": OpEQ, "NE": OpNE, "GT": OpGT, "GTE": OpGE, "LT": OpLT, "LTE": OpLE,
	"LIKE": OpLike, "IN": OpIn, "CONTAINS": OpContains,
}

var symOps = map[string]Op{
	"=": OpEQ, "!=": OpNE, "<>": OpNE, ">": OpGT, ">=": OpGE, "<": OpLT, "<=": OpLE,
}

// parseCompare parses the rest of a comparison whose field token is f.
func (p *parser) parseCompare(f token) (Expr, *Error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	negate := false
	if t.kind == tWord && strings.EqualFold(t.text, "NOT") {
		negate = true
		if t, err = p.next(); err != nil {
			return nil, err
		}
	}
	op, err := p.operator(f, t)
	if err != nil {
		return nil, err
	}
	opText := p.lx.src[t.pos:p.lx.pos]
	if negate {
		switch op {
		case OpLike:
			op, negate = OpNotLike, false
		case OpIn:
			op, negate = OpNotIn, false
		}
	}
	c := &Compare{Field: f.text, Op: op, Pos: f.pos}
	switch op {
	case OpIsNull, OpIsNotNull:
	case OpIn, OpNotIn:
		if c.Values, err = p.lx.list(); err != nil {
			return nil, err
		}
		for _, v := range c.Values {
			if v.Kind == NullValue {
				return nil, syntaxError(v.Pos, "null is not allowed in a value list, use IS NULL")
			}
		}
	default:
		v, found, err := p.lx.value()
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, syntaxError(p.lx.pos, "missing value after '%s'", opText)
		}
		if v.Kind == NullValue && op != OpEQ && op != OpNE {
			return nil, syntaxError(v.Pos, "null can only be compared with = or !=")
		}
		c.Values = []Value{v}
	}
	if negate {
		return &Not{X: c}, nil
	}
	return c, nil
}

// operator reads the operator starting with token t (after an optional NOT).
func (p *parser) operator(f, t token) (Op, *Error) {
	switch t.kind {
	case tSym:
		if op, ok := symOps[t.text]; ok {
			return op, nil
		}
		return "", syntaxError(t.pos, "unknown operator %s", t.describe())
	case tEOF:
		return "", syntaxError(t.pos, "expected a comparison operator after '%s'", f.text)
	case tWord:
	default:
		return "", syntaxError(t.pos, "unexpected %s, expected a comparison operator after '%s'", t.describe(), f.text)
	}
	w := strings.ToUpper(t.text)
	if op, ok := wordOps[w]; ok {
		return op, nil
	}
	switch w {
	case "STARTS", "ENDS":
		if err := p.expectWord("WITH", t); err != nil {
			return "", err
		}
		if w == "STARTS" {
			return OpStartsWith, nil
		}
		return OpEndsWith, nil
	case "IS":
		n, err := p.next()
		if err != nil {
			return "", err
		}
		if n.kind == tWord && strings.EqualFold(n.text, "NOT") {
			if err := p.expectWord("NULL", n); err != nil {
				return "", err
			}
			return OpIsNotNull, nil
		}
		if n.kind == tWord && strings.EqualFold(n.text, "NULL") {
			return OpIsNull, nil
		}
		return "", syntaxError(n.pos, "expected NULL or NOT NULL after 'IS', found %s", n.describe())
	}
	return "", syntaxError(t.pos, "unknown operator %s", t.describe())
}

func (p *parser) expectWord(want string, after token) *Error {
	n, err := p.next()
	if err != nil {
		return err
	}
	if n.kind != tWord || !strings.EqualFold(n.text, want) {
		return syntaxError(n.pos, "expected %s after '%s', found %s", want, after.text, n.describe())
	}
	return nil
}
