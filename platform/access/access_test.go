package access

import (
	"reflect"
	"testing"
)

// rsa builds an entry the way df-core's RoleServiceAccessTest::setRsa does.
func rsa(service, component string, verbs int, requestor Requestor) Entry {
	return Entry{Service: service, Component: component, VerbMask: verbs, RequestorMask: int(requestor)}
}

type check struct {
	service, component string
	r                  Requestor
	want               int
}

// TestMaskRoleServiceAccessMatrix ports df-core tests/RoleServiceAccessTest.php
// (null and blank PHP values are both "" here).
func TestMaskRoleServiceAccessMatrix(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		checks  []check
	}{
		{"no entries (non-admin gets 0)", nil, []check{
			{"system", "*", API, None},
			{"system", "", API, None},
		}},
		{"null service, null/blank component", []Entry{rsa("", "", Get, API)}, []check{
			{"", "", API, Get},
			{"user", "", API, Get},
			{"system", "", API, Get},
			{"system", "app", API, None},
			{"system", "app/1", API, None},
			{"", "admin", API, None},
		}},
		{"null service, star component", []Entry{rsa("", "*", Get, API)}, []check{
			{"", "", API, Get},
			{"user", "", API, Get},
			{"system", "", API, Get},
			{"system", "app", API, Get},
			{"system", "app/1", API, Get},
			{"system", "app/foo/bar", API, Get},
			{"", "admin", API, Get},
		}},
		{"system, null/blank component", []Entry{rsa("system", "", Get, API)}, []check{
			{"system", "", API, Get},
			{"user", "", API, None},
			{"system", "app", API, None},
			{"system", "app/1", API, None},
			{"", "admin", API, None},
		}},
		{"system star plus admin/password", []Entry{
			rsa("system", "*", Get|Delete, API),
			rsa("system", "admin/password", Post, API),
		}, []check{
			{"system", "", API, Get | Delete},
			{"user", "", API, None},
			{"system", "app", API, Get | Delete},
			{"system", "app/1", API, Get | Delete},
			{"system", "role", API, Get | Delete},
			{"system", "role/1", API, Get | Delete},
			{"system", "admin/password", API, Post},
			{"", "admin", API, None},
		}},
		{"system app", []Entry{rsa("system", "app", Get, API)}, []check{
			{"system", "app", API, Get},
			{"system", "app/1", API, None},
			{"system", "", API, None},
			{"system", "role", API, None},
			{"user", "", API, None},
		}},
		{"system app/*", []Entry{rsa("system", "app/*", Get, API)}, []check{
			{"system", "app", API, Get},
			{"system", "app/1", API, Get},
			{"system", "", API, None},
			{"system", "role", API, None},
			{"user", "", API, None},
		}},
		{"system app and app/*", []Entry{
			rsa("system", "app", Get, API),
			rsa("system", "app/*", Get, API),
		}, []check{
			{"system", "app", API, Get},
			{"system", "app/1", API, Get},
			{"system", "", API, None},
			{"system", "role", API, None},
			{"user", "", API, None},
		}},
		{"most specific overwrite: * vs app", []Entry{
			rsa("system", "*", Get, API),
			rsa("system", "app", Post, API),
		}, []check{
			{"system", "", API, Get},
			{"system", "role", API, Get},
			{"system", "app", API, Post},
		}},
		{"most specific overwrite: app vs app/*", []Entry{
			rsa("system", "app", Get, API),
			rsa("system", "app/*", Post, API),
		}, []check{
			{"system", "app", API, Get},
			{"system", "app/1", API, Post},
			{"system", "role", API, None},
		}},
		{"multi verb", []Entry{rsa("system", "role", Get|Post|Put|Patch, API)}, []check{
			{"system", "role", API, 15},
			{"system", "role/1", API, None},
		}},
		{"multi verb: OR within a level", []Entry{
			rsa("system", "role", Get, API),
			rsa("system", "role", Post, API),
			rsa("system", "role", Patch, API),
		}, []check{
			{"system", "role", API, Get | Post | Patch},
		}},
		{"requestor API vs SCRIPT", []Entry{
			rsa("system", "role", Get, API),
			rsa("system", "role", Post, Script),
			rsa("system", "role", Patch, API),
		}, []check{
			{"system", "role", API, Get | Patch},
			{"system", "role", Script, Post},
		}},
		{"requestor both", []Entry{
			rsa("system", "role", Get, API),
			rsa("system", "role", Post, Script),
			rsa("system", "role", Patch, API),
			rsa("system", "role", Delete, API|Script),
		}, []check{
			{"system", "role", API, Get | Patch | Delete},
			{"system", "role", Script, Post | Delete},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.checks {
				if got := Mask(tc.entries, c.service, c.component, c.r); got != c.want {
					t.Errorf("Mask(%q, %q, %d) = %d, want %d", c.service, c.component, c.r, got, c.want)
				}
			}
		})
	}
}

