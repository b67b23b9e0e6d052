// Package web is the browser front end of pasched: server-rendered pages
// that work without JavaScript (post, redirect, render) and are enhanced by
// a little of it (live updates). Pages call the use cases (accounts,
// scheduling) as the JSON API does, never the API itself.
//
// Contracts:
//   - Every route is in routes.go. Pages that need a signed-in user are
//     wrapped in requireUser, admin pages in requireAdmin.
//   - Every state-changing request passes http.CrossOriginProtection.
//   - Nothing is loaded from another origin; the Content-Security-Policy has
//     no 'unsafe-inline' and no 'unsafe-eval'.
//   - Sessions live in the database (accounts.WebSession); the cookie holds
//     a random token whose hash is stored.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/coverage"
	"pasched/internal/clientip"
	"pasched/jobs"
	"pasched/notify"
	"pasched/scheduling"
	"pasched/throttle"
)

// Config is the web app's part of the settings.
type Config struct {
	// HostAllowed reports whether a Host header is one of ALLOWED_HOSTS.
	HostAllowed func(host string) bool
	// TrustedProxies are the peers whose X-Forwarded-Proto and
	// X-Forwarded-For are believed (TRUSTED_PROXIES): behind such a proxy
	// saying https, cookies are Secure, and the client it names is the
	// one the throttles count (as the JSON API does).
	TrustedProxies clientip.TrustedProxies
	// Location is TIME_ZONE: what "today" means on the calendar.
	Location *time.Location
	// SetupDone, when set, runs once the first-run setup has created the
	// admin (serve removes the setup file).
	SetupDone func()
	// Logger receives errors with their incident ids; nil: slog.Default.
	Logger *slog.Logger
}

// Deps are the use cases the pages call.
type Deps struct {
	Accounts   *accounts.Service
	Scheduling *scheduling.Service
	// Coverage (gaps, suggestions, cover offers) and Jobs (the console's
	// jobs page) are optional: without them those pages answer 404.
	Coverage *coverage.Service
	Jobs     *jobs.Admin
	// Notify (notification settings and calendar feeds, a sub-page of the
	// profile) is optional too.
	Notify *notify.Service
	// Throttles limit the sign-in, sign-up, password-reset and setup
	// forms per client IP (and per account where the JSON API does); serve
	// hands both front ends the same Set. nil: no limits.
	Throttles *throttle.Set
	Config    Config
}

// Server serves the web app.
type Server struct {
	Deps
	mux    *http.ServeMux
	pages  *pages
	assets *assets
	cop    *http.CrossOriginProtection
	log    *slog.Logger
	// patterns are the routes registered (routes.go), for tests to walk.
	patterns []string
	// now is the clock of "today"; tests replace it.
	now func() time.Time
	// months keeps the month page's rendered calendar (monthcache.go).
	months monthCache
}

// New builds the server: templates and assets are parsed and hashed at the
// first New of the process (parsed), so a broken template fails at start,
// not on a request.
func New(d Deps) (*Server, error) {
	s := &Server{Deps: d, mux: http.NewServeMux(), log: d.Config.Logger, now: time.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.Config.Location == nil {
		s.Config.Location = time.UTC
	}
	if s.Throttles == nil {
		s.Throttles = &throttle.Set{} // nil limiters: no limits
	}
	files, err := parsed()
	if err != nil {
		return nil, err
	}
	s.assets, s.pages = files.assets, files.pages
	s.cop = http.NewCrossOriginProtection()
	s.cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.routes()
	return s, nil
}

// Mux is where the routes are registered (routes.go); tests walk it.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// Handler is the whole web app with its middleware: panic recovery →
// security headers → allowed hosts → static files → session → cross-origin
// protection → routes.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.securityHeaders(s.hostCheck(s.static(s.session(s.cop.Handler(s.mux))))))
}

// csp forbids inline script and style and every other origin.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) hostCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Config.HostAllowed != nil && !s.Config.HostAllowed(r.Host) {
			http.Error(w, "Bad Request (400)", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) static(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, "/static/") {
			if s.assets.serve(w, r) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, pasched.Errorf(pasched.EINTERNAL, "panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// fromTrustedProxy reports whether r came through a proxy we believe.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	return s.Config.TrustedProxies.FromTrustedProxy(r.RemoteAddr)
}

// secure reports whether the browser reached us over TLS, directly or
// through a trusted proxy that says so.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// clientIP is the browser's address, for the throttles, sessions and
// logs: the peer, or the client a trusted proxy names, by the same rule as
// the JSON API (clientip).
func (s *Server) clientIP(r *http.Request) string {
	return s.Config.TrustedProxies.ClientIP(r)
}

// today is the current date in TIME_ZONE.
func (s *Server) today() time.Time {
	return s.now().In(s.Config.Location)
}

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
)

func withValue(r *http.Request, k ctxKey, v any) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), k, v))
}
