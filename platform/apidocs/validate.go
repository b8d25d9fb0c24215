package apidocs

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var (
	componentName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)
	templateParam = regexp.MustCompile(`\{([^{}/]+)\}`)
	operationKeys = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
)

// Validate checks an OpenAPI 3.0 document's structure and internal consistency: the version
// and info, every $ref resolving inside the document, every path template parameter declared
// (and no undeclared one), unique operation ids, operations with responses, valid component
// names and security requirements naming defined schemes. doc is a decoded JSON document or
// anything that encodes to one.
func Validate(doc any) error {
	root, err := decoded(doc)
	if err != nil {
		return err
	}
	v := &validator{root: root}
	v.check()
	return errors.Join(v.errs...)
}

// decoded returns doc as decoded JSON (map[string]any at the top).
func decoded(doc any) (map[string]any, error) {
	buf, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("document does not encode as JSON: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(buf, &out); err != nil {
		return nil, fmt.Errorf("document is not a JSON object: %w", err)
	}
	return out, nil
}

type validator struct {
	root map[string]any
	errs []error
}

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) check() {
	if s, _ := v.root["openapi"].(string); !strings.HasPrefix(s, "3.0.") {
		v.fail("openapi is %v, want 3.0.x", v.root["openapi"])
	}
	info, _ := v.root["info"].(map[string]any)
	if t, _ := info["title"].(string); t == "" {
		v.fail("info.title is missing")
	}
	if _, ok := info["version"].(string); !ok {
		v.fail("info.version is missing")
	}
	v.refs("#", v.root)
	comps, _ := v.root["components"].(map[string]any)
	for section, c := range comps {
		m, ok := c.(map[string]any)
		if !ok {
			v.fail("components.%s is not an object", section)
			continue
		}
		for name := range m {
			if !componentName.MatchString(name) {
				v.fail("components.%s: invalid name %q", section, name)
			}
		}
	}
	schemes, _ := comps["securitySchemes"].(map[string]any)
	sec, _ := v.root["security"].([]any)
	for _, r := range sec {
		req, _ := r.(map[string]any)
		for name := range req {
			if _, ok := schemes[name]; !ok {
				v.fail("security names undefined scheme %q", name)
			}
		}
	}
	paths, ok := v.root["paths"].(map[string]any)
	if !ok {
		v.fail("paths is missing")
		return
	}
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	opIDs := map[string]string{}
	for _, p := range keys {
		v.path(p, paths[p], opIDs)
	}
}

// path checks one path item.
func (v *validator) path(p string, raw any, opIDs map[string]string) {
	if !strings.HasPrefix(p, "/") {
		v.fail("path %q does not start with /", p)
	}
	item, ok := raw.(map[string]any)
	if !ok {
		v.fail("path %s is not an object", p)
		return
	}
	inTemplate := map[string]bool{}
	for _, m := range templateParam.FindAllStringSubmatch(p, -1) {
		if inTemplate[m[1]] {
			v.fail("path %s repeats parameter {%s}", p, m[1])
		}
		inTemplate[m[1]] = true
	}
	shared := v.parameters(p, "", item["parameters"])
	n := 0
	for _, verb := range operationKeys {
		raw, ok := item[verb]
		if !ok {
			continue
		}
		n++
		where := verb + " " + p
		op, ok := raw.(map[string]any)
		if !ok {
			v.fail("%s is not an object", where)
			continue
		}
		if id, _ := op["operationId"].(string); id != "" {
			if prev, dup := opIDs[id]; dup {
				v.fail("operationId %s of %s is also used by %s", id, where, prev)
			}
			opIDs[id] = where
		}
		if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
			v.fail("%s has no responses", where)
		} else {
			for code, r := range rs {
				rm, _ := v.resolve(r).(map[string]any)
				if _, ok := rm["description"].(string); !ok {
					v.fail("%s: response %s has no description", where, code)
				}
			}
		}
		declared := map[string]bool{}
		for k := range shared {
			declared[k] = true
		}
		for k := range v.parameters(p, verb, op["parameters"]) {
			declared[k] = true
		}
		for name := range inTemplate {
			if !declared["path:"+name] {
				v.fail("%s: path parameter {%s} is not declared", where, name)
			}
		}
		for k := range declared {
			if name, ok := strings.CutPrefix(k, "path:"); ok && !inTemplate[name] {
				v.fail("%s: path parameter %s is not in the path", where, name)
			}
		}
	}
	if n == 0 {
		v.fail("path %s has no operations", p)
	}
}

// parameters checks a parameter list and returns its "in:name" keys.
func (v *validator) parameters(p, verb string, raw any) map[string]bool {
	out := map[string]bool{}
	if raw == nil {
		return out
	}
	list, ok := raw.([]any)
	if !ok {
		v.fail("%s %s: parameters is not a list", verb, p)
		return out
	}
	for _, r := range list {
		pm, _ := v.resolve(r).(map[string]any)
		name, _ := pm["name"].(string)
		in, _ := pm["in"].(string)
		if name == "" || in == "" {
			v.fail("%s %s: a parameter lacks name or in", verb, p)
			continue
		}
		switch in {
		case "query", "header", "path", "cookie":
		default:
			v.fail("%s %s: parameter %s has invalid in %q", verb, p, name, in)
		}
		if in == "path" && pm["required"] != true {
			v.fail("%s %s: path parameter %s is not required", verb, p, name)
		}
		if _, ok := pm["schema"]; !ok {
			v.fail("%s %s: parameter %s has no schema", verb, p, name)
		}
		k := in + ":" + name
		if out[k] {
			v.fail("%s %s: parameter %s declared twice", verb, p, k)
		}
		out[k] = true
	}
	return out
}

// refs walks x and checks every $ref.
func (v *validator) refs(at string, x any) {
	switch t := x.(type) {
	case map[string]any:
		if r, ok := t["$ref"]; ok {
			s, _ := r.(string)
			if !strings.HasPrefix(s, "#/components/") {
				v.fail("%s: $ref %q does not name a component", at, s)
			} else if _, err := v.pointer(s); err != nil {
				v.fail("%s: %v", at, err)
			}
		}
		for k, c := range t {
			v.refs(at+"/"+k, c)
		}
	case []any:
		for i, c := range t {
			v.refs(fmt.Sprintf("%s/%d", at, i), c)
		}
	}
}

// resolve follows a $ref (once per level) and returns the target, or x itself.
func (v *validator) resolve(x any) any {
	for i := 0; i < 8; i++ {
		m, ok := x.(map[string]any)
		if !ok {
			return x
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return x
		}
		t, err := v.pointer(r)
		if err != nil {
			return nil
		}
		x = t
	}
	return x
}

// pointer resolves a local JSON pointer reference ("#/components/schemas/x").
func (v *validator) pointer(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not a local reference", ref)
	}
	var cur any = v.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
	}
	return cur, nil
}
