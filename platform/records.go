package platform

// WrapHint is the advice DreamFactory adds when records are not wrapped.
const WrapHint = " Please make sure record(s) are wrapped in a 'resource' tag. Example: {\"resource\":[{\"record\":1},{\"record\":2}]}"

// Records returns the records of a collection write: {"resource":[…]} or a bare array.
// A bare object is not a record list (DreamFactory's rule).
func Records(payload any) ([]map[string]any, error) {
	var list []any
	switch x := payload.(type) {
	case []any:
		list = x
	case map[string]any:
		l, ok := x["resource"].([]any)
		if !ok {
			return nil, BadRequest("No record(s) detected in request." + WrapHint)
		}
		list = l
	default:
		return nil, BadRequest("No record(s) detected in request." + WrapHint)
	}
	if len(list) == 0 {
		return nil, BadRequest("No record(s) detected in request." + WrapHint)
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, BadRequest("Record %d is not a JSON object.", i)
		}
		out[i] = m
	}
	return out, nil
}

// Record returns the record of a by-id write: a bare object, or the first of a list.
func Record(payload any) (map[string]any, error) {
	if m, ok := payload.(map[string]any); ok {
		if l, ok := m["resource"].([]any); ok && len(l) > 0 {
			if r, ok := l[0].(map[string]any); ok {
				return r, nil
			}
		}
		if _, ok := m["resource"]; !ok {
			return m, nil
		}
	}
	if l, ok := payload.([]any); ok && len(l) > 0 {
		if r, ok := l[0].(map[string]any); ok {
			return r, nil
		}
	}
	return nil, BadRequest("No record detected in request: send a JSON object with the fields to change.")
}

// ContentRecords returns the records of a read's answer: the objects in {"resource": […]} or
// in a bare list (a script may have handed back either). Anything else holds none.
func ContentRecords(content any) []map[string]any {
	var list []any
	switch x := content.(type) {
	case map[string]any:
		switch l := x["resource"].(type) {
		case []any:
			list = l
		case []map[string]any:
			return l
		}
	case []any:
		list = x
	case []map[string]any:
		return x
	}
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
