package gqlhttp

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// LimitBody bounds r's body to maxBody bytes for both GraphQL endpoints: a body declared
// larger is answered 413 at once (false); a longer one fails when read.
func LimitBody(w http.ResponseWriter, r *http.Request, maxBody int64) bool {
	if r.ContentLength > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "REQUEST_ENTITY_TOO_LARGE",
			fmt.Sprintf("The request body is larger than the limit of %d bytes.", maxBody))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	return true
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]any{"code": code, "status": status}}}})
}