// TestMaskLevels covers the level rules beyond the df-core matrix.
func TestMaskLevels(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		checks  []check
	}{
		{"requestor_mask 0 matches nothing", []Entry{
			{Service: "db", Component: "*", VerbMask: All},
			{Service: "", Component: "*", VerbMask: All},
		}, []check{
			{"db", "_table/x", API, None},
			{"db", "", Script, None},
		}},
		{"requestor 0 matches nothing", []Entry{rsa("db", "*", All, API|Script)}, []check{
			{"db", "_table", 0, None},
		}},
		{"skipped requestor does not shadow a wider level", []Entry{
			rsa("db", "_table/x", Get, Script),
			rsa("db", "*", All, API),
		}, []check{
			{"db", "_table/x", API, All},
			{"db", "_table/x", Script, Get},
		}},
		{"service and component are case-insensitive", []Entry{rsa("DB", "_Table/Contact", Get, API)}, []check{
			{"db", "_table/contact", API, Get},
			{"Db", "_TABLE/CONTACT", API, Get},
		}},
		{"stored component trimmed at both ends", []Entry{
			rsa("db", "_table/contact/", Get, API),
			rsa("db", "/_table/account", Post, API),
		}, []check{
			{"db", "_table/contact", API, Get},
			{"db", "_table/account", API, Post},
			{"db", "_table/contact/5", API, None},
			{"db", "", API, None},
		}},
		{"_table/* prefix", []Entry{rsa("db", "_table/*", Get, API)}, []check{
			{"db", "_table", API, Get},
			{"db", "_table/x", API, Get},
			{"db", "_table/x/5", API, Get},
			{"db", "", API, None},
			{"db", "_schema", API, None},
			{"db", "_tables", API, None},
		}},
		{"_table/x/* prefix", []Entry{rsa("db", "_table/contact/*", Get|Put, API)}, []check{
			{"db", "_table/contact", API, Get | Put},
			{"db", "_table/contact/5", API, Get | Put},
			{"db", "_table/contact/5/6", API, Get | Put},
			{"db", "_table/contacts", API, None},
			{"db", "_table", API, None},
			{"db", "_table/account", API, None},
		}},
		{"admin UI pair: contact/ and contact/*", []Entry{
			rsa("db", "_table/contact/", Get, API),
			rsa("db", "_table/contact/*", Get|Delete, API),
		}, []check{
			{"db", "_table/contact", API, Get},
			{"db", "_table/contact/5", API, Get | Delete},
		}},
		{"star not at the end never matches", []Entry{rsa("db", "_table/*/x", All, API)}, []check{
			{"db", "_table/a/x", API, None},
			{"db", "_table/*/x", API, All}, // literal exact match only
		}},
		{"exact beats prefix even when narrower", []Entry{
			rsa("db", "_table/*", All, API),
			rsa("db", "_table/contact", Get, API),
		}, []check{
			{"db", "_table/contact", API, Get},
			{"db", "_table/contact/5", API, All},
			{"db", "_table/account", API, All},
		}},
		{"exact level with mask 0 still wins", []Entry{
			rsa("db", "*", All, API),
			rsa("db", "_table/secret", None, API),
		}, []check{
			{"db", "_table/secret", API, None},
			{"db", "_table/other", API, All},
		}},
		{"service * shares the prefix level for non-empty components", []Entry{
			rsa("db", "*", Get, API),
			rsa("db", "_table/*", Post, API),
		}, []check{
			{"db", "_table/x", API, Get | Post},
			{"db", "_schema", API, Get},
			{"db", "", API, Get},
		}},
		{"service root: exact empty beats *", []Entry{
			rsa("db", "*", Get, API),
			rsa("db", "", Delete, API),
		}, []check{
			{"db", "", API, Delete},
			{"db", "_table", API, Get},
		}},
		{"service level beats all-services level", []Entry{
			rsa("", "*", All, API),
			rsa("db", "*", Get, API),
		}, []check{
			{"db", "_table/x", API, Get},
			{"db", "", API, Get},
			{"files", "x", API, All},
			{"files", "", API, All},
		}},
		{"all-services: ORs within its level", []Entry{
			rsa("", "*", Get, API),
			rsa("", "", Post, API),
		}, []check{
			{"db", "", API, Get | Post},
			{"db", "_table", API, Get},
		}},
		{"all-services entry with a specific component only matches as its own service", []Entry{rsa("", "_table/*", All, API)}, []check{
			{"db", "_table/x", API, None},
			{"", "_table/x", API, All},
		}},
		{"placeholder component matches entries by regex", []Entry{rsa("db", "_table/contact", Get, API)}, []check{
			{"db", "_table/{table}", API, Get},
			{"db", "_table/{table}/{id}", API, None},
			{"db", "_schema/{table}", API, None},
		}},
		{"placeholder: exact wins, and star entries use the star rule", []Entry{
			rsa("db", "_table/contact", Get, API),
			rsa("db", "_table/{table}", Delete, API),
			rsa("db", "_proc/*", Post, API),
		}, []check{
			{"db", "_table/{table}", API, Delete},
			{"db", "_proc/{name}", API, Post},
		}},
		{"placeholder regex is anchored and case-insensitive", []Entry{
			rsa("db", "x_table/contact", Get, API),
			rsa("db", "_Table/Contact", Put, API),
		}, []check{
			{"db", "_table/{table}", API, Put},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range tc.checks {
				if got := Mask(tc.entries, c.service, c.component, c.r); got != c.want {
					t.Errorf("Mask(%q, %q, %d) = %d, want %d", c.service, c.component, c.r, got, c.want)
				}
			}
		})
	}
}

