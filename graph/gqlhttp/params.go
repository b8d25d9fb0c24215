package gqlhttp

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// maxParamsDepth bounds the nesting of variables and extensions the short decoder reads.
const maxParamsDepth = 64

// decodeParams decodes the body as transport.POST does (encoding/json into graphql.RawParams,
// numbers as json.Number) for the bodies clients send, without reflection: one JSON object
// whose keys are query, operationName, variables and extensions, spelled so and at most once
// each; query and operationName strings or null; variables and extensions objects or null;
// strings valid UTF-8 without \u escapes; nothing but white space after the object. It
// reports false for anything else, and the caller then decodes with encoding/json, so what
// encoding/json would accept, reject or make of such a body stays its call.
func decodeParams(body []byte, p *graphql.RawParams) bool {
	d := paramsDecoder{b: body}
	d.space()
	if !d.byte('{') {
		return false
	}
	var seen [4]bool
	d.space()
	if d.byte('}') {
		return d.end()
	}
	for {
		d.space()
		i := d.key()
		if i < 0 || seen[i] {
			return false
		}
		seen[i] = true
		d.space()
		if !d.byte(':') {
			return false
		}
		d.space()
		if !d.literal("null") {
			var ok bool
			switch i {
			case keyQuery:
				p.Query, ok = d.string()
			case keyOperationName:
				p.OperationName, ok = d.string()
			case keyVariables:
				p.Variables, ok = d.object(0)
			case keyExtensions:
				p.Extensions, ok = d.object(0)
			}
			if !ok {
				return false
			}
		}
		d.space()
		if d.byte('}') {
			return d.end()
		}
		if !d.byte(',') {
			return false
		}
	}
}

// paramsDecoder reads JSON from b at i; every method reports false on what it does not take.
type paramsDecoder struct {
	b []byte
	i int
}

func (d *paramsDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte consumes c when it comes next.
func (d *paramsDecoder) byte(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (d *paramsDecoder) end() bool {
	d.space()
	return d.i == len(d.b)
}

// literal consumes word (null, true, false) when it comes next.
func (d *paramsDecoder) literal(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// The four keys of a request body, as key numbers them.
const (
	keyQuery = iota
	keyOperationName
	keyVariables
	keyExtensions
)

// key reads one of the four keys of a request body, spelled exactly so, and returns its
// number (-1 for anything else).
func (d *paramsDecoder) key() int {
	if !d.byte('"') {
		return -1
	}
	start := d.i
	for d.i < len(d.b) && d.b[d.i] != '"' {
		d.i++
	}
	if d.i == len(d.b) {
		return -1
	}
	raw := d.b[start:d.i]
	d.i++
	switch string(raw) {
	case "query":
		return keyQuery
	case "operationName":
		return keyOperationName
	case "variables":
		return keyVariables
	case "extensions":
		return keyExtensions
	}
	return -1
}

// string reads a JSON string: escapes other than \u are decoded, a \u escape, a control
// character or invalid UTF-8 is refused.
func (d *paramsDecoder) string() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	start := d.i
	ascii := true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			raw := d.b[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(raw) {
				return "", false
			}
			return string(raw), true
		case c == '\\':
			return d.escaped(start, ascii)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return "", false
}

// escaped finishes a string that started at start and holds an escape at d.i.
func (d *paramsDecoder) escaped(start int, ascii bool) (string, bool) {
	out := make([]byte, 0, d.i-start+64)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !ascii && !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return "", false
			}
			var r byte
			switch d.b[d.i+1] {
			case '"', '\\', '/':
				r = d.b[d.i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default: // \u and invalid escapes
				return "", false
			}
			out = append(out, r)
			d.i += 2
			continue
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		out = append(out, c)
		d.i++
	}
	return "", false
}

// number reads a JSON number as json.Number.
func (d *paramsDecoder) number() (json.Number, bool) {
	start := d.i
	d.byte('-')
	switch {
	case d.byte('0'):
	case d.digits() == 0:
		return "", false
	}
	if d.byte('.') && d.digits() == 0 {
		return "", false
	}
	if d.byte('e') || d.byte('E') {
		if !d.byte('+') {
			d.byte('-')
		}
		if d.digits() == 0 {
			return "", false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

// digits consumes a run of digits and returns its length.
func (d *paramsDecoder) digits() int {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

// value reads any JSON value as encoding/json decodes it into an any (UseNumber).
func (d *paramsDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '"':
		return d.string()
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case d.literal("null"):
		return nil, true
	case d.literal("true"):
		return true, true
	case d.literal("false"):
		return false, true
	}
	return nil, false
}

// object reads a JSON object; a repeated key keeps its last value, as encoding/json does.
func (d *paramsDecoder) object(depth int) (map[string]any, bool) {
	if depth > maxParamsDepth || !d.byte('{') {
		return nil, false
	}
	m := map[string]any{}
	d.space()
	if d.byte('}') {
		return m, true
	}
	for {
		d.space()
		k, ok := d.string()
		if !ok {
			return nil, false
		}
		d.space()
		if !d.byte(':') {
			return nil, false
		}
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		d.space()
		if d.byte('}') {
			return m, true
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}

// array reads a JSON array.
func (d *paramsDecoder) array(depth int) ([]any, bool) {
	if depth > maxParamsDepth || !d.byte('[') {
		return nil, false
	}
	out := []any{}
	d.space()
	if d.byte(']') {
		return out, true
	}
	for {
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		d.space()
		if d.byte(']') {
			return out, true
		}
		if !d.byte(',') {
			return nil, false
		}
	}
}
