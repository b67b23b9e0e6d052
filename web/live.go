package web

import (
	"net/http"
	"strconv"
	"time"

	"pasched/internal/jsonenc"
)

// liveToken hands the signed-in page a short-lived access token for the
// live channel (/ws/schedule/<period>/?token=…), which authenticates JWTs
// as the API does. A cross-origin page cannot read it: the answer has no
// CORS headers. Anonymous: 401, so the page stops trying.
func (s *Server) liveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	u := userOf(r)
	if u == nil {
		http.Error(w, `{"detail":"not signed in"}`, http.StatusUnauthorized)
		return
	}
	tok, exp, err := s.Accounts.SocketToken(u)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	b := []byte(`{"token":`)
	b = jsonenc.AppendString(b, tok)
	b = append(b, `,"expires_in":`...)
	b = strconv.AppendInt(b, int64(time.Until(exp).Seconds()), 10)
	b = append(b, `,"user_id":`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// activePeriods are the periods not yet finalised, whose shifts can still
// change: what the requests and schedule pages listen to.
func (s *Server) activePeriods(r *http.Request) (string, error) {
	ps, err := s.Scheduling.ActivePeriods(r.Context())
	if err != nil {
		return "", err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return idList(ids), nil
}
