// Package api is the HTTP JSON API, a drop-in replacement for the seed's
// Django REST Framework endpoints: same paths (with the trailing slash),
// methods, fields, status codes and error bodies. DRF's conventions live
// here and nowhere else.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"

	"pasched"
	"pasched/accounts"
	"pasched/coverage"
	"pasched/notify"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/throttle"
	"pasched/token"
)

// Config is the HTTP layer's part of the settings.
type Config struct {
	// AllowedHosts is Django's ALLOWED_HOSTS ("*", "example.com", ".example.com").
	AllowedHosts []string
	// CORSOrigins is CORS_ALLOWED_ORIGINS; credentials are allowed for them.
	CORSOrigins []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For gives
	// the client address (TRUSTED_PROXIES); none by default.
	TrustedProxies TrustedProxies
	// Rates of the throttles, per client IP and per account (the
	// lower-cased email of the request); a zero Rate disables one. The API
	// uses those of login, register and password reset; the web app's
	// forms share them (see Deps.Throttles).
	throttle.Rates
}

// DefaultRates are the throttles of a production deployment.
func DefaultRates(c *Config) { c.Rates = throttle.DefaultRates() }

// Deps are the services the API serves.
type Deps struct {
	Accounts   *accounts.Service
	Scheduling *scheduling.Service
	// Coverage serves coverage intelligence (routes mounted when set).
	Coverage *coverage.Service
	// Notify serves notification settings, calendar feeds and unsubscribe
	// links (issue 14); nil leaves those routes out.
	Notify *notify.Service
	DB     *sqlstore.DB
	// Throttles, when set, are the throttles the web app's forms use too
	// (built from Config.Rates), so a client has one budget per action on
	// both front ends; nil: the API builds its own from Config.Rates.
	Throttles *throttle.Set
	Config    Config
}

// Server serves the API.
type Server struct {
	Deps

	// mux also takes the WebSocket and web app handlers (see Mux).
	mux       *http.ServeMux
	throttles map[string]*throttle.Limiter
	// views describe the DRF views for OPTIONS (see describe).
	views map[string]viewMeta
	// now is the throttles' clock; tests replace it.
	now func() time.Time
}

// New builds the server and its routes.
func New(d Deps) *Server {
	s := &Server{Deps: d, mux: http.NewServeMux(), views: map[string]viewMeta{}, now: time.Now}
	set := d.Throttles
	if set == nil {
		set = throttle.NewSet(d.Config.Rates)
	}
	s.throttles = throttleNames(set)
	s.routes()
	return s
}

// Mux is where other packages mount their handlers.
func (s *Server) Mux() *http.ServeMux { return s.mux }

// perm is a view's permission class.
type perm int

const (
	allowAny perm = iota
	isAuthenticated
)

// methods maps an HTTP method to its handler.
type methods map[string]http.HandlerFunc

// drfMethodOrder is the order of APIView.http_method_names, in which DRF
// lists a view's methods in its Allow header.
var drfMethodOrder = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodHead, http.MethodOptions}

// allowedMethods is a view's Allow list as DRF writes it: HEAD wherever
// there is GET, OPTIONS everywhere.
func allowedMethods(m methods) []string {
	var allow []string
	for _, k := range drfMethodOrder {
		_, ok := m[k]
		if _, get := m[http.MethodGet]; ok || (k == http.MethodHead && get) || k == http.MethodOptions {
			allow = append(allow, k)
		}
	}
	return allow
}

// viewMeta is what DRF's SimpleMetadata says of a view on OPTIONS.
type viewMeta struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Renders     []string        `json:"renders"`
	Parses      []string        `json:"parses"`
	Actions     json.RawMessage `json:"actions,omitempty"`
}

// describe gives the view at pattern (as passed to handle) its OPTIONS
// answer; without one a view is named after its path.
func (s *Server) describe(pattern string, m viewMeta) { s.views[pattern] = m }

var (
	renders = []string{"application/json"}
	parses  = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
)

// options answers DRF's OPTIONS metadata for the view at pattern.
func (s *Server) options(w http.ResponseWriter, pattern string) {
	m, ok := s.views[pattern]
	if !ok {
		m.Name = viewNameOf(pattern)
	}
	m.Renders, m.Parses = renders, parses
	writeJSON(w, http.StatusOK, m)
}

