package web

import (
	"net/http"
	"net/url"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/sqlstore"
)

// Session cookie names. Over TLS the __Host- prefix makes the browser
// refuse the cookie unless it is Secure, host-only and for path /.
const (
	cookieName       = "pasched_session"
	secureCookieName = "__Host-pasched_session"
)

func (s *Server) cookieName(r *http.Request) string {
	if s.secure(r) {
		return secureCookieName
	}
	return cookieName
}

// sessionToken is the token of the request's session cookie, "" if none.
func (s *Server) sessionToken(r *http.Request) string {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil {
		return ""
	}
	return c.Value
}

// setSessionCookie hands the browser a new session. It lives as long as the
// session may (the server ends it sooner when idle).
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, ws *accounts.WebSession) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: ws.Token, Path: "/", Expires: ws.ExpiresAt,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// session resolves the session cookie to its user for every request; an
// unknown or ended session is dropped from the browser.
func (s *Server) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := s.sessionToken(r)
		if tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, ws, err := s.Accounts.WebSessionUser(r.Context(), tok)
		switch {
		case err == nil:
			r = withValue(withValue(r, userKey, u), sessionKey, ws)
		case pasched.ErrorCode(err) == pasched.EUNAUTHORIZED:
			s.clearSessionCookie(w, r)
		default:
			s.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// userOf is the signed-in user, nil for an anonymous visitor.
func userOf(r *http.Request) *pasched.User {
	u, _ := r.Context().Value(userKey).(*pasched.User)
	return u
}

// sessionOf is the request's live session, nil for an anonymous visitor.
func sessionOf(r *http.Request) *sqlstore.WebSession {
	ws, _ := r.Context().Value(sessionKey).(*sqlstore.WebSession)
	return ws
}

// requireUser sends an anonymous visitor to sign in, coming back here after.
func (s *Server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if userOf(r) == nil {
			s.toSignIn(w, r)
			return
		}
		h(w, r)
	}
}

// requirePA is requireUser for a PA's own pages (requests, schedule): an
// admin gets 403.
func (s *Server) requirePA(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r)
		if u == nil {
			s.toSignIn(w, r)
			return
		}
		if u.Role != pasched.RolePA {
			s.errorPage(w, r, http.StatusForbidden, "You cannot open this page", "This page is for personal assistants.")
			return
		}
		h(w, r)
	}
}

// requireAdmin is requireUser for the admin's pages: a signed-in PA gets 403.
func (s *Server) requireAdmin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r)
		if u == nil {
			s.toSignIn(w, r)
			return
		}
		if !u.IsAdmin() {
			s.forbidden(w, r)
			return
		}
		h(w, r)
	}
}

// toSignIn redirects to the sign-in page with the page to return to (only a
// GET is worth returning to; a form posted without a session is lost).
func (s *Server) toSignIn(w http.ResponseWriter, r *http.Request) {
	loc := "/signin"
	if r.Method == http.MethodGet {
		loc += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site: a path, never "//host".
func safeNext(next string) string {
	if len(next) < 1 || next[0] != '/' || (len(next) > 1 && (next[1] == '/' || next[1] == '\\')) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
