package api

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the reverse proxies (load balancers) whose
// X-Forwarded-For is believed: TRUSTED_PROXIES, empty by default, so that
// a client cannot pick its own address for the per-IP throttles by sending
// the header.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads TRUSTED_PROXIES: comma-separated CIDRs
// ("10.0.0.0/8, fd00::/8") or single addresses ("192.0.2.7", one host).
// Blank entries are skipped; anything else that is not an address or a
// prefix is an error naming it.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var tp TrustedProxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not a CIDR", f)
			}
			tp = append(tp, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("trusted proxy %q: not an IP address or CIDR", f)
		}
		tp = append(tp, netip.PrefixFrom(a, a.BitLen()))
	}
	return tp, nil
}

// contains reports whether a is one of the proxies. IPv4-mapped IPv6
// addresses count as their IPv4 address.
func (tp TrustedProxies) contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range tp {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address a request comes from. The peer is the client
// unless it is a trusted proxy; then X-Forwarded-For (every such header,
// in order, each a comma-separated list to which each proxy appended the
// peer it saw) is read from the right: the first hop that is not a trusted
// proxy is the client. Everything left of it was written by the client
// itself and is ignored. A hop that is not an address stops the walk at
// the last trusted one, which is then the best known client.
func (tp TrustedProxies) clientAddr(remoteAddr string, xff []string) string {
	peer, ok := parseHop(remoteAddr)
	if !ok {
		return hostOf(remoteAddr)
	}
	if !tp.contains(peer) {
		return peer.String()
	}
	client := peer
	for i := len(xff) - 1; i >= 0; i-- {
		list := xff[i]
		for list != "" {
			var hop string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				hop, list = list[j+1:], list[:j]
			} else {
				hop, list = list, ""
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			a, ok := parseHop(hop)
			if !ok {
				return client.String()
			}
			client = a
			if !tp.contains(a) {
				return a.String()
			}
		}
	}
	return client.String()
}

// parseHop reads one address as proxies write it: bare ("192.0.2.1",
// "2001:db8::1"), with a port ("192.0.2.1:4711", "[2001:db8::1]:4711") or
// bracketed ("[2001:db8::1]"). IPv4-mapped IPv6 becomes IPv4.
func parseHop(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone(""), true
		}
	}
	return netip.Addr{}, false
}

// hostOf is RemoteAddr without its port, or as is when it has none.
func hostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// clientIP is the client's address for throttles and logs: the peer, or
// what a trusted proxy said (see forwardedFor, which has then rewritten
// RemoteAddr).
func clientIP(r *http.Request) string { return hostOf(r.RemoteAddr) }

// forwardedFor sets each request's RemoteAddr to the client address of
// clientAddr when the peer is a trusted proxy, so that the throttles, the
// logs and every handler below see the client, not the proxy. Without
// trusted proxies it is not installed at all.
func (s *Server) forwardedFor(next http.Handler) http.Handler {
	tp := s.Config.TrustedProxies
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			if ip := tp.clientAddr(r.RemoteAddr, xff); ip != hostOf(r.RemoteAddr) {
				r = r.WithContext(r.Context()) // a shallow copy: handlers must not modify their request
				r.RemoteAddr = ip
			}
		}
		next.ServeHTTP(w, r)
	})
}