// viewNameOf names a view after its path's last literal segment, as DRF
// names a view after its class ("/api/schedule-periods/" → "Schedule Periods").
func viewNameOf(pattern string) string {
	if _, p, ok := strings.Cut(pattern, " "); ok {
		pattern = p
	}
	segs := strings.Split(strings.Trim(pattern, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if seg := segs[i]; seg != "" && !strings.HasPrefix(seg, "{") {
			words := strings.FieldsFunc(seg, func(r rune) bool { return r == '-' || r == '_' })
			for j, wd := range words {
				words[j] = strings.ToUpper(wd[:1]) + wd[1:]
			}
			return strings.Join(words, " ")
		}
	}
	return "Api Root"
}

// handle mounts a DRF-style view: authenticate (when a header is sent, even
// for AllowAny views, as DRF does), check the permission, then dispatch the
// method or answer 405. Every answer carries the view's Allow header, as
// DRF's do.
func (s *Server) handle(pattern string, p perm, m methods) {
	allow := allowedMethods(m)
	allowHeader := []string{strings.Join(allow, ", ")}
	view := pattern
	if strings.HasSuffix(pattern, "/") {
		// Exactly this path, not the subtree (Django's URLs are exact).
		pattern += "{$}"
	}
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Allow"] = allowHeader
		u, err := s.authenticate(r)
		if err != nil {
			s.writeAuthError(w, r, err)
			return
		}
		if p == isAuthenticated && u == nil {
			writeError(w, r, errNotAuthenticated)
			return
		}
		if u != nil {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
		h, ok := m[r.Method]
		if !ok && r.Method == http.MethodHead {
			h, ok = m[http.MethodGet]
		}
		if !ok {
			if r.Method == http.MethodOptions {
				s.options(w, view)
				return
			}
			methodNotAllowed(w, r.Method, allow)
			return
		}
		h(w, r)
	})
}

type userKey struct{}

// userFrom returns the authenticated user of the request, or nil.
func userFrom(r *http.Request) *pasched.User {
	u, _ := r.Context().Value(userKey{}).(*pasched.User)
	return u
}

// errBadHeader is simplejwt's malformed Authorization header.
var errBadHeader = errors.New("Authorization header must contain two space-delimited values")

// authenticate is simplejwt's JWTAuthentication: no header, or a header of
// another type, is anonymous; a bad one is an error.
func (s *Server) authenticate(r *http.Request) (*pasched.User, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, nil
	}
	// Python's header.split(): the first word must be "Bearer" and there
	// must be exactly two.
	kind, rest := nextField(h)
	if kind != "Bearer" {
		return nil, nil
	}
	raw, rest := nextField(rest)
	if raw == "" {
		return nil, errBadHeader
	}
	if more, _ := nextField(rest); more != "" {
		return nil, errBadHeader
	}
	return s.Accounts.Authenticate(r.Context(), raw)
}

// nextField returns the first run of non-space characters of s and what
// follows it (strings.Fields one word at a time, without allocating).
func nextField(s string) (string, string) {
	start := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) })
	if start < 0 {
		return "", ""
	}
	s = s[start:]
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		return s, ""
	}
	return s[:end], s[end:]
}

// tokenError is simplejwt's InvalidToken body.
type tokenError struct {
	Detail   string         `json:"detail"`
	Code     string         `json:"code"`
	Messages []tokenMessage `json:"messages,omitempty"`
}

type tokenMessage struct {
	TokenClass string `json:"token_class"`
	TokenType  string `json:"token_type"`
	Message    string `json:"message"`
}

func (s *Server) writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var body tokenError
	switch {
	case errors.Is(err, token.ErrInvalid), errors.Is(err, token.ErrWrongType), errors.Is(err, token.ErrNoType),
		errors.Is(err, token.ErrNoID), errors.Is(err, token.ErrNoExp):
		body = tokenError{Detail: "Given token not valid for any token type", Code: "token_not_valid",
			Messages: []tokenMessage{{TokenClass: "AccessToken", TokenType: "access", Message: err.Error()}}}
	case errors.Is(err, token.ErrNoUserID):
		body = tokenError{Detail: err.Error(), Code: "token_not_valid"}
	case errors.Is(err, errBadHeader):
		body = tokenError{Detail: err.Error(), Code: "bad_authorization_header"}
	case errors.Is(err, accounts.ErrUserNotFound):
		body = tokenError{Detail: err.Error(), Code: "user_not_found"}
	case errors.Is(err, accounts.ErrUserInactive):
		body = tokenError{Detail: err.Error(), Code: "user_inactive"}
	default:
		writeError(w, r, err)
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	writeJSON(w, http.StatusUnauthorized, body)
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	h := s.recoverer(s.securityHeaders(s.hostCheck(s.cors(s.appendSlash(s.mux)))))
	if len(s.Config.TrustedProxies) > 0 {
		h = s.forwardedFor(h)
	}
	return h
}

