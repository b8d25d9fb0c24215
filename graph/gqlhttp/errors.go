package gqlhttp

import (
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/apiary/apiary/platform"
)

// GQLError translates a platform error for both GraphQL endpoints: the public message,
// extensions.code (a name such as FORBIDDEN), extensions.status (the HTTP status of the REST
// equivalent), DreamFactory's code and context.
func GQLError(e *platform.Error) *gqlerror.Error {
	code := strings.ToUpper(strings.ReplaceAll(http.StatusText(e.Status), " ", "_"))
	if code == "" {
		code = "ERROR"
	}
	ext := map[string]any{"code": code, "status": e.Status}
	if e.Code != e.Status {
		ext["dfCode"] = e.Code
	}
	if e.Context != nil {
		ext["context"] = e.Context
	}
	return &gqlerror.Error{Message: e.Message, Extensions: ext}
}
