package sqldb

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/apiary/apiary/platform"
	"github.com/apiary/apiary/platform/access"
	"github.com/apiary/apiary/platform/dbschema"
	"github.com/apiary/apiary/platform/filter"
	"github.com/apiary/apiary/platform/sqltable"
)

// rowFilters are a role's server-side filters for one table and verb (reference §5.4).
type rowFilters struct {
	rules []access.Filter
	or    bool
}

// rowFiltersFor returns the role's filters for method on table, or nil (sys-admins and roles
// without filters for it).
func (s *Service) rowFiltersFor(req *platform.Request, table, method string) *rowFilters {
	sess := req.Session
	if sess.SysAdmin || sess.Role == nil {
		return nil
	}
	rules, op, ok := access.RowFilters(sess.Role.Access, s.name, table, method, req.Requestor)
	if !ok || len(rules) == 0 {
		return nil
	}
	return &rowFilters{rules: rules, or: strings.EqualFold(op, "OR")}
}

var lookupToken = regexp.MustCompile(`^\{([^{}]+)\}$`)

// operand turns a rule's value into a filter operand: a {lookup} stays a lookup (resolved when
// compiling), anything else is a literal.
func operand(v any) filter.Value {
	text := fmt.Sprint(v)
	if v == nil {
		return filter.Value{Kind: filter.NullValue}
	}
	if m := lookupToken.FindStringSubmatch(text); m != nil {
		return filter.Value{Kind: filter.LookupValue, Text: m[1]}
	}
	return filter.Value{Kind: filter.LiteralValue, Text: text, Quoted: true}
}

// predicate compiles the filters for reads, updates and deletes: rows outside them do not
// exist for the caller. A rule naming an unknown column is a server-side misconfiguration (500).
func (f *rowFilters) predicate(tbl *sqltable.Table, lookup func(string) (string, bool)) (*entsql.Predicate, error) {
	var terms []filter.Expr
	for _, r := range f.rules {
		op := filter.Op(strings.ToUpper(strings.TrimSpace(r.Operator)))
		c := &filter.Compare{Field: r.Name, Op: op}
		switch op {
		case filter.OpIsNull, filter.OpIsNotNull:
		case filter.OpIn, filter.OpNotIn:
			for _, item := range listOf(r.Value) {
				c.Values = append(c.Values, operand(item))
			}
		default:
			c.Values = []filter.Value{operand(r.Value)}
		}
		terms = append(terms, c)
	}
	var e filter.Expr = terms[0]
	if len(terms) > 1 {
		if f.or {
			e = &filter.Or{Terms: terms}
		} else {
			e = &filter.And{Terms: terms}
		}
	}
	cols := make([]filter.Column, len(tbl.Columns))
	for i, c := range tbl.Columns {
		cols[i] = filter.Column{Name: c.Name, Column: c.Column, Type: sqltable.FilterKind(c.Kind)}
	}
	p, err := filter.Predicate(e, filter.Env{Columns: filter.ColumnSet(cols...), Lookup: lookup})
	if err != nil {
		return nil, &platform.Error{Status: 500, Code: 500, Err: err,
			Message: "The role's row filters for this table can not be applied: " + err.Error()}
	}
	return p, nil
}

// allows checks a record being written to t against the filters: with AND every rule must
// hold, with OR at least one. On create a field the record leaves out counts as NULL; on
// update it is skipped (it keeps a value the filters already allowed).
func (f *rowFilters) allows(t *dbschema.Table, rec map[string]any, create bool, lookup func(string) (string, bool)) error {
	held, checked := 0, 0
	for _, r := range f.rules {
		v, ok := lookupKey(rec, r.Name)
		if !ok && !create {
			continue
		}
		if c, known := t.Column(r.Name); known && ok {
			if cv, err := coerce(c, v, ""); err == nil { // compare the value that is bound
				v = cv
			}
		}
		checked++
		if holds(r, v, lookup) {
			held++
		} else if !f.or {
			return platform.Forbidden("Denied access to some of the requested fields.")
		}
	}
	if f.or && checked > 0 && held == 0 {
		return platform.Forbidden("Denied access to some of the requested fields.")
	}
	return nil
}

// holds evaluates one rule against a value.
func holds(r access.Filter, v any, lookup func(string) (string, bool)) bool {
	want := func(x any) string {
		s := fmt.Sprint(x)
		if m := lookupToken.FindStringSubmatch(s); m != nil {
			s, _ = lookup(m[1])
		}
		return s
	}
	got := fmt.Sprint(v)
	switch strings.ToUpper(strings.TrimSpace(r.Operator)) {
	case "=":
		return v != nil && equal(got, want(r.Value))
	case "!=":
		return v == nil || !equal(got, want(r.Value))
	case ">", ">=", "<", "<=":
		return v != nil && compare(got, want(r.Value), r.Operator)
	case "IN", "NOT IN":
		in := false
		for _, item := range listOf(r.Value) {
			in = in || (v != nil && equal(got, want(item)))
		}
		return in == (strings.ToUpper(r.Operator) == "IN")
	case "STARTS WITH":
		return v != nil && strings.HasPrefix(got, want(r.Value))
	case "ENDS WITH":
		return v != nil && strings.HasSuffix(got, want(r.Value))
	case "CONTAINS":
		return v != nil && strings.Contains(got, want(r.Value))
	case "IS NULL":
		return v == nil
	case "IS NOT NULL":
		return v != nil
	}
	return false
}

// equal compares numerically when both sides are numbers, else as text.
func equal(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return fa == fb
	}
	return a == b
}

func compare(a, b, op string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	c := strings.Compare(a, b)
	if ea == nil && eb == nil {
		switch {
		case fa < fb:
			c = -1
		case fa > fb:
			c = 1
		default:
			c = 0
		}
	}
	switch op {
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	}
	return c <= 0
}

// listOf reads an IN rule's value: a JSON array or a comma list (optionally parenthesised).
func listOf(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	var out []any
	for _, p := range strings.Split(strings.Trim(fmt.Sprint(v), "()"), ",") {
		out = append(out, strings.Trim(strings.TrimSpace(p), `'"`))
	}
	return out
}

// allowCall is nil when the caller's session allows method on component of this service, else
// a 403 that names the component as shown (the pipeline's 403 shows access.Component's form).
func (s *Service) allowCall(req *platform.Request, method, component, shown string) error {
	if req.Session.Allows(s.name, component, method, req.Requestor) {
		return nil
	}
	return platform.Forbidden("%s", access.ForbiddenMessage(method, s.name, shown))
}

// scopeRead ANDs the role's GET row filters for t into q: rows outside them do not exist.
func (s *Service) scopeRead(ctx context.Context, req *platform.Request, t *dbschema.Table, tbl *sqltable.Table, q *sqltable.Query) error {
	rf := s.rowFiltersFor(req, t.Name, http.MethodGet)
	if rf == nil {
		return nil
	}
	p, err := rf.predicate(tbl, s.p.Lookups(ctx, req.Session))
	if err != nil {
		return err
	}
	q.Where = append(q.Where, p)
	return nil
}
