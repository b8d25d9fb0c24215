package access

import (
	"regexp"
	"slices"
	"strings"
)

// Entry is one role_service_access row as the resolver needs it.
type Entry struct {
	// Service is the service name, matched ASCII case-insensitively.
	// "" means every service (service_id null).
	Service string
	// Component as stored, e.g. "", "*", "_table/*", "_table/contact/",
	// "_table/contact/*". "/" is trimmed at both ends before matching, as
	// DreamFactory does when it caches the role.
	Component string
	// VerbMask is an OR of Get, Post, … bits.
	VerbMask int
	// RequestorMask is an OR of API and Script; 0 (the DB default) matches
	// nothing.
	RequestorMask int
	// Filters are the row-level filters; stored here, enforced by database
	// services (see RowFilters).
	Filters []Filter
	// FilterOp joins Filters: "AND" or "OR"; "" means "AND".
	FilterOp string
}

// Filter is one server-side row filter, e.g.
// {"name":"owner_id","operator":"=","value":"{user.id}"}.
type Filter struct {
	Name     string `json:"name"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

// level is the specificity class of a matching entry; lower is more specific.
type level int

const (
	levelNone    level = -1
	levelExact   level = 0 // same component, or both empty (service root)
	levelPrefix  level = 1 // '*' rule or "{…}" placeholder rule
	levelService level = 2 // component "*" when the request is the service root
	levelAll     level = 3 // entry service empty: component "*", or both components empty
)

// matcher classifies entries for one request component.
type matcher struct {
	component string
	re        *regexp.Regexp // "{…}" placeholder pattern, built lazily
	reBuilt   bool
}

// classify reports the level entry e falls in for a request on service, or
// levelNone. It mirrors the if/elseif chain of getServicePermissions:
//
// Same service (case-insensitive; "" equals ""), non-empty component:
//   - exact: component equals the entry component (case-insensitive);
//   - prefix: the entry component has its first '*' at p and
//     substr(component+"/", 0, p)+"*" equals it. With p == 0 this is the
//     entry "*" itself, so for a non-empty component a service-wide "*" row
//     lands HERE, ORed with the prefix rows; the separate "*" branch that
//     follows in df-core is unreachable for non-empty components;
//   - prefix: the request component contains "{…}" and, with the first
//     "{…}" replaced, "^head[a-zA-Z0-9_]{1,}$tail" matches the entry
//     component (used for API-docs path templates such as "_table/{table}").
//
// Same service, empty component (service root):
//   - exact: the entry component is empty;
//   - service: the entry component is "*".
//
// Other service: all-services when the entry service is empty and its
// component is "*", or both components are empty.
func (m *matcher) classify(e Entry, service string) level {
	ec := strings.Trim(e.Component, "/")
	if !equalFold(service, e.Service) {
		if e.Service == "" && (ec == "*" || (ec == "" && m.component == "")) {
			return levelAll
		}
		return levelNone
	}
	if m.component == "" {
		switch ec {
		case "":
			return levelExact
		case "*":
			return levelService
		}
		return levelNone
	}
	if equalFold(m.component, ec) {
		return levelExact
	}
	if p := strings.IndexByte(ec, '*'); p >= 0 {
		head := m.component + "/"
		if p < len(head) {
			head = head[:p]
		}
		if equalFold(head+"*", ec) {
			return levelPrefix
		}
	}
	if re := m.placeholder(); re != nil && re.MatchString(ec) {
		return levelPrefix
	}
	return levelNone
}

// placeholder returns the regexp df-core builds when the request component
// holds a "{…}" placeholder, or nil. df-core matches it case-sensitively
// against the original-case request; since components here are lowercased,
// it is matched case-insensitively, like every other comparison. An
// uncompilable pattern matches nothing (preg_match fails in PHP).
func (m *matcher) placeholder() *regexp.Regexp {
	if m.reBuilt {
		return m.re
	}
	m.reBuilt = true
	ws := strings.IndexByte(m.component, '{')
	we := strings.IndexByte(m.component, '}')
	if ws < 0 || we < 0 {
		return nil
	}
	pat := "(?i)^" + phpSubstrReplace(m.component, "[a-zA-Z0-9_]{1,}$", ws, we-ws+1)
	if re, err := regexp.Compile(pat); err == nil {
		m.re = re
	}
	return m.re
}

// Mask returns the verb mask the entries grant for (service, component, r),
// where component comes from Component. Entries whose RequestorMask lacks r
// are ignored. Every other matching entry falls into one level (see
// matcher.classify); masks OR within a level, and the most specific level
// that has at least one matching entry decides, even when its mask is
// narrower or 0. No match gives 0.
//
// Not reproduced: PHP's empty("0"), which makes df-core treat a component
// (or stored component) "0" as the service root.
func Mask(entries []Entry, service, component string, r Requestor) int {
	var masks [4]int
	var found [4]bool
	m := &matcher{component: component}
	for _, e := range entries {
		if int(r)&e.RequestorMask == 0 {
			continue
		}
		if l := m.classify(e, service); l != levelNone {
			masks[l] |= e.VerbMask
			found[l] = true
		}
	}
	for l := range found {
		if found[l] {
			return masks[l]
		}
	}
	return None
}

// RowFilters returns the server-side filters that apply to method on table
// of service, as df-core's getServiceFilters with component "_table/{table}"
// (no record id; one "(…)" group removed, matching is case-insensitive).
//
// Only entries whose requestor matches r AND whose VerbMask includes the verb
// are considered, and only those naming the service itself (never the
// all-services level). Of those, the entry chosen is the LAST one (in slice
// order) of the most specific level: exact, then prefix (which includes a
// "*" row, see matcher.classify). ok is false when no entry qualifies or
// when the chosen entry has no filters — a more specific row without filters
// therefore switches off the filters of a less specific one. op is the
// chosen entry's FilterOp, "AND" when empty. The returned slice is a copy.
func RowFilters(entries []Entry, service, table, method string, r Requestor) (filters []Filter, op string, ok bool) {
	verb := VerbMask(method)
	m := &matcher{component: removeParenGroup("_table/" + table)}
	var chosen [levelAll]*Entry
	for i := range entries {
		e := &entries[i]
		if int(r)&e.RequestorMask == 0 || e.VerbMask&verb == 0 {
			continue
		}
		if l := m.classify(*e, service); l >= levelExact && l < levelAll {
			chosen[l] = e
		}
	}
	for _, e := range chosen {
		if e == nil {
			continue
		}
		if len(e.Filters) == 0 {
			return nil, "", false
		}
		op = e.FilterOp
		if op == "" {
			op = "AND"
		}
		return slices.Clone(e.Filters), op, true
	}
	return nil, "", false
}

// Reachable reports whether the entries grant the requestor anything on
// service, as df-core's allowsServiceAccess (used for the service list of
// GET /api/v2, system/service and the event list). Components are ignored:
// the masks of all rows naming the service (case-insensitive) are ORed; if
// there are none, the masks of all rows with an empty service (whatever
// their component) are ORed instead. Reachable when that OR is non-zero.
// Rows naming the service therefore shadow all-services rows, even with
// mask 0.
func Reachable(entries []Entry, service string, r Requestor) bool {
	var svcMask, allMask int
	svcFound := false
	for _, e := range entries {
		if int(r)&e.RequestorMask == 0 {
			continue
		}
		if equalFold(service, e.Service) {
			svcMask |= e.VerbMask
			svcFound = true
		} else if e.Service == "" {
			allMask |= e.VerbMask
		}
	}
	if svcFound {
		return svcMask != None
	}
	return allMask != None
}
