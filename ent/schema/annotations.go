package schema

import "entgo.io/ent/schema"

// annotations converts entgql annotation values to schema annotations.
func annotations(vs []any) []schema.Annotation {
	out := make([]schema.Annotation, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.(schema.Annotation))
	}
	return out
}
