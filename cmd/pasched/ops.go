package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	"pasched/jobs"
	"pasched/observe"
)

// mailDomain is the domain of DEFAULT_FROM_EMAIL ("PA <noreply@example.com>"
// → "example.com"), the right-hand side of the Message-IDs of job emails;
// empty when the address does not parse (jobs then uses its default).
func mailDomain(from string) string {
	a, err := netmail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, domain, ok := strings.Cut(a.Address, "@")
	if !ok {
		return ""
	}
	return domain
}

// HTTP server limits (README, "Timeouts and limits").
const (
	// readHeaderTimeout cuts a client that sends its headers too slowly.
	readHeaderTimeout = 10 * time.Second
	// bodyTimeout is how long a request's body may take to arrive, from
	// the end of its headers: a client announcing 1,000 bytes and sending
	// one holds a connection and a goroutine no longer than this. Bodies
	// here are small JSON or forms (1 MiB at most).
	bodyTimeout = 20 * time.Second
	// idleTimeout closes a keep-alive connection idle that long.
	idleTimeout = 120 * time.Second
	// maxHeaderBytes bounds a request's header block (Go's default is 1 MiB).
	maxHeaderBytes = 64 << 10
)

// httpServer is serve's HTTP server: headers and bodies are read under
// deadlines (bodyDeadline), except a WebSocket's, which lives as long as
// its session.
func httpServer(h http.Handler, body time.Duration) *http.Server {
	return &http.Server{
		Handler:           bodyDeadline(h, body),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// bodyDeadline reads a request's body under a deadline d from now, lifted
// once the body has been read to its end, so that a slow handler is not cut
// (http.Server's ReadTimeout would also cut WebSockets, and cancel a request
// still working after it). A request without a body costs nothing. The
// reader of a body cut by the deadline gets an error (the API answers 400)
// and the server closes the connection.
func bodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody || isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// deadlineBody lifts the read deadline when the body has been read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// newMetrics registers the process's series over what a holds.
func newMetrics(a *app) *observe.Metrics {
	return observe.New(observe.Sources{
		Sockets: a.hub.Count,
		Events: func() (uint64, uint64) {
			s := a.hub.Stats()
			return s.Messages, s.Dropped
		},
		Emails: func() (uint64, uint64) { return a.jobs.Emails.Sent.Load(), a.jobs.Emails.Failed.Load() },
		Jobs: func(ctx context.Context) ([]observe.JobCount, error) {
			ks, err := jobs.CountJobs(ctx, a.db)
			out := make([]observe.JobCount, len(ks))
			for i, k := range ks {
				out[i] = observe.JobCount{Kind: k.Kind, State: k.State, N: k.N}
			}
			return out, err
		},
		Pools: a.db.PoolStats,
	})
}

// opsHandler serves /metrics (Prometheus text format) and /readyz beside
// next, everything instrumented. /healthz (the API's) stays liveness.
func opsHandler(a *app, m *observe.Metrics, next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("/", next)
	return m.Instrument(mux)
}

// readiness is /readyz's body.
type readiness struct {
	Status     string `json:"status"`
	Database   string `json:"database"`
	Migrations string `json:"migrations"`
}

// readyz answers 200 only when the database answers and every migration
// of this binary is applied, else 503: a load balancer sends traffic only
// to an instance that can serve it.
func (a *app) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	body, status := readiness{"ready", "ok", "applied"}, http.StatusOK
	if pending, err := a.db.PendingMigrations(ctx); err != nil {
		body, status = readiness{"unavailable", "unreachable", "unknown"}, http.StatusServiceUnavailable
	} else if pending > 0 {
		body, status = readiness{"unavailable", "ok", strconv.Itoa(pending) + " pending"}, http.StatusServiceUnavailable
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// logHandler is LOG_FORMAT's handler on stderr, adding each record's
// request id.
func logHandler(format string, level slog.Level) slog.Handler {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if strings.EqualFold(format, "text") {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	return observe.LogHandler(h)
}
