package web

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
	m.HandleFunc("GET /calendar", s.requireUser(s.calendarMonth))
	m.HandleFunc("GET /calendar/week", s.requireUser(s.calendarWeek))
	m.HandleFunc("GET /calendar/day", s.requireUser(s.calendarDay))
	m.HandleFunc("GET /shifts/new", s.requirePA(s.requestForm))
	m.HandleFunc("POST /shifts/new", s.requirePA(s.requestShift))
	m.HandleFunc("GET /requests", s.requirePA(s.myRequests))
	m.HandleFunc("GET /requests/{id}/edit", s.requirePA(s.editRequestForm))
	m.HandleFunc("POST /requests/{id}/edit", s.requirePA(s.editRequest))
	m.HandleFunc("POST /requests/{id}/cancel", s.requirePA(s.cancelRequest))
	m.HandleFunc("GET /schedule", s.requirePA(s.mySchedule))
	m.HandleFunc("GET /profile", s.requireUser(s.profile))
	m.HandleFunc("POST /profile", s.requireUser(s.saveProfile))
	m.HandleFunc("POST /profile/password", s.requireUser(s.changePassword))
	m.HandleFunc("POST /profile/sign-out-everywhere", s.requireUser(s.signOutEverywhere))
}
