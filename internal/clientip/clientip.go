// Package clientip says which address a request comes from, for the
// throttles and logs of both front ends: the peer, or, behind reverse
// proxies named in TRUSTED_PROXIES, the client their X-Forwarded-For names.
// One function (ClientIP) so that the JSON API and the web app key a
// client the same way and share its throttle budget.
package clientip

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

// Contains reports whether a is one of the proxies. IPv4-mapped IPv6
// addresses count as their IPv4 address.
func (tp TrustedProxies) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range tp {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// FromTrustedProxy reports whether the peer of remoteAddr (a request's
// RemoteAddr) is one of the proxies.
func (tp TrustedProxies) FromTrustedProxy(remoteAddr string) bool {
	if len(tp) == 0 {
		return false
	}
	a, ok := parseHop(remoteAddr)
	return ok && tp.Contains(a)
}

// ClientIP is the address r comes from, for throttles and logs: without
// trusted proxies or without X-Forwarded-For the peer (RemoteAddr without
// its port), else ClientAddr.
func (tp TrustedProxies) ClientIP(r *http.Request) string {
	if len(tp) > 0 {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			return tp.ClientAddr(r.RemoteAddr, xff)
		}
	}
	return HostOf(r.RemoteAddr)
}

// ClientAddr is the address a request comes from. The peer is the client
// unless it is a trusted proxy; then X-Forwarded-For (every such header,
// in order, each a comma-separated list to which each proxy appended the
// peer it saw) is read from the right: the first hop that is not a trusted
// proxy is the client. Everything left of it was written by the client
// itself and is ignored. A hop that is not an address stops the walk at
// the last trusted one, which is then the best known client.
func (tp TrustedProxies) ClientAddr(remoteAddr string, xff []string) string {
	peer, ok := parseHop(remoteAddr)
	if !ok {
		return HostOf(remoteAddr)
	}
	if !tp.Contains(peer) {
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
			if !tp.Contains(a) {
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

// HostOf is RemoteAddr without its port, or as is when it has none.
func HostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
