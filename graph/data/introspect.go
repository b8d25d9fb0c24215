package data

import (
	"bytes"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
)

// intro writes an introspection object (gqlgen's introspection package) of the given
// __Schema/__Type/… type.
func (x *run) intro(buf *bytes.Buffer, obj any, typ string, sel ast.SelectionSet, path ast.Path) error {
	return x.writeObject(buf, typ, x.collect(sel, typ), path, func(f graphql.CollectedField, p ast.Path) error {
		v, err := introField(obj, f.Name, f.ArgumentMap(x.op.Variables))
		if err != nil {
			return err
		}
		return x.introValue(buf, v, f.Selections, p)
	})
}

func (x *run) introValue(buf *bytes.Buffer, v any, sel ast.SelectionSet, path ast.Path) error {
	list := func(n int, item func(i int) error) error {
		buf.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := item(i); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	}
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		writeString(buf, v)
	case *string:
		if v == nil {
			buf.WriteString("null")
		} else {
			writeString(buf, *v)
		}
	case bool:
		graphql.MarshalBoolean(v).MarshalGQL(buf)
	case []string:
		return list(len(v), func(i int) error { writeString(buf, v[i]); return nil })
	case *introspection.Schema:
		return x.intro(buf, v, "__Schema", sel, path)
	case *introspection.Type:
		if v == nil {
			buf.WriteString("null")
			return nil
		}
		return x.intro(buf, v, "__Type", sel, path)
	case []introspection.Type:
		return list(len(v), func(i int) error { return x.intro(buf, &v[i], "__Type", sel, append(path, ast.PathIndex(i))) })
	case []introspection.Field:
		return list(len(v), func(i int) error { return x.intro(buf, &v[i], "__Field", sel, append(path, ast.PathIndex(i))) })
	case []introspection.InputValue:
		return list(len(v), func(i int) error {
			return x.intro(buf, &v[i], "__InputValue", sel, append(path, ast.PathIndex(i)))
		})
	case []introspection.EnumValue:
		return list(len(v), func(i int) error {
			return x.intro(buf, &v[i], "__EnumValue", sel, append(path, ast.PathIndex(i)))
		})
	case []introspection.Directive:
		return list(len(v), func(i int) error {
			return x.intro(buf, &v[i], "__Directive", sel, append(path, ast.PathIndex(i)))
		})
	default:
		return fmt.Errorf("introspection: unexpected %T", v)
	}
	return nil
}

// introField reads one field of an introspection object.
func introField(obj any, name string, args map[string]any) (any, error) {
	deprecated, _ := args["includeDeprecated"].(bool)
	switch o := obj.(type) {
	case *introspection.Schema:
		switch name {
		case "description":
			return o.Description(), nil
		case "types":
			return o.Types(), nil
		case "queryType":
			return o.QueryType(), nil
		case "mutationType":
			return o.MutationType(), nil
		case "subscriptionType":
			return o.SubscriptionType(), nil
		case "directives":
			return o.Directives(), nil
		}
	case *introspection.Type:
		switch name {
		case "kind":
			return o.Kind(), nil
		case "name":
			return o.Name(), nil
		case "description":
			return o.Description(), nil
		case "specifiedByURL":
			return o.SpecifiedByURL(), nil
		case "fields":
			return nilIfEmpty(o.Fields(deprecated), o.Kind() != "OBJECT" && o.Kind() != "INTERFACE"), nil
		case "interfaces":
			return nilIfEmpty(o.Interfaces(), o.Kind() != "OBJECT" && o.Kind() != "INTERFACE"), nil
		case "possibleTypes":
			return nilIfEmpty(o.PossibleTypes(), o.Kind() != "INTERFACE" && o.Kind() != "UNION"), nil
		case "enumValues":
			return nilIfEmpty(o.EnumValues(deprecated), o.Kind() != "ENUM"), nil
		case "inputFields":
			return nilIfEmpty(o.InputFields(), o.Kind() != "INPUT_OBJECT"), nil
		case "ofType":
			return o.OfType(), nil
		case "isOneOf":
			return o.IsOneOf(), nil
		}
	case *introspection.Field:
		switch name {
		case "name":
			return o.Name, nil
		case "description":
			return o.Description(), nil
		case "args":
			return o.Args, nil
		case "type":
			return o.Type, nil
		case "isDeprecated":
			return o.IsDeprecated(), nil
		case "deprecationReason":
			return o.DeprecationReason(), nil
		}
	case *introspection.InputValue:
		switch name {
		case "name":
			return o.Name, nil
		case "description":
			return o.Description(), nil
		case "type":
			return o.Type, nil
		case "defaultValue":
			return o.DefaultValue, nil
		case "isDeprecated":
			return o.IsDeprecated(), nil
		case "deprecationReason":
			return o.DeprecationReason(), nil
		}
	case *introspection.EnumValue:
		switch name {
		case "name":
			return o.Name, nil
		case "description":
			return o.Description(), nil
		case "isDeprecated":
			return o.IsDeprecated(), nil
		case "deprecationReason":
			return o.DeprecationReason(), nil
		}
	case *introspection.Directive:
		switch name {
		case "name":
			return o.Name, nil
		case "description":
			return o.Description(), nil
		case "locations":
			return o.Locations, nil
		case "args":
			return o.Args, nil
		case "isRepeatable":
			return o.IsRepeatable, nil
		}
	}
	return nil, fmt.Errorf("introspection: unknown field %s on %T", name, obj)
}

// nilIfEmpty is nil (JSON null) for a list that does not apply to the type's kind, as the spec
// requires (fields of a scalar is null, not []).
func nilIfEmpty[T any](list []T, notApplicable bool) any {
	if notApplicable {
		return nil
	}
	if list == nil {
		return []T{}
	}
	return list
}
