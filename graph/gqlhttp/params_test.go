package gqlhttp_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/apiary/apiary/graph/gqlhttp"
)

// decodeLikePOST is transport.POST's decoding: encoding/json with UseNumber.
func decodeLikePOST(body []byte) (graphql.RawParams, error) {
	var p graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(&p)
	return p, err
}

// checkDecode fails when decodeParams takes a body and makes of it anything else than
// encoding/json does, and returns whether it took it.
func checkDecode(t *testing.T, body string) bool {
	t.Helper()
	var got graphql.RawParams
	if !gqlhttp.DecodeParams([]byte(body), &got) {
		return false
	}
	want, err := decodeLikePOST([]byte(body))
	if err != nil {
		t.Errorf("decodeParams took %q, which encoding/json refuses: %v", body, err)
		return true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decodeParams(%q):\n got  %#v\n want %#v", body, got, want)
	}
	return true
}

// TestDecodeParamsTakesUsualBodies: what clients send is decoded without encoding/json, and
// as encoding/json decodes it.
func TestDecodeParamsTakesUsualBodies(t *testing.T) {
	for _, body := range []string{
		`{"query":"{ __typename }"}`,
		`{"query":"query($id: Int!) { contact_by_pk(id: $id) { id } }","variables":{"id":42}}`,
		"{\"query\":\"query Q {\\n  contact(where: {city: {_eq: \\\"Lisbon\\\"}}) {\\n\\tid\\n  }\\n}\",\"operationName\":\"Q\",\"variables\":null}",
		` { "query" : "{ a }" , "variables" : { "a" : -1.5e+3, "b": "x\/y", "c": [1, "two", true, false, null, {"d": []}], "e": {} } , "extensions" : {"persistedQuery": {"version": 1}} } ` + "\n",
		`{"query":"{ naïve }","operationName":null,"variables":{"s":"日本","n":0,"m":-0.25,"k":1E9}}`,
		`{"variables":{"a":1,"a":2},"query":"{ x }"}`,
		`{}`,
		`{"query":null,"extensions":null}`,
	} {
		if !checkDecode(t, body) {
			t.Errorf("decodeParams left %q to encoding/json", body)
		}
	}
}

// TestDecodeParamsLeavesTheRest: bodies outside the short decoder's subset go to
// encoding/json, which decides whether they are valid and what they hold.
func TestDecodeParamsLeavesTheRest(t *testing.T) {
	for _, body := range []string{
		``,
		`null`,
		`[]`,
		`{"query":"{ a }"} trailing`,
		`{"query":"{ a }"`,
		`{"Query":"{ a }"}`,
		`{"query":"{ a }","other":1}`,
		`{"query":"{ a }","query":"{ b }"}`,
		`{"query":1}`,
		`{"query":"\u0041"}`,
		"{\"query\":\"a\x01b\"}",
		"{\"query\":\"\xff\"}",
		`{"variables":[1]}`,
		`{"variables":{"a":01}}`,
		`{"variables":{"a":1.}}`,
		`{"variables":{"a":-}}`,
		`{"variables":{"a":1e}}`,
		`{"variables":{"a":tru}}`,
		`{"variables":{"a":1,}}`,
		`{"variables":{"a\u0041":1}}`,
		`{"query":"{ a }",}`,
		`{"query":"\x"}`,
	} {
		if checkDecode(t, body) {
			t.Errorf("decodeParams took %q", body)
		}
	}
}

// FuzzDecodeParams: whatever decodeParams takes, encoding/json decodes alike.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ a }","variables":{"id":1}}`,
		`{"query":"a\nb","operationName":"Q","variables":{"a":[1,{"b":null}],"c":"d"},"extensions":{}}`,
		`{"variables":{"n":-0.5e-7}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, string(body))
	})
}
