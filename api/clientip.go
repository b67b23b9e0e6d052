package api

import (
	"net/http"

	"pasched/internal/clientip"
)

// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
// client (TRUSTED_PROXIES); see clientip, which the web app uses too.
type TrustedProxies = clientip.TrustedProxies

// ParseTrustedProxies reads TRUSTED_PROXIES (clientip.ParseTrustedProxies).
func ParseTrustedProxies(s string) (TrustedProxies, error) { return clientip.ParseTrustedProxies(s) }

// clientIP is the client's address for throttles and logs: the peer, or
// what a trusted proxy said (see forwardedFor, which has then rewritten
// RemoteAddr).
func clientIP(r *http.Request) string { return clientip.HostOf(r.RemoteAddr) }

// forwardedFor sets each request's RemoteAddr to the client address
// (clientip's ClientIP, as the web app computes it) when the peer is a
// trusted proxy, so that the throttles, the logs and every handler below
// see the client, not the proxy. Without trusted proxies it is not
// installed at all.
func (s *Server) forwardedFor(next http.Handler) http.Handler {
	tp := s.Config.TrustedProxies
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := tp.ClientIP(r); ip != clientip.HostOf(r.RemoteAddr) {
			r = r.WithContext(r.Context()) // a shallow copy: handlers must not modify their request
			r.RemoteAddr = ip
		}
		next.ServeHTTP(w, r)
	})
}
