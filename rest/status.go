package rest

import (
	"context"
	"net/http"
	"time"

	"github.com/apiary/apiary/platform"
)

// Status answers GET /status without credentials: 200 when the platform database answers,
// 503 otherwise.
func Status(p *platform.Platform) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := p.DB.PingContext(ctx); err != nil {
			writeResponse(w, r, platform.ErrorResponse(platform.Errorf(http.StatusServiceUnavailable,
				"The platform database is not answering.")))
			return
		}
		writeResponse(w, r, platform.OK(map[string]any{"status": "ok", "version": p.Config.Version}))
	}
}
