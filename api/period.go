package api

// periodRoutes mounts the period endpoints.
func (s *Server) periodRoutes() {}
