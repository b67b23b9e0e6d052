package web

import "net/http"

// routes is every page of the web app on one screen. Anonymous pages first,
// then the signed-in user's (requireUser), then the admin's (requireAdmin).
// Every POST passes the cross-origin protection (see Handler).
func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("/", s.notFound)
	m.HandleFunc("GET /{$}", s.home)

	// Anonymous.
	m.HandleFunc("GET /signin", s.signInForm)
	m.HandleFunc("POST /signin", s.signIn)
	m.HandleFunc("POST /signout", s.signOut)
	m.HandleFunc("GET /signup", s.signUpForm)
	m.HandleFunc("POST /signup", s.signUp)
	m.HandleFunc("GET /verify-email", s.verifyForm) // the path the emails' links use
	m.HandleFunc("POST /verify-email", s.verify)
	m.HandleFunc("GET /forgot-password", s.forgotForm)
	m.HandleFunc("POST /forgot-password", s.forgot)
	m.HandleFunc("GET /reset-password", s.resetForm) // the path the emails' links use
	m.HandleFunc("POST /reset-password", s.reset)
	m.HandleFunc("GET /setup", s.setupForm)
	m.HandleFunc("POST /setup", s.setup)

	// Signed in.
	m.HandleFunc("GET /calendar", s.requireUser(s.calendarPlaceholder))
}

func (s *Server) calendarPlaceholder(w http.ResponseWriter, r *http.Request) {
	v := newView("Calendar", "calendar")
	s.render(w, r, http.StatusOK, "placeholder", v)
}
