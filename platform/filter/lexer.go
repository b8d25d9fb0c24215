package filter

import (
	"strings"
)

// tokKind classifies the tokens of the structural part of a filter. Values
// are not tokenised this way: after an operator the parser asks the lexer for
// a value (lexer.value) or a value list (lexer.list), because unquoted values
// may contain spaces, operators and balanced parentheses.
type tokKind int

const (
	tEOF    tokKind = iota
	tLParen         // (
	tRParen         // )
	tComma          // ,
	tAnd            // AND, &&
	tOr             // OR, ||
	tSym            // a run of = ! < > (validated by the parser)
	tWord           // field names and word operators
	tString         // a quoted string where a value is not expected
)

type token struct {
	kind tokKind
	text string // word or symbol text; unescaped content for tString
	raw  string // the source slice the token was read from
	pos  int
}

// describe renders t for an error message.
func (t token) describe() string {
	if t.kind == tEOF {
		return "end of filter"
	}
	s := t.raw
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return "'" + s + "'"
}

// lexer scans src from pos. It never looks behind pos, so the parser can
// switch between structural tokens and values at any point.
type lexer struct {
	src string
	pos int
}

func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', '\v':
		return true
	}
	return false
}

func isSym(c byte) bool { return c == '=' || c == '!' || c == '<' || c == '>' }

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isLogicalWord reports whether s is AND or OR in any case.
func isLogicalWord(s string) bool { return strings.EqualFold(s, "AND") || strings.EqualFold(s, "OR") }

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
		l.pos++
	}
}

// doubled reports whether "&&" or "||" starts at i.
func (l *lexer) doubled(i int) bool {
	return i+1 < len(l.src) && (l.src[i] == '&' && l.src[i+1] == '&' || l.src[i] == '|' && l.src[i+1] == '|')
}

// wordEnd returns the end of the word starting at i. Words stop at space,
// parentheses, commas, quotes, comparison symbols and && / ||.
func (l *lexer) wordEnd(i int) int {
	for i < len(l.src) {
		c := l.src[i]
		if isSpace(c) || isSym(c) || strings.IndexByte(`(),'"`, c) >= 0 || l.doubled(i) {
			break
		}
		i++
	}
	return i
}

// logicalAt reports whether a logical operator (AND, OR, &&, ||) starts at i.
// Word forms need a boundary after them: end, space or a parenthesis.
func (l *lexer) logicalAt(i int) bool {
	if l.doubled(i) {
		return true
	}
	for _, kw := range [...]string{"AND", "OR"} {
		j := i + len(kw)
		if j <= len(l.src) && strings.EqualFold(l.src[i:j], kw) &&
			(j == len(l.src) || isSpace(l.src[j]) || l.src[j] == '(' || l.src[j] == ')') {
			return true
		}
	}
	return false
}

// next returns the next structural token.
func (l *lexer) next() (token, *Error) {
	l.skipSpace()
	start := l.pos
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[start]
	tok := func(k tokKind, end int) (token, *Error) {
		l.pos = end
		s := l.src[start:end]
		return token{kind: k, text: s, raw: s, pos: start}, nil
	}
	switch {
	case c == '(':
		return tok(tLParen, start+1)
	case c == ')':
		return tok(tRParen, start+1)
	case c == ',':
		return tok(tComma, start+1)
	case c == '&' && l.doubled(start):
		return tok(tAnd, start+2)
	case c == '|' && l.doubled(start):
		return tok(tOr, start+2)
	case c == '\'' || c == '"':
		text, err := l.quoted()
		if err != nil {
			return token{}, err
		}
		return token{kind: tString, text: text, raw: l.src[start:l.pos], pos: start}, nil
	case isSym(c):
		end := start
		for end < len(l.src) && isSym(l.src[end]) {
			end++
		}
		return tok(tSym, end)
	}
	end := l.wordEnd(start)
	switch w := l.src[start:end]; {
	case strings.EqualFold(w, "AND"):
		return tok(tAnd, end)
	case strings.EqualFold(w, "OR"):
		return tok(tOr, end)
	}
	return tok(tWord, end)
}

