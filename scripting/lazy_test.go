package scripting

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// TestLazyEvent: the event's data behaves as plain JavaScript objects and arrays, the Go data
// under it is never changed, and export returns the script's changes (or the original data
// when there are none).
func TestLazyEvent(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	src := map[string]any{
		"request": map[string]any{"method": "GET", "parameters": map[string]any{"limit": "2"},
			"payload": map[string]any{"resource": []any{map[string]any{"id": int64(1), "tags": []any{"a"}}}}},
		"untouched": map[string]any{"x": int64(1)},
	}
	var got, ret string
	var exportedRequest, exportedUntouched any
	_, err := e.exec(context.Background(), script{name: "t", typ: TypeV8js, content: `
var r = event.request, out = [];
out.push(event.request === r, Array.isArray(r.payload.resource), r.payload.resource.length);
r.payload.resource.push({id: 2});
r.payload.resource[0].tags.push("b");
r.parameters.fields = "id";
delete r.parameters.limit;
r.added = {nested: [1, 2]};
out.push(Object.keys(r).join("|"), JSON.stringify(r.parameters), "limit" in r.parameters);
var ks = []; for (var k in r.payload.resource[0]) { ks.push(k); }
out.push(ks.join("|"), r.payload.resource.map(function (x) { return x.id; }).join("+"));
return out.join(",");`}, nil, nil,
		func(v *vm) *goja.Object { o, _ := lazyJS(v.rt, src); return o.(*goja.Object) },
		func(v *vm, r result) error {
			ret = r.ret.String()
			exportedRequest = exported(r.event.Get("request"))
			exportedUntouched = exported(r.event.Get("untouched"))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := `true,true,1,method|parameters|payload|added,{"fields":"id"},false,id|tags,1+2`; ret != want {
		t.Errorf("script saw %s\nwant       %s", ret, want)
	}
	got = fmt.Sprint(exportedRequest)
	if want := "map[added:map[nested:[1 2]] method:GET parameters:map[fields:id] payload:map[resource:[map[id:1 tags:[a b]] map[id:2]]]]"; got != want {
		t.Errorf("exported %s\nwant     %s", got, want)
	}
	if fmt.Sprint(src["request"]) != "map[method:GET parameters:map[limit:2] payload:map[resource:[map[id:1 tags:[a]]]]]" {
		t.Errorf("the Go data changed: %v", src["request"])
	}
	if u, ok := exportedUntouched.(map[string]any); !ok || fmt.Sprintf("%p", u) != fmt.Sprintf("%p", src["untouched"]) {
		t.Errorf("an untouched object is not exported as the original map: %v", exportedUntouched)
	}
}

// TestLazyChanges: what the pipeline takes of event.request after a run is the keys the
// script assigned or changed inside (whole values), never those it only read or deleted; a
// request the script replaced is taken whole.
func TestLazyChanges(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	for _, c := range []struct{ script, want string }{
		{`var x = event.request.method + event.request.parameters.limit + JSON.stringify(event.request.headers);`, `map[]`},
		{`event.request.parameters.fields = "id";`, `map[parameters:map[fields:id limit:2]]`},
		{`event.request.method = "GET"; event.request.headers = event.request.headers;`, `map[]`},
		{`event.request.method = "POST"; delete event.request.headers; event.request.extra = [1];`, `map[extra:[1] method:POST]`},
		{`event.request.payload.resource[0].id = 5;`, `map[payload:map[resource:[map[id:5]]]]`},
		{`event.request = {method: "DELETE"};`, `map[method:DELETE]`},
	} {
		src := map[string]any{"request": map[string]any{"method": "GET", "parameters": map[string]any{"limit": "2"},
			"headers": map[string]any{"Accept": "*/*"}, "payload": map[string]any{"resource": []any{map[string]any{"id": int64(1)}}}}}
		var got any
		_, err := e.exec(context.Background(), script{name: "t", typ: TypeV8js, content: c.script}, nil, nil,
			func(v *vm) *goja.Object { o, _ := lazyJS(v.rt, src); return o.(*goja.Object) },
			func(v *vm, r result) error { got = changesOf(r.event.Get("request")); return nil })
		if err != nil {
			t.Fatalf("%s: %v", c.script, err)
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("%s\n changes %v\n want    %s", c.script, got, c.want)
		}
	}
}

// TestLazyArrayGrowthIsBounded: a script cannot make an event array absurdly long (growing
// one is a loop no interrupt reaches): the assignment fails (silently, in sloppy mode).
func TestLazyArrayGrowthIsBounded(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	src := map[string]any{"a": []any{int64(1)}}
	var ret string
	_, err := e.exec(context.Background(), script{name: "t", typ: TypeV8js, content: `
var out = [];
try { event.a.length = 16777216; out.push("grew"); } catch (e) { out.push(e.name); }
try { event.a[16777216] = 1; out.push("set"); } catch (e) { out.push(e.name); }
event.a.push(2);
out.push(event.a.length);
return out.join(",");`}, nil, nil,
		func(v *vm) *goja.Object { o, _ := lazyJS(v.rt, src); return o.(*goja.Object) },
		func(v *vm, r result) error { ret = r.ret.String(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(ret, ",2") {
		t.Errorf("got %s: the array grew", ret)
	}
}

// TestLazyTypedGoData: changes to event data held in typed Go maps and slices are exported.
func TestLazyTypedGoData(t *testing.T) {
	e := New(Config{PoolSize: 1})
	defer e.Close()
	src := map[string]any{"ids": []int64{1, 2}, "labels": map[string]string{"a": "x"}}
	var got any
	_, err := e.exec(context.Background(), script{name: "t", typ: TypeV8js, content: `event.ids.push(3); event.labels.a = "changed";`}, nil, nil,
		func(v *vm) *goja.Object { o, _ := lazyJS(v.rt, src); return o.(*goja.Object) },
		func(v *vm, r result) error { got = exported(r.event); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "map[ids:[1 2 3] labels:map[a:changed]]" {
		t.Errorf("exported %v", got)
	}
}
