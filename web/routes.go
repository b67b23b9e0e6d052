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

	// Signed in.
	m.HandleFunc("GET /calendar", s.requireUser(s.calendarPlaceholder))
}

func (s *Server) calendarPlaceholder(w http.ResponseWriter, r *http.Request) {
	v := newView("Calendar", "calendar")
	s.render(w, r, http.StatusOK, "placeholder", v)
}