// quoted reads a string quoted with ' or " starting at l.pos. The quote is
// escaped by doubling it or with a backslash; \\ is one backslash; any other
// backslash is kept as written (so LIKE patterns such as '100\%' survive).
func (l *lexer) quoted() (string, *Error) {
	start := l.pos
	q := l.src[start]
	var b strings.Builder
	for i := start + 1; i < len(l.src); {
		c := l.src[i]
		switch {
		case c == '\\' && i+1 < len(l.src) && strings.IndexByte(`\'"`, l.src[i+1]) >= 0:
			b.WriteByte(l.src[i+1])
			i += 2
		case c == q && i+1 < len(l.src) && l.src[i+1] == q:
			b.WriteByte(q)
			i += 2
		case c == q:
			l.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", syntaxError(start, "unterminated string")
}

// special reads a :param or {lookup} at l.pos, if one starts there.
func (l *lexer) special() (Value, bool, *Error) {
	start := l.pos
	switch l.src[start] {
	case ':':
		end := start + 1
		for end < len(l.src) && isNameByte(l.src[end]) {
			end++
		}
		if end == start+1 {
			return Value{}, false, nil
		}
		l.pos = end
		return Value{Kind: ParamValue, Text: l.src[start+1 : end], Pos: start}, true, nil
	case '{':
		end := start + 1
		for end < len(l.src) && isLookupByte(l.src[end]) {
			end++
		}
		switch {
		case end < len(l.src) && l.src[end] == '}':
			if end == start+1 {
				return Value{}, false, syntaxError(start, "empty lookup")
			}
			l.pos = end + 1
			return Value{Kind: LookupValue, Text: l.src[start+1 : end], Pos: start}, true, nil
		case end > start+1 && (end == len(l.src) || isSpace(l.src[end]) || l.src[end] == ','):
			return Value{}, false, syntaxError(start, "unterminated lookup")
		}
	}
	return Value{}, false, nil
}

// isLookupByte reports the bytes allowed in a lookup name such as user.id or
// urlencode(user.email).
func isLookupByte(c byte) bool {
	return isNameByte(c) || c == '.' || c == '-' || c == '(' || c == ')'
}

// isLookup reports whether s is exactly one {name} lookup token.
func isLookup(s string) bool {
	if len(s) < 3 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isLookupByte(s[i]) {
			return false
		}
	}
	return true
}

// quotedValue reads a quoted value. A string that is exactly one {lookup}
// is a lookup, as DreamFactory replaces lookups inside quotes too.
func (l *lexer) quotedValue() (Value, *Error) {
	start := l.pos
	text, err := l.quoted()
	if err != nil {
		return Value{}, err
	}
	if isLookup(text) {
		return Value{Kind: LookupValue, Text: text[1 : len(text)-1], Quoted: true, Pos: start}, nil
	}
	return Value{Kind: LiteralValue, Text: text, Quoted: true, Pos: start}, nil
}

// value reads the operand of a scalar comparison. found is false when no
// value starts here (end of input, ')', or a logical operator).
//
// An unquoted value runs until whitespace followed by AND/OR, until && or
// ||, until a ')' not opened inside the value, or to the end; it is trimmed.
func (l *lexer) value() (v Value, found bool, err *Error) {
	l.skipSpace()
	start := l.pos
	if start >= len(l.src) || l.src[start] == ')' || l.logicalAt(start) {
		return Value{}, false, nil
	}
	switch l.src[start] {
	case '\'', '"':
		v, err := l.quotedValue()
		return v, err == nil, err
	case '(':
		return Value{}, false, rawSQLError(start)
	case ':', '{':
		if v, ok, err := l.special(); ok || err != nil {
			return v, ok, err
		}
	}
	i, depth := start, 0
scan:
	for i < len(l.src) {
		switch c := l.src[i]; {
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				break scan
			}
			depth--
		case l.doubled(i):
			break scan
		case isSpace(c):
			j := i
			for j < len(l.src) && isSpace(l.src[j]) {
				j++
			}
			if j < len(l.src) && l.logicalAt(j) {
				break scan
			}
			i = j
			continue
		}
		i++
	}
	l.pos = i
	v, err = bare(strings.TrimSpace(l.src[start:i]), start)
	return v, err == nil, err
}

// list reads a parenthesised value list for IN / NOT IN. Items may be
// quoted (and then contain commas), :params, {lookups} or bare text; a bare
// item runs to the next ',' or ')' and is trimmed.
func (l *lexer) list() ([]Value, *Error) {
	l.skipSpace()
	open := l.pos
	if open >= len(l.src) || l.src[open] != '(' {
		return nil, listError(open)
	}
	l.pos++
	var items []Value
	for {
		l.skipSpace()
		start := l.pos
		if start >= len(l.src) {
			return nil, syntaxError(open, "missing ')' to close the value list")
		}
		var v Value
		switch c := l.src[start]; {
		case c == ')' && len(items) == 0:
			return nil, errorf(start, "Filter value lists must not be empty.")
		case c == ')' || c == ',':
			return nil, syntaxError(start, "missing value in list")
		case c == '(':
			return nil, rawSQLError(start)
		case c == '\'' || c == '"':
			var err *Error
			if v, err = l.quotedValue(); err != nil {
				return nil, err
			}
		default:
			ok := false
			if c == ':' || c == '{' {
				var err *Error
				if v, ok, err = l.special(); err != nil {
					return nil, err
				}
			}
			if !ok {
				i := start
				for i < len(l.src) && l.src[i] != ',' && l.src[i] != ')' {
					if l.src[i] == '(' {
						return nil, rawSQLError(start)
					}
					i++
				}
				l.pos = i
				var err *Error
				if v, err = bare(strings.TrimSpace(l.src[start:i]), start); err != nil {
					return nil, err
				}
			}
		}
		items = append(items, v)
		l.skipSpace()
		if l.pos >= len(l.src) {
			return nil, syntaxError(open, "missing ')' to close the value list")
		}
		switch l.src[l.pos] {
		case ',':
			l.pos++
		case ')':
			l.pos++
			return items, nil
		default:
			t, err := l.next()
			if err != nil {
				return nil, err
			}
			return nil, syntaxError(t.pos, "unexpected %s in value list", t.describe())
		}
	}
}

// bare classifies an unquoted value: null, or a literal. Function calls such
// as NOW() or SLEEP(5) and SELECT … are refused as raw SQL.
func bare(text string, pos int) (Value, *Error) {
	if strings.EqualFold(text, "null") {
		return Value{Kind: NullValue, Text: text, Pos: pos}, nil
	}
	if looksLikeSQL(text) {
		return Value{}, rawSQLError(pos)
	}
	return Value{Kind: LiteralValue, Text: text, Pos: pos}, nil
}

// looksLikeSQL reports a bare value of the form name(...) or SELECT ….
func looksLikeSQL(s string) bool {
	if len(s) > 7 && strings.EqualFold(s[:6], "SELECT") && isSpace(s[6]) {
		return true
	}
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	return i > 0 && i < len(s) && s[i] == '(' && s[len(s)-1] == ')'
}
