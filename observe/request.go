package observe

import (
	"bufio"
	"context"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RequestIDHeader carries a request's id: taken from the request when a
// proxy set a sane one, else made here; always sent back.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Instrument gives each request an id (context and X-Request-ID header),
// counts it by route pattern (r.Pattern, as the innermost ServeMux set
// it), method and status with its latency, and logs it at debug level.
// next must pass the same *http.Request down to its ServeMux, or the route
// is the outermost one's.
func (m *Metrics) Instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validID(id) {
			id = newID()
		}
		w.Header()[RequestIDHeader] = []string{id}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			code := sw.code
			if v := recover(); v != nil {
				// Counted as the 500 it becomes, then passed on up.
				m.observe(routeOf(r), methodOf(r.Method), http.StatusInternalServerError, time.Since(start), false)
				panic(v)
			}
			if code == 0 {
				code = http.StatusOK
			}
			d := time.Since(start)
			route := routeOf(r)
			m.observe(route, methodOf(r.Method), code, d, code == http.StatusSwitchingProtocols)
			if slog.Default().Enabled(r.Context(), slog.LevelDebug) {
				slog.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "route", route,
					"status", code, "ms", float64(d.Microseconds())/1000)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// routeOf is the request's route pattern; a request no pattern matched
// (a 400 of the host check, say) is "unmatched".
func routeOf(r *http.Request) string {
	if r.Pattern == "" {
		return "unmatched"
	}
	return r.Pattern
}

// methodOf keeps the metric's labels bounded whatever clients send.
func methodOf(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// validID accepts an incoming id of 1–64 letters, digits, '-', '_' or '.'.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// newID is 16 hex digits (64 random bits: unique enough to find a request
// in the logs, and cheap).
func newID() string {
	s := strconv.FormatUint(rand.Uint64(), 16)
	return strings.Repeat("0", 16-len(s)) + s
}

// statusWriter remembers the status code. Unwrap lets http.ResponseController
// and the WebSocket library reach the connection underneath.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes on, for streamed answers.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes on, for libraries that look for http.Hijacker directly.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// LogHandler adds the request id of the record's context to every record.
func LogHandler(h slog.Handler) slog.Handler { return logHandler{h} }

type logHandler struct{ slog.Handler }

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as)}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name)}
}
