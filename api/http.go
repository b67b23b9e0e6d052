package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pasched"
	"pasched/api/wire"
	"pasched/sqlstore"
)

// writeJSON writes v with status. Bodies are encoded before the header is
// sent so an encoding failure is still a clean 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		status, b = http.StatusInternalServerError, []byte(`{"detail":"A server error occurred."}`)
	}
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// detail is DRF's {"detail": "..."} body.
type detail struct {
	Detail string `json:"detail"`
}

var statusOf = map[string]int{
	pasched.EINVALID:      http.StatusBadRequest,
	pasched.ECONFLICT:     http.StatusBadRequest,
	pasched.ENOTFOUND:     http.StatusNotFound,
	pasched.EUNAUTHORIZED: http.StatusUnauthorized,
	pasched.EFORBIDDEN:    http.StatusForbidden,
	pasched.ETHROTTLED:    http.StatusTooManyRequests,
	pasched.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	pasched.ETOOLARGE:     http.StatusRequestEntityTooLarge,
}

// writeError maps a domain error to the contract's bodies and logs only
// internal errors (what a client is shown is kept apart from what is logged).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ve *validationError
		vw *viewError
	)
	switch {
	case errors.As(err, &ve):
		writeJSON(w, http.StatusBadRequest, ve)
		return
	case errors.As(err, &vw):
		writeJSON(w, statusOf[vw.code], errorBody{vw.msg})
		return
	}
	var e *pasched.Error
	if !errors.As(err, &e) || e.Code == pasched.EINTERNAL {
		if r.Context().Err() != nil {
			// The client went away; nothing to answer.
			return
		}
		if sqlstore.IsUnavailable(err) {
			// The database is away (restarting, cut off): a temporary
			// condition the client may retry, not a server bug.
			slog.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
			w.Header().Set("Retry-After", "5")
			writeJSON(w, http.StatusServiceUnavailable, detail{"Service temporarily unavailable, try again later."})
			return
		}
		slog.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "client", clientIP(r), "err", err)
		writeJSON(w, http.StatusInternalServerError, detail{"A server error occurred."})
		return
	}
	if len(e.Fields) > 0 {
		writeJSON(w, http.StatusBadRequest, drfFields(nil, err).(*validationError))
		return
	}
	status := statusOf[e.Code]
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	writeJSON(w, status, detail{e.Message})
}

// Common DRF bodies.
var (
	errNotAuthenticated = pasched.Errorf(pasched.EUNAUTHORIZED, "Authentication credentials were not provided.")
	errPermission       = pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	errNotFound         = pasched.Errorf(pasched.ENOTFOUND, "Not found.")
)

func methodNotAllowed(w http.ResponseWriter, method string, allow []string) {
	w.Header().Set("Allow", strings.Join(allow, ", "))
	writeJSON(w, http.StatusMethodNotAllowed, detail{fmt.Sprintf("Method %q not allowed.", method)})
}

func throttled(w http.ResponseWriter, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSON(w, http.StatusTooManyRequests, detail{fmt.Sprintf("Request was throttled. Expected available in %d %s.", secs, unit)})
}

// formatDateTimePtr is wire.FormatDateTime of t, nil for nil.
func formatDateTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := wire.FormatDateTime(*t)
	return &s
}
