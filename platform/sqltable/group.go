package sqltable

import (
	"context"
	"regexp"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
)

// Aggregate is one aggregate in a grouped read: Func of Column (Column "*" only for COUNT),
// returned under Alias (DreamFactory's "SUM_price", "COUNT_ALL") as a value of Kind.
type Aggregate struct {
	Func, Column, Alias string
	Kind                string // see aggregateKind
}

// aggregateKind is the kind an aggregate's value is normalised as: COUNT an int; AVG a float;
// SUM an int over ints, the database's exact value over decimals (a string on PostgreSQL and
// MySQL, as a decimal column reads), else a float; MIN and MAX the column's own kind, so that
// MIN of a date is a date.
func aggregateKind(fn, colKind string) string {
	switch {
	case fn == "COUNT":
		return "int"
	case fn == "AVG":
		return "float"
	case colKind == "int", colKind == "decimal":
		return colKind
	case fn == "SUM", colKind == "float":
		return "float"
	}
	return colKind
}

// CountAll is the key of COUNT(*) in the rows of a grouped read (DreamFactory's).
const CountAll = "COUNT_ALL"

// AggregateAlias is the key of the aggregate fn(col) in the rows of a grouped read: the
// function in upper case, "_" and the field (DreamFactory's "SUM_price"); CountAll for
// COUNT(*).
func AggregateAlias(fn, col string) string {
	if col == "*" {
		return CountAll
	}
	return strings.ToUpper(fn) + "_" + col
}

var aggregatePattern = regexp.MustCompile(`(?i)^(SUM|COUNT|AVG|MIN|MAX)\(\s*([^()\s]+)\s*\)$`)

// ParseGroup reads a grouped read (reference §2.2): group is a comma list of fields; fields
// may list group fields and aggregates SUM|COUNT|AVG|MIN|MAX(field) or COUNT(*). Every name
// must be a column that allowed accepts.
func (t *Table) ParseGroup(group, fields string, allowed func(string) bool) (groupBy, selected []Column, aggs []Aggregate, err error) {
	var cols []Column
	inGroup := map[string]bool{}
	for _, g := range strings.Split(group, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		c, ok := t.Column(g)
		if !ok || (allowed != nil && !allowed(c.Name)) {
			return nil, nil, nil, platform.BadRequest("Invalid or unknown field '%s' in group by clause.", g)
		}
		cols = append(cols, c)
		inGroup[c.Name] = true
	}
	fields = strings.TrimSpace(fields)
	if fields == "" || fields == "*" {
		return cols, cols, nil, nil
	}
	for _, f := range splitFields(fields) {
		if m := aggregatePattern.FindStringSubmatch(f); m != nil {
			fn := strings.ToUpper(m[1])
			if m[2] == "*" {
				if fn != "COUNT" {
					return nil, nil, nil, platform.BadRequest("Invalid field requested: %s (only COUNT takes *).", f)
				}
				aggs = append(aggs, Aggregate{Func: fn, Column: "*", Alias: AggregateAlias(fn, "*"), Kind: "int"})
				continue
			}
			c, ok := t.Column(m[2])
			if !ok || (allowed != nil && !allowed(c.Name)) {
				return nil, nil, nil, platform.BadRequest("Invalid field requested: %s", f)
			}
			aggs = append(aggs, Aggregate{Func: fn, Column: c.Column, Alias: AggregateAlias(fn, c.Name), Kind: aggregateKind(fn, c.Kind)})
			continue
		}
		c, ok := t.Column(f)
		if !ok {
			return nil, nil, nil, platform.BadRequest("Invalid field requested: %s", f)
		}
		if !inGroup[c.Name] {
			return nil, nil, nil, platform.BadRequest("Field '%s' must be in the group by clause or inside an aggregate.", c.Name)
		}
		selected = append(selected, c)
	}
	return cols, selected, aggs, nil
}

// splitFields splits a fields list at commas outside parentheses.
func splitFields(v string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(v[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

// SelectGrouped reads q grouped by group, returning the group columns and aggregates; an
// empty group makes all rows of q one group.
func (t *Table) SelectGrouped(ctx context.Context, db DB, dialect string, q Query, groupBy, cols []Column, aggs []Aggregate) ([]map[string]any, error) {
	sel := entsql.Dialect(dialect).Select().From(entsql.Table(Quote(dialect, t.Name)))
	names := make([]string, 0, len(cols)+len(aggs))
	kinds := make([]string, 0, len(cols)+len(aggs))
	for _, c := range cols {
		sel.AppendSelect(Quote(dialect, c.Column))
		names, kinds = append(names, c.Name), append(kinds, c.Kind)
	}
	for _, a := range aggs {
		a := a
		sel.AppendSelectExprAs(entsql.ExprFunc(func(b *entsql.Builder) {
			b.WriteString(a.Func + "(")
			if a.Column == "*" {
				b.WriteString("*")
			} else {
				b.WriteString(Quote(dialect, a.Column))
			}
			b.WriteString(")")
		}), a.Alias)
		names, kinds = append(names, a.Alias), append(kinds, a.Kind)
	}
	if len(q.Where) > 0 {
		sel.Where(entsql.And(q.Where...))
	}
	group := make([]string, len(groupBy))
	for i, c := range groupBy {
		group[i] = Quote(dialect, c.Column)
	}
	sel.GroupBy(group...)
	for _, o := range q.Order {
		var opts []entsql.OrderTermOption
		if o.Desc {
			opts = append(opts, entsql.OrderDesc())
		}
		entsql.OrderByField(Quote(dialect, o.Column), opts...).ToFunc()(sel)
	}
	if q.Limit > 0 {
		sel.Limit(q.Limit)
	}
	if q.Offset > 0 {
		sel.Offset(q.Offset)
	}
	text, args := sel.Query()
	rows, err := db.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []map[string]any{}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(map[string]any, len(names))
		for i, n := range names {
			row[n] = Normalize(kinds[i], vals[i])
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
