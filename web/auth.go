package web

import (
	"net/http"

	"pasched"
	"pasched/accounts"
)

// SignInPage is the sign-in page's view model.
type SignInPage struct{ Next string }

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if userOf(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := newView("Sign in", "signin")
	v.Data = SignInPage{Next: next}
	s.render(w, r, http.StatusOK, "signin", v)
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	next := safeNext(f.Value("next"))
	status := http.StatusUnprocessableEntity
	// As the JSON API: per client before anything is read, then per
	// account once the form names one.
	if s.tooMany(w, f, s.Throttles.LoginIP, s.clientIP(r)) {
		s.renderSignIn(w, r, http.StatusTooManyRequests, f, next)
		return
	}
	email, pw := f.Value("email"), f.Values.Get("password")
	if email == "" {
		f.Add("email", "Enter your email address.")
	}
	if pw == "" {
		f.Add("password", "Enter your password.")
	}
	if !f.HasErrors() && s.tooMany(w, f, s.Throttles.LoginAccount, accountKey(email)) {
		status = http.StatusTooManyRequests
	} else if !f.HasErrors() {
		_, ws, err := s.Accounts.SignIn(r.Context(), email, pw, accounts.ClientInfo{UserAgent: r.UserAgent(), IP: s.clientIP(r)})
		if err == nil {
			// A new session id at every sign-in: whatever session the
			// browser carried (one planted by someone else, say) ends.
			if old := s.sessionToken(r); old != "" {
				if err := s.Accounts.SignOut(r.Context(), old); err != nil {
					s.serverError(w, r, err)
					return
				}
			}
			s.setSessionCookie(w, r, ws)
			s.redirectFlash(w, r, next, "signed-in")
			return
		}
		if pasched.ErrorCode(err) != pasched.EINVALID {
			s.serverError(w, r, err)
			return
		}
		f.Add(nonField, "The email address or password is not right. Check them and try again.")
	}
	s.renderSignIn(w, r, status, f, next)
}

// renderSignIn shows the sign-in form again with f's messages.
func (s *Server) renderSignIn(w http.ResponseWriter, r *http.Request, status int, f *Form, next string) {
	f.sortErrors("email", "password")
	v := newView("Sign in", "signin")
	v.Form = f
	v.Data = SignInPage{Next: next}
	s.render(w, r, status, "signin", v)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := s.Accounts.SignOut(r.Context(), s.sessionToken(r)); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.clearSessionCookie(w, r)
	s.redirectFlash(w, r, "/signin", "signed-out")
}

// home sends a visitor where they start: the calendar once signed in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if userOf(r) == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/calendar", http.StatusSeeOther)
}
