package scripting

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// BenchmarkEventRun measures one pre_process run as the pipeline makes it — event built from
// a request, the script, the result read back and applied — without HTTP or a database.
func BenchmarkEventRun(b *testing.B) {
	e := New(Config{})
	defer e.Close()
	s := script{name: "db._table.contact.get.pre_process", typ: "v8js", modify: true, content: `var p = event.request.parameters;
if (p.fields !== undefined && !/^[a-z_,*]+$/.test(p.fields)) {
    throw {status_code: 400, message: "fields may only name columns"};
}
event.request.parameters.fields = "id,first_name,last_name,email,city,age";`}
	sess := &platform.Session{}
	req := &platform.Request{Method: "GET", Service: "db", Resource: "_table/contact/17",
		Query:  url.Values{"fields": {"id,email"}},
		Header: http.Header{"Accept": {"application/json"}, "X-Dreamfactory-Session-Token": {"x.y.z"}, "User-Agent": {"Go-http-client/1.1"}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ev := &platform.Event{Name: s.name, Base: "db._table.contact.{id}", Request: req}
		_, err := e.exec(ctx, s, sess, nil,
			func(v *vm) *goja.Object { return v.eventObject(eventData(ev, false)) },
			func(v *vm, r result) error {
				res, err := scriptResult(s, r)
				if err == nil && res != nil {
					applyPre(ev, res)
				}
				return err
			})
		if err != nil {
			b.Fatal(err)
		}
	}
}
