package sqltable

import (
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/bounded"
	"github.com/apiary/apiary/platform/filter"
)

// ParseFields reads a fields parameter: nil for "" or "*" (every column), else the listed
// names, each of which allowed must accept (400 "Invalid field requested: x").
func (t *Table) ParseFields(v string, allowed func(name string) bool) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "*" {
		return nil, nil
	}
	var out []string
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		c, ok := t.Column(f)
		if !ok || (allowed != nil && !allowed(c.Name)) {
			return nil, platform.BadRequest("Invalid field requested: %s", f)
		}
		out = append(out, c.Name)
	}
	return out, nil
}

// ParseOrder reads an order parameter: "field [asc|desc] [nulls first|last]", comma-separated;
// fields must be columns that allowed accepts; ";" is refused.
func (t *Table) ParseOrder(v string, allowed func(name string) bool) ([]Order, error) {
	if strings.Contains(v, ";") {
		return nil, platform.BadRequest("Invalid order by clause: ';' is not allowed.")
	}
	var out []Order
	for _, part := range strings.Split(v, ",") {
		words := strings.Fields(strings.ToLower(part))
		if len(words) == 0 {
			continue
		}
		c, ok := t.Column(words[0])
		if !ok || (allowed != nil && !allowed(c.Name)) {
			return nil, platform.BadRequest("Invalid field '%s' in order by clause.", words[0])
		}
		o := Order{Column: c.Column}
		rest := words[1:]
		if len(rest) > 0 && (rest[0] == "asc" || rest[0] == "desc") {
			o.Desc = rest[0] == "desc"
			rest = rest[1:]
		}
		if len(rest) == 2 && rest[0] == "nulls" && (rest[1] == "first" || rest[1] == "last") {
			o.Nulls, rest = rest[1], nil
		}
		if len(rest) > 0 {
			return nil, platform.BadRequest("Invalid order by clause '%s': use 'field [asc|desc] [nulls first|last]'.", strings.TrimSpace(part))
		}
		out = append(out, o)
	}
	return out, nil
}

// Filter compiles a DreamFactory filter against the columns allowed accepts; every value is
// bound. Syntax and field errors are 400s that name the problem.
func (t *Table) Filter(text string, allowed func(name string) bool, params map[string]any, lookup func(string) (string, bool)) (*entsql.Predicate, error) {
	e, err := parsed(text)
	if err != nil {
		return nil, platform.BadRequest("%s", err.Error())
	}
	p, err := filter.Predicate(e, filter.Env{Columns: t.filterColumns(allowed), Params: params, Lookup: lookup})
	if err != nil {
		return nil, platform.BadRequest("%s", err.Error())
	}
	return p, nil
}

// filterColumns is the filter language's view of the columns allowed accepts (nil: all, built
// once per table).
func (t *Table) filterColumns(allowed func(name string) bool) func(name string) (filter.Column, bool) {
	build := func() func(name string) (filter.Column, bool) {
		cols := make([]filter.Column, 0, len(t.Columns))
		for _, c := range t.Columns {
			if allowed == nil || allowed(c.Name) {
				cols = append(cols, filter.Column{Name: c.Name, Column: c.Column, Type: FilterKind(c.Kind)})
			}
		}
		return filter.ColumnSet(cols...)
	}
	if allowed != nil {
		return build()
	}
	t.filterOnce.Do(func() { t.filterCols = build() })
	return t.filterCols
}

// FilterKind maps a column kind to the filter language's.
func FilterKind(k string) filter.Kind {
	switch k {
	case "int":
		return filter.Int
	case "float", "decimal":
		return filter.Float
	case "bool":
		return filter.Bool
	case "time", "date":
		return filter.Time
	case "json":
		return filter.JSON
	case "string":
		return filter.String
	}
	return filter.Other
}

// Params returns the filter's :name values from the body's "params" object.
func Params(req *platform.Request) map[string]any {
	if m, ok := req.Payload.(map[string]any); ok {
		if p, ok := m["params"].(map[string]any); ok {
			return p
		}
	}
	return nil
}

// Read is a parsed collection read: the requested fields (nil for all) and the query.
type Read struct {
	Fields []string
	Query
	// LimitGiven: the client sent a valid limit (1…maxRecords). Without one, DreamFactory pages
	// automatically (meta.next).
	LimitGiven bool
}

// ParseRead reads DreamFactory's record parameters from the query string or body, with their
// aliases: fields|select, filter|where, limit|top, offset|skip, order|sort|order_by. A limit of
// zero, below zero or above maxRecords is maxRecords. allowed says which fields may be filtered
// and ordered on (nil: all); lookup resolves {lookup} tokens in filters.
func (t *Table) ParseRead(req *platform.Request, maxRecords int, allowed func(string) bool, lookup func(string) (string, bool)) (*Read, error) {
	r := &Read{Query: Query{Limit: maxRecords}}
	var err error
	if g, grouped := req.Param("group", "group_by"); req.PerParent == nil && (req.Aggregate || grouped && strings.TrimSpace(g) != "") {
		// a grouped (or internal aggregate) read's fields hold aggregates: ParseGroup reads them;
		// a per-parent read is never grouped (platform.PerParent)
	} else if v, ok := req.Param("fields", "select"); ok {
		if r.Fields, err = t.ParseFields(v, nil); err != nil {
			return nil, err
		}
	}
	if v, ok := req.Param("filter", "where"); ok && strings.TrimSpace(v) != "" {
		params, looked := Params(req), false
		look := lookup
		if lookup != nil {
			look = func(name string) (string, bool) { looked = true; return lookup(name) }
		}
		p, err := t.Filter(v, allowed, params, look)
		if err != nil {
			return nil, err
		}
		r.Where = append(r.Where, p)
		if params == nil && !looked && len(v) <= maxParsedText {
			r.filter = &shapedFilter{text: v, pred: p}
		}
	}
	if v, ok := req.Param("limit", "top"); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return nil, platform.BadRequest("Invalid limit '%s': send a whole number.", v)
		}
		if n > 0 && n <= r.Limit {
			r.Limit, r.LimitGiven = n, true
		}
	}
	if v, ok := req.Param("offset", "skip"); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, platform.BadRequest("Invalid offset '%s': send a whole number of zero or more.", v)
		}
		r.Offset = n
	}
	if v, ok := req.Param("order", "sort", "order_by"); ok && strings.TrimSpace(v) != "" {
		if r.Order, err = t.ParseOrder(v, allowed); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Project keeps the requested fields of a row (all when fields is nil) plus extra keys.
func Project(row map[string]any, fields []string, extra ...string) map[string]any {
	if fields == nil {
		return row
	}
	out := make(map[string]any, len(fields)+len(extra))
	for _, f := range fields {
		out[f] = row[f]
	}
	for _, k := range extra {
		if v, ok := row[k]; ok {
			out[k] = v
		}
	}
	return out
}

// parsedFilters caches parsed filters by text: a filter shape is parsed once (trees are never
// changed by compiling).
var parsedFilters = bounded.Map[string, filter.Expr]{Max: 1024}

// maxParsedText: longer filters (long IN lists) are one-offs, not kept.
const maxParsedText = 4 << 10

func parsed(text string) (filter.Expr, error) {
	if e, ok := parsedFilters.Get(text); ok {
		return e, nil
	}
	e, err := filter.Parse(text)
	if err != nil || len(text) > maxParsedText {
		return e, err
	}
	parsedFilters.Put(text, e)
	return e, nil
}
