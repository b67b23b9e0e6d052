package clientip

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	cases := []struct {
		in   string
		want string // the prefixes joined by spaces, or "error"
	}{
		{"", ""},
		{" , ,", ""},
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.1.2.3/8", "10.0.0.0/8"}, // host bits masked
		{"192.0.2.7", "192.0.2.7/32"},
		{"2001:db8::/32, 192.0.2.7 ,::1", "2001:db8::/32 192.0.2.7/32 ::1/128"},
		{"10.0.0.0/33", "error"},
		{"10.0.0.0/-1", "error"},
		{"example.com", "error"},
		{"10.0.0.0/8,bogus", "error"},
		{"fe80::1%eth0", "error"},
		{"192.0.2.7:80", "error"},
	}
	for _, c := range cases {
		tp, err := ParseTrustedProxies(c.in)
		var got string
		if err != nil {
			got = "error"
		} else {
			var ps []string
			for _, p := range tp {
				ps = append(ps, p.String())
			}
			got = strings.Join(ps, " ")
		}
		if got != c.want {
			t.Errorf("ParseTrustedProxies(%q) = %q (%v), want %q", c.in, got, err, c.want)
		}
	}
}

// TestClientAddr: the rightmost untrusted hop, and only when the peer is a
// trusted proxy.
func TestClientAddr(t *testing.T) {
	tp, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		tp     TrustedProxies
		remote string
		xff    []string
		want   string
	}{
		{"no proxies configured: header ignored", nil, "192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"untrusted peer: spoofed header ignored", tp, "192.0.2.1:5000", []string{"203.0.113.9"}, "192.0.2.1"},
		{"trusted peer without header", tp, "10.0.0.5:5000", nil, "10.0.0.5"},
		{"trusted peer: its hop", tp, "10.0.0.5:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client-sent entries left of the real one are ignored", tp, "10.0.0.5:5000",
			[]string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"trusted hops are skipped", tp, "10.0.0.5:5000", []string{"1.1.1.1, 203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several headers read as one list", tp, "10.0.0.5:5000", []string{"1.1.1.1, 203.0.113.9", "10.2.2.2"}, "203.0.113.9"},
		{"only trusted hops: the leftmost", tp, "10.0.0.5:5000", []string{"10.3.3.3, 10.2.2.2"}, "10.3.3.3"},
		{"garbage stops at the last trusted hop", tp, "10.0.0.5:5000", []string{"203.0.113.9, junk, 10.2.2.2"}, "10.2.2.2"},
		{"empty entries skipped", tp, "10.0.0.5:5000", []string{" , 203.0.113.9 ,, "}, "203.0.113.9"},
		{"hop with port", tp, "10.0.0.5:5000", []string{"203.0.113.9:4711"}, "203.0.113.9"},
		{"IPv6 hops", tp, "[2001:db8::1]:443", []string{"[2001:db8:ffff::1]:1, 2001:db9::7"}, "2001:db9::7"},
		{"bracketed IPv6 hop", tp, "[2001:db8::1]:443", []string{"[2001:db9::7]"}, "2001:db9::7"},
		{"IPv4-mapped peer counts as IPv4", tp, "[::ffff:10.0.0.5]:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"unparsable peer kept as is", tp, "@unix", []string{"203.0.113.9"}, "@unix"},
	}
	for _, c := range cases {
		if got := c.tp.ClientAddr(c.remote, c.xff); got != c.want {
			t.Errorf("%s: ClientAddr(%q, %q) = %q, want %q", c.name, c.remote, c.xff, got, c.want)
		}
	}
}

// FuzzTrustedProxies: the parser never panics, what it accepts is made of
// valid masked prefixes that it reads back the same, and the client
// address of any header is an address or the peer.
func FuzzTrustedProxies(f *testing.F) {
	for _, s := range []string{"", "10.0.0.0/8", "192.0.2.7, ::1", "2001:db8::/32,", "x/y", "1.2.3.4/99", "::ffff:1.2.3.4/104"} {
		f.Add(s, "203.0.113.9, 10.0.0.1")
	}
	f.Fuzz(func(t *testing.T, s, xff string) {
		tp, err := ParseTrustedProxies(s)
		if err != nil {
			return
		}
		var parts []string
		for _, p := range tp {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("%q gave %v", s, p)
			}
			parts = append(parts, p.String())
		}
		again, err := ParseTrustedProxies(strings.Join(parts, ","))
		if err != nil || len(again) != len(tp) {
			t.Fatalf("%q: re-reading %v: %v %v", s, parts, again, err)
		}
		got := tp.ClientAddr("10.0.0.1:1", []string{xff})
		if _, err := netip.ParseAddr(got); err != nil {
			t.Fatalf("ClientAddr gave %q", got)
		}
		if !tp.Contains(netip.MustParseAddr("10.0.0.1")) && got != "10.0.0.1" {
			t.Fatalf("untrusted peer, client %q", got)
		}
	})
}
