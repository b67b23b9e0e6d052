package api

// calendarRoutes mounts the calendar endpoints.
func (s *Server) calendarRoutes() {}
