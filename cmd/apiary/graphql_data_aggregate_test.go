package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestGraphQLDataAggregates: {t}_aggregate's sum, avg, min and max answer what REST's grouped
// read answers for the same rows (group=contact_id over one contact), on every database kind;
// over no rows they are null and count is 0; the types are in the schema; REST itself still
// refuses aggregates without group.
func TestGraphQLDataAggregates(t *testing.T) {
	for _, kind := range dbBackends(t) {
		t.Run(kind, func(t *testing.T) {
			s := MustServe(t, "sqlite")
			s.addressBookService(kind)
			s.must(200, "PATCH", "/api/v2/db/_schema/contact_info", map[string]any{"field": []any{
				map[string]any{"name": "score", "type": "float"},
				map[string]any{"name": "amount", "type": "decimal", "precision": 10, "scale": 2},
				map[string]any{"name": "since", "type": "date"},
			}})
			s.must(200, "PATCH", "/api/v2/db/_table/contact_info", map[string]any{"resource": []any{
				map[string]any{"id": 1, "score": 1.5, "amount": 10.25, "since": "2020-03-01"},
				map[string]any{"id": 2, "score": 2.25, "amount": 4.75, "since": "2019-12-31"},
				map[string]any{"id": 3, "score": 7, "amount": 1, "since": "2021-01-01"},
			}})
			data := s.mustData("db", `{
				one: contact_info_aggregate(where: {contact_id: {_eq: 1}}) {
					count
					sum { id score amount }
					avg { id score amount }
					min { id email score amount since }
					max { id email score amount since }
				}
				none: contact_info_aggregate(where: {id: {_gt: 100}}) { count sum { id } max { email } }
				all: contact_info_aggregate { count __typename max { __typename id } }
			}`, nil)
			rest := s.must(200, "GET", "/api/v2/db/_table/contact_info?group=contact_id&filter="+url.QueryEscape("contact_id = 1")+"&fields="+
				url.QueryEscape("contact_id,COUNT(*),SUM(id),SUM(score),SUM(amount),AVG(id),AVG(score),AVG(amount),MIN(id),MIN(email),MIN(score),MIN(amount),MIN(since),MAX(id),MAX(email),MAX(score),MAX(amount),MAX(since)"), nil)
			r := rest.(map[string]any)["resource"].([]any)[0].(map[string]any)
			one := data["one"].(map[string]any)
			if !jsonEqual(one["count"], r["COUNT_ALL"]) {
				t.Errorf("count %v, REST %v", one["count"], r["COUNT_ALL"])
			}
			for _, fn := range []string{"sum", "avg", "min", "max"} {
				for col, v := range one[fn].(map[string]any) {
					if want := r[strings.ToUpper(fn)+"_"+col]; !jsonEqual(v, want) {
						t.Errorf("%s(%s) = %v, REST %v", fn, col, v, want)
					}
				}
			}
			// A decimal sums exactly where the database keeps decimals exactly (as a decimal
			// column reads: a string); SQLite keeps them as floats.
			wantSum := "15.00"
			if kind == "sqlite" {
				wantSum = "15"
			}
			if got := fmt.Sprintf("%v %v %v %v", one["min"].(map[string]any)["since"], one["max"].(map[string]any)["email"], one["sum"].(map[string]any)["amount"], one["avg"].(map[string]any)["id"]); got != "2019-12-31 jane@work.test "+wantSum+" 1.5" {
				t.Errorf("min(since) max(email) sum(amount) avg(id): %s", got)
			}
			if kind != "sqlite" {
				s.must(200, "PATCH", "/api/v2/db/_schema/contact_info", map[string]any{"field": []any{
					map[string]any{"name": "big", "type": "decimal", "precision": 30, "scale": 2},
				}})
				s.must(200, "PATCH", "/api/v2/db/_table/contact_info", map[string]any{"resource": []any{
					map[string]any{"id": 1, "big": "123456789012345678.91"}, map[string]any{"id": 2, "big": "0.01"},
				}})
				big := s.mustData("db", `{ contact_info_aggregate(where: {contact_id: {_eq: 1}}) { sum { big } max { big } } }`, nil)
				if got := fmt.Sprint(big["contact_info_aggregate"]); got != "map[max:map[big:123456789012345678.91] sum:map[big:123456789012345678.92]]" {
					t.Errorf("sum and max of decimal(30,2): %s", got)
				}
			}
			if got := fmt.Sprint(data["none"], data["all"]); got != "map[count:0 max:map[email:<nil>] sum:map[id:<nil>]] map[__typename:contact_info_aggregate count:3 max:map[__typename:contact_info_max_fields id:3]]" {
				t.Errorf("none, all: %s", got)
			}
			// REST keeps DreamFactory's rule: aggregates need group.
			if status, _ := s.do("GET", "/api/v2/db/_table/contact_info?fields="+url.QueryEscape("SUM(id)"), nil, creds(s.admin, "")); status != 400 {
				t.Errorf("REST aggregate without group: %d", status)
			}
		})
	}
}

// TestGraphQLDataAggregateAccess: aggregates count only the rows the role's row filters admit,
// typed fields are in the schema (numbers for sum and avg, text and dates too for min and
// max), and a field the type lacks is a validation error.
func TestGraphQLDataAggregateAccess(t *testing.T) {
	s := MustServe(t, "sqlite")
	dbID := s.addressBookService("sqlite")
	f := s.readerFixture()
	s.must(200, "PATCH", fmt.Sprintf("/api/v2/system/role/%d", f.roleID), map[string]any{"role_service_access_by_role_id": []any{
		map[string]any{"service_id": dbID, "component": "_table/contact_info/*", "verb_mask": 1, "requestor_mask": 1,
			"filters": []any{map[string]any{"name": "info_type", "operator": "=", "value": "home"}}}}})
	as := creds(f.token, f.key)
	q := `{ contact_info_aggregate { count sum { id } max { email } } }`
	data, errs := s.gqlData("db", q, nil, as)
	if got := fmt.Sprint(data); len(errs) > 0 || got != "map[contact_info_aggregate:map[count:2 max:map[email:john@home.test] sum:map[id:4]]]" {
		t.Errorf("row-filtered aggregates: %s %v", got, errs)
	}
	if got := fmt.Sprint(s.mustData("db", q, nil)); got != "map[contact_info_aggregate:map[count:3 max:map[email:john@home.test] sum:map[id:6]]]" {
		t.Errorf("the admin's aggregates: %s", got)
	}
	data = s.mustData("db", `{ s: __type(name: "contact_sum_fields") { fields { name type { name } } } m: __type(name: "contact_min_fields") { fields { name type { name } } } }`, nil)
	if got := fmt.Sprint(data); got != "map[m:map[fields:[map[name:id type:map[name:Int]] map[name:first_name type:map[name:String]] map[name:last_name type:map[name:String]] map[name:notes type:map[name:String]]]] s:map[fields:[map[name:id type:map[name:Int]]]]]" {
		t.Errorf("aggregate types: %s", got)
	}
	if _, errs := s.gqlData("db", `{ contact_aggregate { sum { first_name } } }`, nil, creds(s.admin, "")); !strings.Contains(fmt.Sprint(errs), `Cannot query field "first_name" on type "contact_sum_fields"`) {
		t.Errorf("sum of a text field: %v", errs)
	}
}
