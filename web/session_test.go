package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"pasched/jobs"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.pa("pat@example.com", "Pat", "Smith")
		c := e.client()

		p := c.get("/signin")
		if p.Status != 200 || !strings.Contains(p.Body, "<title>Sign in – pasched</title>") || strings.Count(p.Body, "<h1") != 1 {
			t.Fatalf("sign-in page: %d %s", p.Status, p.Body)
		}

		// A wrong password: the form again, the email kept, a summary that
		// takes focus, no session.
		p = c.post("/signin", url.Values{"email": {"pat@example.com"}, "password": {"wrong-password"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "data-focus-on-load") ||
			!strings.Contains(p.Body, `value="pat@example.com"`) || !strings.Contains(p.Body, "email address or password is not right") {
			t.Fatalf("bad password: %d %s", p.Status, p.Body)
		}
		if c.cookie(cookieName) != "" {
			t.Fatal("a failed sign-in set a session cookie")
		}
		// Empty fields: messages beside the fields, linked from the summary.
		p = c.post("/signin", url.Values{"email": {""}, "password": {""}})
		for _, want := range []string{`href="#f-email"`, `href="#f-password"`, `id="f-email-error"`, `aria-invalid="true"`, `aria-describedby="f-password-error"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("empty sign-in lacks %s", want)
			}
		}

		// Anonymous → sign in, coming back afterwards.
		p = c.get("/calendar?month=2026-03")
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/signin?next=%2Fcalendar%3Fmonth%3D2026-03" {
			t.Fatalf("anonymous calendar: %d %q", p.Status, p.Header.Get("Location"))
		}
		p = c.post("/signin", url.Values{"email": {"PAT@example.com"}, "password": {testPassword}, "next": {"/calendar?month=2026-03"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/calendar?month=2026-03" {
			t.Fatalf("sign in: %d %q %s", p.Status, p.Header.Get("Location"), p.Body)
		}
		setCookie := strings.Join(p.Header.Values("Set-Cookie"), "\n")
		if !regexp.MustCompile(`pasched_session=[A-Za-z0-9_-]{43}; Path=/; Expires=[^;]+; HttpOnly; SameSite=Lax`).MatchString(setCookie) || strings.Contains(setCookie, "Secure") {
			t.Fatalf("session cookie over plain HTTP: %s", setCookie)
		}
		first := c.cookie(cookieName)
		if p := c.get("/calendar"); p.Status != 200 {
			t.Fatalf("signed-in calendar: %d", p.Status)
		}

		// Signing in again gives a new id; the old one is dead.
		c.signIn("pat@example.com")
		second := c.cookie(cookieName)
		if second == "" || second == first {
			t.Fatalf("session id did not change at sign-in")
		}
		old := e.client()
		old.http.Jar.SetCookies(mustURL(e.http.URL), []*http.Cookie{{Name: cookieName, Value: first}})
		if p := old.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Fatalf("the session before sign-in still works: %d", p.Status)
		}

		// Sign out: the session is dead even if the browser kept the cookie.
		p = c.post("/signout", nil)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/signin" {
			t.Fatalf("sign out: %d %q", p.Status, p.Header.Get("Location"))
		}
		kept := e.client()
		kept.http.Jar.SetCookies(mustURL(e.http.URL), []*http.Cookie{{Name: cookieName, Value: second}})
		if p := kept.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Fatalf("signed-out session still works: %d", p.Status)
		}
		if n, _ := e.accounts.WebSessions(t.Context(), 1); len(n) != 0 {
			t.Fatalf("%d sessions left after sign-out", len(n))
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.pa("pat@example.com", "Pat", "Smith")
		now := time.Now().UTC()
		e.db.Now = func() time.Time { return now }
		c := e.client()
		c.signIn("pat@example.com")
		// Used every six days, it stays alive past the idle limit...
		for range 4 {
			now = now.Add(6 * 24 * time.Hour)
			if p := c.get("/calendar"); p.Status != 200 {
				t.Fatalf("session used every 6 days ended after %v: %d", now.Sub(time.Now()), p.Status)
			}
		}
		// ...but never past the absolute limit (30 days).
		now = now.Add(6 * 24 * time.Hour)
		if p := c.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Fatalf("session lived past 30 days: %d", p.Status)
		}
		// Unused for more than a week, a new session ends.
		c.signIn("pat@example.com")
		now = now.Add(7*24*time.Hour + time.Minute)
		if p := c.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Fatalf("session idle for a week still works: %d", p.Status)
		}
		// The periodic cleanup deletes the ended rows.
		n, err := jobs.DeleteExpiredWebSessions(t.Context(), e.db)
		if err != nil || n != 2 {
			t.Fatalf("deleted %d expired sessions (%v), want 2", n, err)
		}
	})
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	e.pa("pat@example.com", "Pat", "Smith")
	c := e.client()
	c.origin = "http://evil.example"
	p := c.post("/signin", url.Values{"email": {"pat@example.com"}, "password": {testPassword}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "sent from another website") {
		t.Fatalf("cross-origin sign-in: %d %s", p.Status, p.Body)
	}
	// The same with Sec-Fetch-Site, as a browser sends it.
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/signout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := c.do(req); p.Status != http.StatusForbidden {
		t.Fatalf("cross-site sign-out: %d", p.Status)
	}
	c.origin = e.http.URL
	c.signIn("pat@example.com")
}

func TestSecureCookieBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	e.pa("pat@example.com", "Pat", "Smith")
	e.web.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	form := url.Values{"email": {"pat@example.com"}, "password": {testPassword}}
	req := httptest.NewRequest(http.MethodPost, "http://localhost/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.RemoteAddr = "127.0.0.1:5555"
	rec := httptest.NewRecorder()
	e.web.Handler().ServeHTTP(rec, req)
	sc := rec.Header().Get("Set-Cookie")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(sc, secureCookieName+"=") || !strings.Contains(sc, "; Secure") {
		t.Fatalf("behind a trusted TLS proxy: %d %q", rec.Code, sc)
	}
	// The same header from an untrusted peer is ignored.
	req = httptest.NewRequest(http.MethodPost, "http://localhost/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.RemoteAddr = "192.0.2.7:5555"
	rec = httptest.NewRecorder()
	e.web.Handler().ServeHTTP(rec, req)
	if sc := rec.Header().Get("Set-Cookie"); strings.Contains(sc, "Secure") {
		t.Fatalf("untrusted X-Forwarded-Proto made the cookie Secure: %q", sc)
	}
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	var logs bytes.Buffer
	e.web.log = slog.New(slog.NewTextHandler(&logs, nil))
	e.web.mux.HandleFunc("GET /test-boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	c := e.client()
	p := c.get("/no/such/page")
	if p.Status != 404 || !strings.Contains(p.Body, "<title>Page not found – pasched</title>") || !strings.Contains(p.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("404: %d %s", p.Status, p.Body)
	}
	p = c.get("/test-boom")
	m := regexp.MustCompile(`class="incident">([0-9a-f]{12})<`).FindStringSubmatch(p.Body)
	if p.Status != 500 || m == nil {
		t.Fatalf("500: %d %s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "kaboom") || strings.Contains(p.Body, "goroutine") {
		t.Fatal("the 500 page shows the error")
	}
	if !strings.Contains(logs.String(), "incident="+m[1]) || !strings.Contains(logs.String(), "kaboom") {
		t.Fatalf("incident %s not in the log: %s", m[1], logs.String())
	}
}

func TestSecurityHeadersAndAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	c := e.client()
	p := c.get("/signin")
	csp := p.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'self'") {
		t.Fatalf("CSP: %q", csp)
	}
	if strings.Contains(p.Body, "<script>") || strings.Contains(p.Body, " style=") || strings.Contains(p.Body, "<style") {
		t.Fatal("inline script or style in a page")
	}
	urls := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(p.Body, -1)
	if len(urls) != 3 {
		t.Fatalf("want 3 assets on the page, got %v", urls)
	}
	for _, u := range urls {
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+u[1], nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d %v", u[1], res.StatusCode, res.Header)
		}
	}
	// An old or made-up hash is not served.
	if p := c.get("/static/0000000000000000/app.css"); p.Status != 404 {
		t.Fatalf("unknown asset hash: %d", p.Status)
	}
	// The JSON API keeps its own answers.
	if p := c.get("/api/auth/me/"); p.Status != 401 || !strings.HasPrefix(p.Body, "{") {
		t.Fatalf("API behind the web app: %d %s", p.Status, p.Body)
	}
}
