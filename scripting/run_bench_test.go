package scripting

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/apiary/apiary/ent"
	"github.com/apiary/apiary/platform"
)

// BenchmarkEventRun measures one pre_process run as the pipeline makes it — event built from
// a request, the script, the result read back and applied — without HTTP or a database.
func BenchmarkEventRun(b *testing.B) {
	e := New(Config{})
	defer e.Close()
	s := &ent.EventScript{Name: "db._table.contact.{id}.get.pre_process", Type: "v8js", AllowEventModification: true, Content: `var p = event.request.parameters;
if (p.fields !== undefined && !/^[a-z_,*]+$/.test(p.fields)) {
    throw {status_code: 400, message: "fields may only name columns"};
}
event.request.parameters.fields = "id,first_name,last_name,email,city,age";`}
	header := http.Header{"Accept": {"application/json"}, "X-Dreamfactory-Session-Token": {"x.y.z"}, "User-Agent": {"Go-http-client/1.1"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req := &platform.Request{Method: "GET", Service: "db", Resource: "_table/contact/17", Session: &platform.Session{},
			Query: url.Values{"fields": {"id,email"}}, Header: header}
		ev := &platform.Event{Name: s.Name, Base: "db._table.contact.{id}", Request: req}
		if err := e.runEventScript(ctx, s, ev); err != nil {
			b.Fatal(err)
		}
		if req.Query.Get("fields") != "id,first_name,last_name,email,city,age" {
			b.Fatalf("the script's change was not applied: %v", req.Query)
		}
	}
}
