package api

// shiftRoutes mounts the shift endpoints.
func (s *Server) shiftRoutes() {}
