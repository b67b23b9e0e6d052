package api

import "net/http"

// rootRoutes mounts DRF's API root. The seed includes two DefaultRouters
// under api/ (apps/schedules/urls.py first, then apps/shifts/urls.py); both
// answer "^$", so Django resolves GET /api/ to the first one, whose root
// lists only the schedules router's one registration. The shifts router's
// root is never reached, and neither is its "shifts" entry.
func (s *Server) rootRoutes() {
	s.handle("/api/", isAuthenticated, methods{http.MethodGet: s.apiRoot})
	s.describe("/api/", viewMeta{Name: "Api Root", Description: "The default basic root view for DefaultRouter"})
}

// apiRootJSON is APIRootView's body: each router prefix, in registration
// order, linked to its list view by an absolute URL.
type apiRootJSON struct {
	SchedulePeriods string `json:"schedule-periods"`
}

func (s *Server) apiRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, apiRootJSON{SchedulePeriods: absoluteURL(r, "/api/schedule-periods/")})
}
