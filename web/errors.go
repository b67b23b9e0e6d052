package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"pasched"
	"pasched/sqlstore"
)

// ErrorPage is the view model of the error page.
type ErrorPage struct {
	Status  int
	Message string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	v := newView(title, "")
	v.Data = ErrorPage{Status: status, Message: msg}
	s.render(w, r, status, "error", v)
}

// notFound is the 404 page.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found",
		"There is no page at this address. If you typed it, check it; if you followed a link, it may be out of date.")
}

// forbidden is the 403 page.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "You cannot open this page",
		"This page is for the rota manager only.")
}

// crossOriginDenied answers a state-changing request another site sent.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "Request refused",
		"This form was sent from another website, so it was not carried out. Open the page on this site and try again.")
}

// serverError logs err with a new incident id and shows the id, never the
// error itself. An error that says the database cannot be reached is not
// a fault of the app but a passing outage: the 503 page (unavailable).
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The visitor went away (closed the tab, navigated on): the error
		// is the cancelled request's own, and there is nobody to answer.
		s.log.Info("web: request abandoned", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	if sqlstore.IsUnavailable(err) {
		s.unavailable(w, r, err)
		return
	}
	b := make([]byte, 6)
	rand.Read(b)
	id := hex.EncodeToString(b)
	s.log.Error("web: internal error", "incident", id, "method", r.Method, "path", r.URL.Path, "err", err)
	v := newView("Something went wrong", "")
	v.IncidentID = id
	v.Data = ErrorPage{Status: http.StatusInternalServerError,
		Message: "Sorry, something went wrong on our side and your last action may not have been saved. Try again in a moment."}
	s.render(w, r, http.StatusInternalServerError, "error", v)
}

// unavailableRetry is the Retry-After of the 503 page, in seconds: the
// "minute" its words ask the visitor to wait.
const unavailableRetry = "60"

// unavailable is the 503 page while the database is away (restarting, cut
// off), as the JSON API answers 503 to the same errors: what happened in
// plain words, and when to try again.
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Warn("web: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Retry-After", unavailableRetry)
	s.errorPage(w, r, http.StatusServiceUnavailable, "Sorry, the service is unavailable",
		"pasched cannot reach its database at the moment, so this page could not be shown and your last action may not have been saved. "+
			"This usually passes quickly: try again in a minute.")
}

// useCaseError answers an error of a use case that has no form to show it
// on: not found, forbidden, or a server error.
func (s *Server) useCaseError(w http.ResponseWriter, r *http.Request, err error) {
	switch pasched.ErrorCode(err) {
	case pasched.ENOTFOUND:
		s.notFound(w, r)
	case pasched.EFORBIDDEN:
		s.forbidden(w, r)
	default:
		s.serverError(w, r, err)
	}
}

// badRequest is the 400 page, saying what was wrong with the address.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.errorPage(w, r, http.StatusBadRequest, "Address not understood", msg)
}
