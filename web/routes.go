package web

import "net/http"

// routes is every page of the web app on one screen. Anonymous pages first,
// then the signed-in user's (requireUser), then the admin's (requireAdmin).
// Every POST passes the cross-origin protection (see Handler).
func (s *Server) routes() {
	m := &routeRecorder{mux: s.mux, s: s}
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
	m.HandleFunc("GET /live/token", s.liveToken) // JSON; 401 when signed out
	m.HandleFunc("GET /profile", s.requireUser(s.profile))
	m.HandleFunc("POST /profile", s.requireUser(s.saveProfile))
	m.HandleFunc("POST /profile/password", s.requireUser(s.changePassword))
	m.HandleFunc("POST /profile/preferences", s.requirePA(s.savePreferences))
	m.HandleFunc("POST /profile/sign-out-everywhere", s.requireUser(s.signOutEverywhere))
	m.HandleFunc("GET /profile/notifications", s.requireUser(s.notifySettingsPage))
	m.HandleFunc("POST /profile/notifications", s.requireUser(s.notifySettingsSave))
	m.HandleFunc("POST /profile/notifications/feed", s.requireUser(s.rotateFeed))

	m.HandleFunc("GET /history", s.requireUser(s.auditTrail))
	m.HandleFunc("GET /offers/{id}", s.requireUser(s.offer))
	m.HandleFunc("POST /offers/{id}/accept", s.requireUser(s.acceptOffer))

	// The admin's console: every route under /admin/ (admin_test.go walks
	// them all: anonymous → sign in, PA → 403).
	// Anything else under /admin/ (another method, a mistyped path) is
	// guarded too before it is a 404, so nothing there answers unguarded.
	m.HandleFunc("/admin/", s.requireAdmin(s.notFound))
	m.HandleFunc("GET /admin/{$}", s.requireAdmin(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/queue", http.StatusSeeOther)
	}))
	m.HandleFunc("GET /admin/queue", s.requireAdmin(s.adminQueue))
	m.HandleFunc("POST /admin/queue/approve", s.requireAdmin(s.adminBulkApprove))
	m.HandleFunc("GET /admin/requests/{id}/approve", s.requireAdmin(s.adminApproveForm))
	m.HandleFunc("POST /admin/requests/{id}/approve", s.requireAdmin(s.adminApprove))
	m.HandleFunc("GET /admin/requests/{id}/reject", s.requireAdmin(s.adminRejectForm))
	m.HandleFunc("POST /admin/requests/{id}/reject", s.requireAdmin(s.adminReject))
	m.HandleFunc("GET /admin/periods", s.requireAdmin(s.adminPeriods))
	m.HandleFunc("POST /admin/periods", s.requireAdmin(s.adminCreatePeriod))
	m.HandleFunc("GET /admin/periods/{id}", s.requireAdmin(s.adminPeriod))
	m.HandleFunc("POST /admin/periods/{id}", s.requireAdmin(s.adminUpdatePeriod))
	m.HandleFunc("POST /admin/periods/{id}/status", s.requireAdmin(s.adminPeriodStatus))
	m.HandleFunc("GET /admin/periods/{id}/finalize", s.requireAdmin(s.adminFinalizeForm))
	m.HandleFunc("POST /admin/periods/{id}/finalize", s.requireAdmin(s.adminFinalize))
	m.HandleFunc("GET /admin/shifts", s.requireAdmin(s.adminShifts))
	m.HandleFunc("GET /admin/shifts/new", s.requireAdmin(s.adminNewShift))
	m.HandleFunc("POST /admin/shifts", s.requireAdmin(s.adminCreateShift))
	m.HandleFunc("GET /admin/shifts/{id}", s.requireAdmin(s.adminEditShift))
	m.HandleFunc("POST /admin/shifts/{id}", s.requireAdmin(s.adminUpdateShift))
	m.HandleFunc("GET /admin/shifts/{id}/delete", s.requireAdmin(s.adminDeleteShiftForm))
	m.HandleFunc("POST /admin/shifts/{id}/delete", s.requireAdmin(s.adminDeleteShift))
	m.HandleFunc("GET /admin/people", s.requireAdmin(s.adminPeople))
	m.HandleFunc("GET /admin/people/new", s.requireAdmin(s.adminNewPerson))
	m.HandleFunc("POST /admin/people", s.requireAdmin(s.adminCreatePerson))
	m.HandleFunc("GET /admin/people/{id}", s.requireAdmin(s.adminPerson))
	m.HandleFunc("POST /admin/people/{id}/profile", s.requireAdmin(s.adminUpdateProfile))
	m.HandleFunc("POST /admin/people/{id}/deactivate", s.requireAdmin(s.adminSetActive(false)))
	m.HandleFunc("POST /admin/people/{id}/reactivate", s.requireAdmin(s.adminSetActive(true)))
	m.HandleFunc("POST /admin/people/{id}/verification", s.requireAdmin(s.adminResendVerification))
	m.HandleFunc("POST /admin/people/{id}/stats", s.requireAdmin(s.adminRecalculateStats))
	m.HandleFunc("GET /admin/coverage", s.requireAdmin(s.adminCoverage))
	m.HandleFunc("POST /admin/offers", s.requireAdmin(s.adminCreateOffer))
	m.HandleFunc("GET /admin/jobs", s.requireAdmin(s.adminJobs))
	m.HandleFunc("POST /admin/jobs/{id}/retry", s.requireAdmin(s.adminJobAction(true)))
	m.HandleFunc("POST /admin/jobs/{id}/cancel", s.requireAdmin(s.adminJobAction(false)))
	m.HandleFunc("GET /admin/audit", s.requireAdmin(s.auditTrail))
}

// routeRecorder registers routes on the mux and keeps their patterns, so a
// test can walk every route (admin_test.go).
type routeRecorder struct {
	mux *http.ServeMux
	s   *Server
}

func (m *routeRecorder) HandleFunc(pattern string, h http.HandlerFunc) {
	m.mux.HandleFunc(pattern, h)
	m.s.patterns = append(m.s.patterns, pattern)
}

// Patterns are the registered route patterns, in registration order.
func (s *Server) Patterns() []string { return s.patterns }
