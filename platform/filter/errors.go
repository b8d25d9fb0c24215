package filter

import "fmt"

// Error is the only error type returned by Parse and Predicate. Callers map it
// to HTTP 400. Message is complete and safe to show to the client.
type Error struct {
	// Pos is the 0-based byte offset in the filter string that the error
	// refers to, or -1 when the error has no position (for example a tree
	// built by hand).
	Pos int
	// Message is the client-facing text, returned unchanged by Error.
	Message string
}

// Error returns e.Message.
func (e *Error) Error() string { return e.Message }

// syntaxError reports a malformed filter in DreamFactory's wording, with the
// position appended: "Invalid or unparsable filter request: <what> at position N."
func syntaxError(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf("Invalid or unparsable filter request: %s at position %d.", fmt.Sprintf(format, args...), pos)}
}

// rawSQLError refuses a parenthesised or function-call value.
func rawSQLError(pos int) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf("Invalid or unparsable filter request: raw SQL expression at position %d; raw SQL expressions are not allowed in filter values, send a literal or a :param instead.", pos)}
}

// listError is DreamFactory's message for IN / NOT IN without a parenthesised list.
func listError(pos int) *Error {
	return &Error{Pos: pos, Message: "Filter value lists must be wrapped in parentheses."}
}

// fieldError is DreamFactory's message for a field that is not a known column.
func fieldError(pos int, field string) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf("Invalid or unparsable field in filter request: '%s'", field)}
}

// valueError reports a value that does not fit its column, e.g.
// "Field 'age' must be a valid integer."
func valueError(pos int, field, what string) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf("Field '%s' must be %s.", field, what)}
}

// errorf builds an Error with a free-form message.
func errorf(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos, Message: fmt.Sprintf(format, args...)}
}
