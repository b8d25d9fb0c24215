package platform

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a platform error with an HTTP status, a DreamFactory code (the status unless set),
// a public message and optional context (batch results). Err, the internal cause, is logged and
// never shown to clients. Every surface translates *Error: REST to DreamFactory's envelope,
// GraphQL to extensions.code.
type Error struct {
	Status  int
	Code    int
	Message string
	Context any
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the status and a formatted public message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Code: status, Message: fmt.Sprintf(format, args...)}
}

// BadRequest is a 400.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, format, args...)
}

// Unauthorized is a 401.
func Unauthorized(format string, args ...any) *Error {
	return Errorf(http.StatusUnauthorized, format, args...)
}

// Forbidden is a 403.
func Forbidden(format string, args ...any) *Error {
	return Errorf(http.StatusForbidden, format, args...)
}

// NotFound is a 404.
func NotFound(format string, args ...any) *Error { return Errorf(http.StatusNotFound, format, args...) }

// Internal wraps an unexpected failure as a 500 whose message reveals nothing of the cause.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: http.StatusInternalServerError,
		Message: "An internal error occurred. The server log has the details.", Err: err}
}

// AsError returns err as an *Error; anything that is not one becomes Internal(err).
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return Internal(err)
}

// ErrorObject renders an error inside a batch result, in DreamFactory's error shape.
func ErrorObject(err error) map[string]any {
	pe := AsError(err)
	return map[string]any{"code": pe.Code, "context": pe.Context, "message": pe.Message, "status_code": pe.Status}
}

// BatchError is DreamFactory's 400 with code 1000 and per-record results as context: verb is
// "created", "updated" or "deleted"; failed lists the indexes of the failed records.
func BatchError(verb string, failed []int, results []any, rolledBack bool) error {
	msg := fmt.Sprintf("Batch Error: Not all records could be %s.", verb)
	if rolledBack {
		msg += " All changes rolled back."
	}
	return &Error{Status: http.StatusBadRequest, Code: 1000, Message: msg,
		Context: map[string]any{"error": failed, "resource": results}}
}

// MissingRecords is the batch error of an ids read that did not find every record.
func MissingRecords(failed []int, results []any) error {
	return &Error{Status: http.StatusBadRequest, Code: 1000, Message: "Batch Error: Not all requested records could be retrieved.",
		Context: map[string]any{"error": failed, "resource": results}}
}

// BatchMode reads continue/rollback; the default is all-or-nothing, like rollback.
func (r *Request) BatchMode() (cont bool, err error) {
	cont, rb := r.BoolParam("continue"), r.BoolParam("rollback")
	if cont && rb {
		return false, BadRequest("Rollback and continue operations can not be requested at the same time.")
	}
	return cont, nil
}
