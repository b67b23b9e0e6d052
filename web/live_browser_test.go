package web

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// cutProxy is a TCP proxy in front of the test server that can drop every
// connection through it, as a lost network or a restarted load balancer
// does, and refuse new ones for a while.
type cutProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	down     bool
	// refused counts the connections refused while down.
	refused atomic.Int64
}

func newCutProxy(t *testing.T, upstream string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, upstream: upstream, conns: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); p.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut(false); wg.Wait() })
	return p
}

// URL is the proxy's base URL.
func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *cutProxy) serve(c net.Conn) {
	if !p.track(c) {
		p.refused.Add(1)
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.upstream)
	if err != nil || !p.track(up) {
		c.Close()
		if up != nil {
			up.Close()
		}
		return
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// cut closes every open connection; with down, new ones are refused (accepted
// and closed at once) until up.
func (p *cutProxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	for c := range p.conns {
		c.Close()
	}
}

func (p *cutProxy) up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// TestBrowserLiveReconnects: a PA's month page is open when the network
// drops its live socket. The page keeps trying (a few times, with backoff,
// while the server cannot be reached); once it is back, what changed while
// it was away is on the page (and the live region says the page caught
// up), and a change after that is shown and said in
// the polite live region, as a screen reader reads it.
func TestBrowserLiveReconnects(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	e.fixedToday()
	admin := e.admin("ada@example.com")
	pat := e.pa("pat@example.com", "Pat", "Smith")
	p := e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))
	away := e.request(pat, p, schedule.MustDate(2026, 3, 10), schedule.Clock(8, 0, 0), schedule.Clock(14, 0, 0))
	later := e.request(pat, p, schedule.MustDate(2026, 3, 11), schedule.Clock(9, 0, 0), schedule.Clock(12, 0, 0))
	proxy := newCutProxy(t, e.http.Listener.Addr().String())

	webtest.Go(t, ctx, proxy.URL()+"/signin")
	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar, March 2026")
	webtest.Find(t, ctx, "link", "Tuesday 10 March. your shifts: 08:00–14:00 pending. Not covered: 06:00–09:00, 21:00–22:00")
	waitFor(t, "the page's live socket", func() bool { return e.hub.Count() == 1 })
	webtest.Eval[bool](t, ctx, `(window.notReloaded = true)`)
	focused := webtest.TabTo(t, ctx, "link", "Next month: April 2026")

	// The connection drops, and the server stays unreachable for a while:
	// the page tries again, more than once.
	proxy.cut(true)
	waitFor(t, "the server to see the socket gone", func() bool { return e.hub.Count() == 0 })
	waitFor(t, "two reconnection attempts", func() bool { return proxy.refused.Load() >= 2 })

	// Meanwhile the admin approves a request.
	e.approve(admin, away)
	proxy.up()
	waitFor(t, "the page's socket again", func() bool { return e.hub.Count() == 1 })
	webtest.Find(t, ctx, "link", "Tuesday 10 March. your shifts: 08:00–14:00 approved. Not covered: 06:00–09:00, 21:00–22:00")
	webtest.WaitJS(t, ctx, `document.querySelector("[role=status]").textContent.includes("Updated with changes made while the connection was lost")`, "the catch-up announcement")

	// A change after the reconnection is shown and said.
	e.approve(admin, later)
	webtest.Find(t, ctx, "link", "Wednesday 11 March. your shifts: 09:00–12:00 approved. Not covered: 06:00–09:00, 21:00–22:00")
	webtest.WaitJS(t, ctx, `document.querySelector("[role=status]").textContent.includes("Wednesday 11 March, 09:00–12:00: approved")`, "the live region's announcement")
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("[role=status]").length`); n != 1 {
		t.Fatalf("%d live regions", n)
	}
	if live := webtest.Eval[string](t, ctx, `document.querySelector("[role=status]").getAttribute("aria-live") || "polite"`); live != "polite" {
		t.Fatalf("the live region is %s", live)
	}
	if !webtest.Eval[bool](t, ctx, `window.notReloaded === true`) {
		t.Fatal("the page reloaded")
	}
	if !webtest.Call[bool](t, ctx, focused, `function() { return this === document.activeElement; }`) {
		t.Fatalf("focus moved to %q", webtest.Eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 200)`))
	}
}
