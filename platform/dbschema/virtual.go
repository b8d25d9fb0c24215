package dbschema

import (
	"slices"
	"sort"
	"strings"
)

// WithRelations returns a copy of s in which each table named by a key of extra (lower-case
// table name) has the relations of extra appended after its own, in the given order. s is not
// changed: tables that gain relations are copied, the others are shared. A relation whose
// name a table already has (case-insensitively), or whose table is unknown, is left out and
// returned in skipped. Callers validate relations against s before; WithRelations does not
// look at their fields.
func WithRelations(s *Schema, extra map[string][]*Relation) (out *Schema, skipped []*Relation) {
	if len(extra) == 0 {
		return s, nil
	}
	out = s.shallowCopy()
	for key, rels := range extra {
		t, ok := s.Tables[strings.ToLower(key)]
		if !ok {
			skipped = append(skipped, rels...)
			continue
		}
		cp := *t
		cp.Related = append([]*Relation(nil), t.Related...)
		for _, r := range rels {
			if _, dup := cp.Relation(r.Name); dup {
				skipped = append(skipped, r)
				continue
			}
			cp.Related = append(cp.Related, r)
		}
		out.Tables[strings.ToLower(key)] = &cp
	}
	return out, skipped
}

// WithExtras returns a copy of s in which the relations named in extras (lower-case table
// name → lower-case relation name → extras) have those extras instead of their own. s is not
// changed: the tables and relations that change are copied, the others are shared. An entry
// whose table or relation s lacks is left out and returned in missing ("table" or
// "table/relation", as the keys of extras spell them).
func WithExtras(s *Schema, extras map[string]map[string]Extras) (out *Schema, missing []string) {
	if len(extras) == 0 {
		return s, nil
	}
	out = s.shallowCopy()
	for key, byName := range extras {
		t, ok := s.Tables[strings.ToLower(key)]
		if !ok {
			missing = append(missing, key)
			continue
		}
		cp := *t
		cp.Related = append([]*Relation(nil), t.Related...)
		for name, x := range byName {
			i := slices.IndexFunc(cp.Related, func(r *Relation) bool { return strings.EqualFold(r.Name, name) })
			if i < 0 {
				missing = append(missing, key+"/"+name)
				continue
			}
			rc := *cp.Related[i]
			rc.Extras = x
			cp.Related[i] = &rc
		}
		out.Tables[strings.ToLower(key)] = &cp
	}
	sort.Strings(missing)
	return out, missing
}

// shallowCopy returns a copy of s whose table map is its own; the tables are shared.
func (s *Schema) shallowCopy() *Schema {
	out := &Schema{Tables: make(map[string]*Table, len(s.Tables)), Names: s.Names}
	for k, t := range s.Tables {
		out.Tables[k] = t
	}
	return out
}
