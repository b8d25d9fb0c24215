package gqlhttp

// Internals for the external tests of post_test.go.
var (
	WriteResponse       = writeResponse
	ResponseContentType = responseContentType
)

// DecodeParams is decodeParams.
var DecodeParams = decodeParams