func TestComponent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"/", ""},
		{"//", ""},
		{"_table", "_table"},
		{"/_table/Contact/", "_table/contact"},
		{"_table/contact//", "_table/contact"},
		{"//_table/contact/5", "_table/contact/5"},
		{"Admin/Session", "admin/session"},
		{"_proc/myproc(1,2)", "_proc/myproc"},
		{"_func/F()", "_func/f"},
		{"_proc/p(a)/", "_proc/p"},
		{"_table/x/(a)", "_table/x/"},
		{"a(b)c(d)", "ac(d)"},
		{"a(b", "a(b"},
		{"a)b", "a)b"},
		{")(x", ")(x"},         // substr_replace with length 0 inserts nothing
		{"a)b(cdef", "a)bf"},   // negative length: stops 1 byte before the end
		{"x)y(", "x)y("},       // negative length clamped to 0
		{"ÄBC/Déf", "Äbc/déf"}, // ASCII-only lowering, like strtolower
	}
	for _, tc := range tests {
		if got := Component(tc.in); got != tc.want {
			t.Errorf("Component(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVerbMask(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"GET", 1}, {"get", 1}, {"POST", 2}, {"PUT", 4}, {"PATCH", 8}, {"Delete", 16},
		{"OPTIONS", 32}, {"HEAD", 64}, {"COPY", 128}, {"TRACE", 256}, {"CONNECT", 512},
		{"READ", 1}, {"create", 2}, {"UPDATE", 4},
		{"MERGE", 0}, {"", 0}, {"GETX", 0},
	}
	for _, tc := range tests {
		if got := VerbMask(tc.in); got != tc.want {
			t.Errorf("VerbMask(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if All != 31 {
		t.Errorf("All = %d, want 31", All)
	}
}

func TestIsException(t *testing.T) {
	tests := []struct {
		service, component, method string
		want                       bool
	}{
		{"user", "session", "GET", true},
		{"user", "session", "POST", true},
		{"user", "session", "PUT", true},
		{"user", "session", "PATCH", true},
		{"user", "session", "DELETE", true},
		{"user", "session", "HEAD", false},
		{"user", "session", "OPTIONS", false},
		{"user", "password", "POST", true},
		{"user", "password", "GET", false},
		{"user", "password", "PUT", false},
		{"user", "register", "POST", true},
		{"user", "register", "GET", false},
		{"user", "register", "PATCH", false},
		{"user", "profile", "GET", true},
		{"user", "profile", "POST", true},
		{"user", "profile", "PUT", true},
		{"user", "profile", "PATCH", true},
		{"user", "profile", "DELETE", false},
		{"system", "admin/session", "POST", true},
		{"system", "admin/session", "DELETE", true},
		{"system", "admin/password", "POST", true},
		{"system", "admin/password", "GET", false},
		{"system", "environment", "GET", true},
		{"system", "environment", "POST", false},
		{"USER", "Session", "post", true},
		{"user", "session/1", "GET", false},
		{"user", "session/", "GET", false},
		{"user", "", "GET", false},
		{"user", "admin/session", "GET", false},
		{"system", "session", "GET", false},
		{"system", "admin", "GET", false},
		{"db", "session", "GET", false},
		{"user", "custom", "GET", false},
	}
	for _, tc := range tests {
		if got := IsException(tc.service, tc.component, tc.method); got != tc.want {
			t.Errorf("IsException(%q, %q, %q) = %v, want %v", tc.service, tc.component, tc.method, got, tc.want)
		}
	}
}

func TestAllowed(t *testing.T) {
	role := []Entry{
		rsa("db", "_table/*", Get, API),
		rsa("db", "_table/contact", Get|Post, API),
		rsa("user", "*", Get, API),
	}
	tests := []struct {
		entries                    []Entry
		service, component, method string
		r                          Requestor
		want                       bool
	}{
		{nil, "user", "session", "POST", API, true},
		{nil, "user", "session", "POST", Script, true},
		{nil, "system", "environment", "GET", API, true},
		{nil, "db", "_table", "GET", API, false},
		{nil, "user", "profile", "DELETE", API, false},
		{role, "db", "_table/x", "GET", API, true},
		{role, "db", "_table/x", "POST", API, false},
		{role, "db", "_table/contact", "POST", API, true},
		{role, "db", "_table/contact/5", "POST", API, false},
		{role, "db", "_table/contact/5", "GET", API, true},
		{role, "db", "_table/x", "HEAD", API, false},
		{role, "db", "_table/x", "BREW", API, false},
		{role, "db", "_table/x", "GET", Script, false},
		{role, "user", "password", "GET", API, true},  // granted by the role
		{role, "user", "password", "POST", API, true}, // exception after the role fails
		{role, "user", "password", "DELETE", API, false},
		{role, "db", "", "GET", API, false},
	}
	for _, tc := range tests {
		if got := Allowed(tc.entries, tc.service, tc.component, tc.method, tc.r); got != tc.want {
			t.Errorf("Allowed(%d entries, %q, %q, %q, %d) = %v, want %v",
				len(tc.entries), tc.service, tc.component, tc.method, tc.r, got, tc.want)
		}
	}
}

func TestRowFilters(t *testing.T) {
	fA := []Filter{{Name: "owner_id", Operator: "=", Value: "{user.id}"}}
	fB := []Filter{{Name: "region", Operator: "IN", Value: "(1,2)"}}
	fC := []Filter{{Name: "deleted", Operator: "IS NULL"}}
	fD := []Filter{{Name: "public", Operator: "=", Value: true}}
	with := func(e Entry, f []Filter, op string) Entry { e.Filters, e.FilterOp = f, op; return e }

	tests := []struct {
		name                   string
		entries                []Entry
		service, table, method string
		r                      Requestor
		want                   []Filter
		wantOp                 string
		wantOK                 bool
	}{
		{"exact beats prefix", []Entry{
			with(rsa("db", "_table/*", Get, API), fB, ""),
			with(rsa("db", "_table/contact", Get, API), fA, ""),
		}, "db", "contact", "GET", API, fA, "AND", true},
		{"prefix when no exact", []Entry{
			with(rsa("db", "_table/*", Get, API), fB, "OR"),
			with(rsa("db", "_table/account", Get, API), fA, ""),
		}, "db", "contact", "GET", API, fB, "OR", true},
		{"service * alone", []Entry{with(rsa("db", "*", All, API), fC, "")},
			"db", "contact", "DELETE", API, fC, "AND", true},
		{"* and _table/* share a level: last wins (* last)", []Entry{
			with(rsa("db", "_table/*", Get, API), fB, ""),
			with(rsa("db", "*", Get, API), fC, ""),
		}, "db", "contact", "GET", API, fC, "AND", true},
		{"* and _table/* share a level: last wins (_table/* last)", []Entry{
			with(rsa("db", "*", Get, API), fC, ""),
			with(rsa("db", "_table/*", Get, API), fB, ""),
		}, "db", "contact", "GET", API, fB, "AND", true},
		{"last of several exact entries wins", []Entry{
			with(rsa("db", "_table/contact", Get, API), fA, "AND"),
			with(rsa("db", "_table/contact/", Get|Post, API), fB, "OR"),
		}, "db", "contact", "GET", API, fB, "OR", true},
		{"all-services level never supplies filters", []Entry{
			with(rsa("", "*", All, API), fD, ""),
		}, "db", "contact", "GET", API, nil, "", false},
		{"entries without the verb are skipped, not shadowing", []Entry{
			with(rsa("db", "_table/contact", Post, API), fA, ""),
			with(rsa("db", "_table/*", Get, API), fB, ""),
		}, "db", "contact", "GET", API, fB, "AND", true},
		{"entries for another requestor are skipped", []Entry{
			with(rsa("db", "_table/contact", Get, Script), fA, ""),
			with(rsa("db", "_table/*", Get, API|Script), fB, ""),
		}, "db", "contact", "GET", API, fB, "AND", true},
		{"script requestor sees its own row", []Entry{
			with(rsa("db", "_table/contact", Get, Script), fA, ""),
			with(rsa("db", "_table/*", Get, API|Script), fB, ""),
		}, "db", "contact", "GET", Script, fA, "AND", true},
		{"more specific row without filters switches them off", []Entry{
			rsa("db", "_table/contact", Get, API),
			with(rsa("db", "_table/*", Get, API), fB, ""),
		}, "db", "contact", "GET", API, nil, "", false},
		{"case-insensitive service and table", []Entry{
			with(rsa("DB", "_table/Contact", Get, API), fA, ""),
		}, "db", "CONTACT", "get", API, fA, "AND", true},
		{"other table, no match", []Entry{
			with(rsa("db", "_table/contact", Get, API), fA, ""),
		}, "db", "account", "GET", API, nil, "", false},
		{"other service, no match", []Entry{
			with(rsa("db", "_table/contact", Get, API), fA, ""),
		}, "db2", "contact", "GET", API, nil, "", false},
		{"service root entry does not apply to a table", []Entry{
			with(rsa("db", "", Get, API), fA, ""),
		}, "db", "contact", "GET", API, nil, "", false},
		{"unknown verb, no match", []Entry{
			with(rsa("db", "*", All, API), fA, ""),
		}, "db", "contact", "BREW", API, nil, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, op, ok := RowFilters(tc.entries, tc.service, tc.table, tc.method, tc.r)
			if ok != tc.wantOK || op != tc.wantOp || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("RowFilters = (%v, %q, %v), want (%v, %q, %v)", got, op, ok, tc.want, tc.wantOp, tc.wantOK)
			}
		})
	}

	// The result is a copy.
	entries := []Entry{with(rsa("db", "*", Get, API), []Filter{{Name: "a", Operator: "="}}, "")}
	got, _, ok := RowFilters(entries, "db", "t", "GET", API)
	if !ok || len(got) != 1 {
		t.Fatalf("RowFilters = (%v, %v), want one filter", got, ok)
	}
	got[0].Name = "changed"
	if entries[0].Filters[0].Name != "a" {
		t.Errorf("RowFilters returned the entry's own slice")
	}
}

func TestReachable(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		service string
		r       Requestor
		want    bool
	}{
		{"no entries", nil, "db", API, false},
		{"any component of the service", []Entry{rsa("db", "_table/contact", Get, API)}, "db", API, true},
		{"case-insensitive", []Entry{rsa("db", "_table/contact", Get, API)}, "DB", API, true},
		{"other service", []Entry{rsa("db", "_table/contact", Get, API)}, "files", API, false},
		{"all services via *", []Entry{rsa("", "*", Get, API)}, "files", API, true},
		{"all services via root row", []Entry{rsa("", "", Get, API)}, "files", API, true},
		{"all services via any component", []Entry{rsa("", "_table/*", Get, API)}, "files", API, true},
		{"service rows shadow all-services rows", []Entry{
			rsa("db", "_table/x", None, API),
			rsa("", "*", All, API),
		}, "db", API, false},
		{"all-services still reaches other services", []Entry{
			rsa("db", "_table/x", None, API),
			rsa("", "*", All, API),
		}, "files", API, true},
		{"requestor mismatch", []Entry{rsa("db", "*", Get, Script)}, "db", API, false},
		{"requestor match", []Entry{rsa("db", "*", Get, Script)}, "db", Script, true},
		{"requestor_mask 0", []Entry{{Service: "db", Component: "*", VerbMask: All}}, "db", API, false},
		{"mask 0 only", []Entry{rsa("db", "*", None, API)}, "db", API, false},
	}
	for _, tc := range tests {
		if got := Reachable(tc.entries, tc.service, tc.r); got != tc.want {
			t.Errorf("%s: Reachable(%q, %d) = %v, want %v", tc.name, tc.service, tc.r, got, tc.want)
		}
	}
}

func TestForbiddenMessage(t *testing.T) {
	tests := []struct{ method, service, component, want string }{
		{"GET", "db", "_table/contact",
			"Access Forbidden. GET access to component '_table/contact' of service 'db' is not allowed by this user's role."},
		{"GET", "db", "",
			"Access Forbidden. GET access to service 'db' is not allowed by this user's role."},
		{"DELETE", "system", "admin/1",
			"Access Forbidden. DELETE access to component 'admin/1' of service 'system' is not allowed by this user's role."},
		{"post", "files", "",
			"Access Forbidden. Post access to service 'files' is not allowed by this user's role."},
	}
	for _, tc := range tests {
		if got := ForbiddenMessage(tc.method, tc.service, tc.component); got != tc.want {
			t.Errorf("ForbiddenMessage(%q, %q, %q) =\n %q\nwant\n %q", tc.method, tc.service, tc.component, got, tc.want)
		}
	}
}