// appendSlash is Django's APPEND_SLASH: a path without its trailing slash
// that names a view with one is answered 301 to it, query kept (ServeMux
// would answer 307).
func (s *Server) appendSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "" && p[len(p)-1] != '/' {
			if _, pattern := s.mux.Handler(r); strings.HasSuffix(pattern, "/{$}") {
				loc := r.URL.EscapedPath() + "/"
				if r.URL.RawQuery != "" {
					loc += "?" + r.URL.RawQuery
				}
				w.Header().Set("Location", loc)
				w.WriteHeader(http.StatusMovedPermanently)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("/", s.fallback)
	s.rootRoutes()
	s.authRoutes()
	s.periodRoutes()
	s.shiftRoutes()
	s.calendarRoutes()
	s.coverageRoutes()
	if s.Notify != nil {
		s.notifyRoutes()
	}
	s.openapiRoutes()
}

// health is /healthz's body.
type health struct {
	Status   string `json:"status"`
	Database string `json:"database"`
}

// healthz answers 200 when the database does, 503 when it does not.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, health{"unavailable", "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, health{"ok", "ok"})
}

// fallback answers what no route matched: Django's APPEND_SLASH redirect
// when the path with a slash exists, else 404.
func (s *Server) fallback(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/") {
		probe := r.Clone(r.Context())
		probe.URL.Path += "/"
		probe.URL.RawPath = ""
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			loc := probe.URL.Path
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, loc, http.StatusMovedPermanently)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, detail{"Not found."})
}

// recoverer turns a panic into a 500 instead of a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.Error("panic", "method", r.Method, "path", r.URL.Path, "client", clientIP(r), "panic", v, "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, detail{"A server error occurred."})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// Header values shared by every response (never modified in place).
var (
	hdrNosniff    = []string{"nosniff"}
	hdrDeny       = []string{"DENY"}
	hdrSameOrigin = []string{"same-origin"}
	hdrOrigin     = []string{"Origin"}
	hdrJSON       = []string{"application/json"}
)

// securityHeaders sets what Django's SecurityMiddleware and
// XFrameOptionsMiddleware set, and a little more.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNosniff
		h["X-Frame-Options"] = hdrDeny
		h["Referrer-Policy"] = hdrSameOrigin
		h["Cross-Origin-Opener-Policy"] = hdrSameOrigin
		next.ServeHTTP(w, r)
	})
}

// hostCheck is Django's ALLOWED_HOSTS: an unknown Host gets 400.
func (s *Server) hostCheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !HostAllowed(s.Config.AllowedHosts, r.Host) {
			writeJSON(w, http.StatusBadRequest, detail{"Bad Request (400)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HostAllowed matches a Host header against ALLOWED_HOSTS patterns, as
// Django's validate_host does: the port is ignored, "*" matches anything,
// ".example.com" matches it and its subdomains; case and a trailing dot
// do not count.
func HostAllowed(allowed []string, host string) bool {
	host = stripPort(host)
	host = strings.TrimSuffix(host, ".")
	for _, p := range allowed {
		p = strings.TrimSpace(p)
		switch {
		case p == "*":
			return true
		case strings.HasPrefix(p, "."):
			if strings.EqualFold(host, p[1:]) || (len(host) > len(p) && strings.EqualFold(host[len(host)-len(p):], p)) {
				return true
			}
		case strings.EqualFold(strings.Trim(p, "[]"), strings.Trim(host, "[]")):
			return true
		}
	}
	return false
}

// stripPort removes a ":port" from a Host header ("[::1]:8000" → "[::1]").
func stripPort(host string) string {
	i := strings.LastIndexByte(host, ':')
	if i < 0 || strings.LastIndexByte(host, ']') > i {
		return host
	}
	if host[0] != '[' && strings.IndexByte(host[:i], ':') >= 0 {
		return host // a bare IPv6 address, no port
	}
	return host[:i]
}

var (
	corsAllowHeaders = "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
	corsAllowMethods = "DELETE, GET, OPTIONS, PATCH, POST, PUT"
)

// cors is django-cors-headers with CORS_ALLOWED_ORIGINS and credentials.
func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if v := h["Vary"]; len(v) == 0 {
			h["Vary"] = hdrOrigin
		} else {
			h["Vary"] = append(v[:len(v):len(v)], "Origin")
		}
		origin := r.Header.Get("Origin")
		allowed := origin != "" && slices.Contains(s.Config.CORSOrigins, origin)
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			// A preflight is answered here whatever the origin; only an
			// allowed one gets the headers that let the browser go on.
			if allowed {
				h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
				h.Set("Access-Control-Allow-Methods", corsAllowMethods)
				h.Set("Access-Control-Max-Age", "86400")
			}
			h.Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// throttle answers 429 and returns false when key has used its rate.
func (s *Server) throttle(w http.ResponseWriter, name, key string) bool {
	ok, wait := s.throttles[name].Allow(key, s.now())
	if !ok {
		throttled(w, wait)
	}
	return ok
}
