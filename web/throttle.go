package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"pasched/throttle"
)

// tooMany takes one attempt of key from lim. When lim refuses it, the form
// gets one message saying how long to wait (in place of any other, since
// nothing was checked), Retry-After is set as the JSON API sets it, and
// tooMany reports true: the handler then shows its form again with 429.
func (s *Server) tooMany(w http.ResponseWriter, f *Form, lim *throttle.Limiter, key string) bool {
	ok, wait := lim.Allow(key, s.now())
	if ok {
		return false
	}
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	f.Errors, f.Order = nil, nil
	f.Add(nonField, tooManyMessage(secs))
	return true
}

// tooManyMessage says how long to wait, in whole minutes rounded up.
func tooManyMessage(secs int) string {
	mins := (secs + 59) / 60
	unit := "minutes"
	if mins == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("Too many attempts. Try again in %d %s.", mins, unit)
}

// accountKey is the per-account throttles' key for an email address: the
// JSON API's (the address trimmed and lower-cased), so that both front
// ends count the same account together.
func accountKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
