package scripting

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/dop251/goja"

	"github.com/apiary/apiary/platform"
)

// benchEventData is a post_process event of a _table read by id.
func benchEventData() map[string]any {
	req := &platform.Request{Method: "GET", Service: "db", Resource: "_table/contact/17",
		Query:  url.Values{"fields": {"id,email"}},
		Header: http.Header{"Accept": {"application/json"}, "X-Dreamfactory-Session-Token": {"x.y.z"}, "User-Agent": {"Go-http-client/1.1"}, "Accept-Encoding": {"gzip"}}}
	ev := &platform.Event{Name: "x", Request: req, Base: "db._table.contact.{id}", Response: platform.OK(map[string]any{"id": int64(17), "first_name": "Jane", "last_name": "Doe", "email": "j@x.test", "city": "Paris", "age": int64(33)})}
	return eventData(ev, true)
}

// BenchmarkToJS measures building a post_process event in a runtime (toJS copies every value
// into native objects); BenchmarkToValueWrap is goja's lazy wrapping of the same data, the
// lower bound a lazy event object (DynamicObject) could reach.
func BenchmarkToJS(b *testing.B) {
	rt := goja.New()
	data := benchEventData()
	b.ReportAllocs()
	for b.Loop() {
		toJS(rt, data)
	}
}

func BenchmarkToValueWrap(b *testing.B) {
	rt := goja.New()
	data := benchEventData()
	b.ReportAllocs()
	for b.Loop() {
		rt.ToValue(data)
	}
}
