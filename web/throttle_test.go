package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched/internal/clientip"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/throttle"
)

// testClock is a settable "now" for the web app's throttles.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// throttledEnv is the app with throttles of rates r and a clock the test
// moves (the web app's; the API's runs on the real clock).
func throttledEnv(t *testing.T, d sqlstore.Dialect, r throttle.Rates) (*env, *testClock) {
	e := newEnv(t, d, envOpts{throttles: throttle.NewSet(r)})
	c := &testClock{t: time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.web.now = c.now
	return e, c
}

// expectTooMany checks a throttled form: 429, Retry-After in seconds, the
// page (title) shown again with its form and the wait in minutes in the
// error summary, an alert.
func expectTooMany(t *testing.T, p page, title, retryAfter, minutes string) {
	t.Helper()
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") != retryAfter {
		t.Fatalf("%s: %d Retry-After %q, want 429 %s\n%s", title, p.Status, p.Header.Get("Retry-After"), retryAfter, p.Body)
	}
	for _, want := range []string{"<title>" + title, `id="error-summary" role="alert"`,
		"Too many attempts. Try again in " + minutes + ".", "<form method=\"post\""} {
		if !strings.Contains(p.Body, want) {
			t.Fatalf("%s: the throttled page lacks %q\n%s", title, want, p.Body)
		}
	}
	if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%s: Content-Type %q", title, p.Header.Get("Content-Type"))
	}
}

func TestThrottleSignIn(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		t.Run("per account", func(t *testing.T) {
			e, clock := throttledEnv(t, d, throttle.Rates{LoginIPRate: throttle.Rate{N: 100, Period: time.Minute},
				LoginAccountRate: throttle.Rate{N: 2, Period: time.Minute}})
			e.pa("pat@example.com", "Pat", "Smith")
			e.pa("bob@example.com", "Bob", "Brown")
			c := e.client()
			for range 2 {
				if p := c.post("/signin", url.Values{"email": {"pat@example.com"}, "password": {"guess"}}); p.Status != http.StatusUnprocessableEntity {
					t.Fatalf("wrong password: %d", p.Status)
				}
			}
			// The account is the trimmed, lower-cased address: the right
			// password waits too, and no session is handed out.
			p := c.post("/signin", url.Values{"email": {" PAT@example.com"}, "password": {testPassword}, "next": {"/requests"}})
			expectTooMany(t, p, "Sign in", "30", "1 minute")
			if !strings.Contains(p.Body, `value="PAT@example.com"`) && !strings.Contains(p.Body, `value=" PAT@example.com"`) {
				t.Fatalf("the address typed is not kept:\n%s", p.Body)
			}
			if !strings.Contains(p.Body, `name="next" value="/requests"`) {
				t.Fatal("the page to go to after signing in is lost")
			}
			if c.cookie(cookieName) != "" {
				t.Fatal("a throttled sign-in got a session")
			}
			// An incomplete form does not count; another account is not held up.
			if p := c.post("/signin", url.Values{"email": {"pat@example.com"}}); p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("incomplete form: %d", p.Status)
			}
			e.client().signIn("bob@example.com")
			clock.add(30 * time.Second)
			c.signIn("pat@example.com")
		})
		t.Run("per IP, behind a trusted proxy", func(t *testing.T) {
			e, clock := throttledEnv(t, d, throttle.Rates{LoginIPRate: throttle.Rate{N: 2, Period: time.Minute}})
			e.pa("pat@example.com", "Pat", "Smith")
			c := e.client()
			withXFF := func(xff string, form url.Values) page {
				req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/signin", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", e.http.URL)
				req.Header.Set("X-Forwarded-For", xff)
				return c.do(req)
			}
			good := url.Values{"email": {"pat@example.com"}, "password": {testPassword}}
			// Every post counts, an empty one too.
			c.post("/signin", url.Values{})
			c.post("/signin", url.Values{"email": {"nobody@example.com"}, "password": {"x"}})
			expectTooMany(t, c.post("/signin", good), "Sign in", "30", "1 minute")
			// From an untrusted peer X-Forwarded-For changes nothing.
			expectTooMany(t, withXFF("203.0.113.9", good), "Sign in", "30", "1 minute")
			// Behind a trusted proxy the client it names has its own
			// budget, read as the JSON API reads it (the rightmost
			// untrusted hop).
			e.web.Config.TrustedProxies, _ = clientip.ParseTrustedProxies("127.0.0.0/8")
			if p := withXFF("198.51.100.1, 203.0.113.9", good); p.Status != http.StatusSeeOther {
				t.Fatalf("another client behind the proxy: %d", p.Status)
			}
			withXFF("203.0.113.9", url.Values{})
			expectTooMany(t, withXFF("198.51.100.2, 203.0.113.9", good), "Sign in", "30", "1 minute")
			clock.add(30 * time.Second)
			if p := c.post("/signin", good); p.Status != http.StatusSeeOther {
				t.Fatalf("after the wait: %d", p.Status)
			}
		})
	})
}

// TestThrottleSharedWithAPI: with one Set (as serve wires it), a client's
// sign-ins through the form and the JSON API come out of one budget, and
// each front end refuses in its own words.
func TestThrottleSharedWithAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite, envOpts{throttles: throttle.NewSet(throttle.Rates{LoginIPRate: throttle.Rate{N: 2, Period: time.Hour}})})
	e.pa("pat@example.com", "Pat", "Smith")
	apiLogin := func() *http.Response {
		res, err := http.Post(e.http.URL+"/api/auth/login/", "application/json",
			strings.NewReader(`{"email":"pat@example.com","password":"`+testPassword+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := apiLogin(); res.StatusCode != 200 {
		t.Fatalf("API login: %d", res.StatusCode)
	}
	c := e.client()
	c.signIn("pat@example.com")
	p := e.client().post("/signin", url.Values{"email": {"pat@example.com"}, "password": {testPassword}})
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Too many attempts. Try again in 30 minutes.") {
		t.Fatalf("third sign-in through the form: %d\n%s", p.Status, p.Body)
	}
	if res := apiLogin(); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("third login through the API: %d", res.StatusCode)
	}
}

func TestThrottleAccountForms(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e, clock := throttledEnv(t, d, throttle.Rates{
			RegisterIPRate: throttle.Rate{N: 1, Period: time.Hour}, RegisterAccountRate: throttle.Rate{N: 1, Period: 10 * time.Minute},
			ResetIPRate: throttle.Rate{N: 3, Period: time.Hour}, ResetAccountRate: throttle.Rate{N: 1, Period: time.Hour},
			ResetConfirmIPRate: throttle.Rate{N: 1, Period: time.Hour}, SetupIPRate: throttle.Rate{N: 1, Period: 2 * time.Minute},
		})
		c := e.client()

		// Sign-up: per client, then per address.
		if p := c.post("/signup", url.Values{"email": {"erin@example.com"}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("first sign-up: %d", p.Status)
		}
		expectTooMany(t, c.post("/signup", url.Values{"email": {"erin@example.com"}}), "Create an account", "3600", "60 minutes")
		e.web.Throttles.RegisterIP = nil
		p := c.post("/signup", url.Values{"email": {"ERIN@example.com"}, "first_name": {"Erin"}})
		expectTooMany(t, p, "Create an account", "600", "10 minutes")
		if !strings.Contains(p.Body, `value="Erin"`) {
			t.Fatal("the sign-up form lost what was typed")
		}
		if p := c.post("/signup", url.Values{"email": {"not an address"}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("sign-up without a well-formed address: %d", p.Status)
		}

		// Forgotten password: per address (known or not), then per client.
		forgot := func(email string) page { return c.post("/forgot-password", url.Values{"email": {email}}) }
		if p := forgot("alice@example.com"); p.Status != http.StatusSeeOther {
			t.Fatalf("reset request: %d", p.Status)
		}
		expectTooMany(t, forgot("Alice@Example.com"), "Forgotten your password?", "3600", "60 minutes")
		if p := forgot("bob@example.com"); p.Status != http.StatusSeeOther {
			t.Fatalf("another address: %d", p.Status)
		}
		expectTooMany(t, forgot("carol@example.com"), "Forgotten your password?", "1200", "20 minutes")
		var jobs int
		if err := e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = 'password_reset_request'`).Scan(&jobs); err != nil || jobs != 2 {
			t.Fatalf("throttled requests enqueued jobs: %d %v", jobs, err)
		}

		// A new password from a reset link.
		reset := url.Values{"token": {"00000000-0000-4000-8000-000000000000"}, "password": {"Another-Pass-2030!"}, "password_confirm": {"Another-Pass-2030!"}}
		if p := c.post("/reset-password", reset); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("reset with an unknown token: %d", p.Status)
		}
		expectTooMany(t, c.post("/reset-password", reset), "Choose a new password", "3600", "60 minutes")

		// First-run setup: the step the visitor was on comes back.
		code, err := e.accounts.PrepareSetup(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if p := c.post("/setup", url.Values{"code": {"AAAAA-BBBBB-CCCCC"}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong setup code: %d", p.Status)
		}
		p = c.post("/setup", url.Values{"code": {code}, "step": {"admin"}, "first_name": {"Ada"}})
		expectTooMany(t, p, "Create the rota manager’s account", "120", "2 minutes")
		if !strings.Contains(p.Body, `value="Ada"`) || !strings.Contains(p.Body, `name="code" value="`+code+`"`) {
			t.Fatalf("the setup step lost what was typed:\n%s", p.Body)
		}
		clock.add(2 * time.Minute)
		if p := c.post("/setup", url.Values{"code": {code}}); p.Status != http.StatusOK {
			t.Fatalf("setup after the wait: %d", p.Status)
		}
	})
}

// Guessing the current password on the signed-in password form takes from
// the account's sign-in budget: past it the form answers 429 with the
// wait, even for the right password, and the password stays as it was.
func TestThrottlePasswordChange(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e, clock := throttledEnv(t, d, throttle.Rates{LoginIPRate: throttle.Rate{N: 100, Period: time.Minute},
			LoginAccountRate: throttle.Rate{N: 3, Period: time.Minute}})
		e.pa("pat@example.com", "Pat", "Smith")
		c := e.client()
		c.signIn("pat@example.com") // the first of the 3
		change := func(current string) page {
			return c.post("/profile/password", url.Values{"current_password": {current},
				"password": {"Quartz-Lantern-81"}, "password_confirm": {"Quartz-Lantern-81"}})
		}
		for range 2 {
			if p := change("guess"); p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong current password: %d", p.Status)
			}
		}
		p := change(testPassword)
		expectTooMany(t, p, "Your profile", "20", "1 minute")
		if _, err := e.accounts.Login(context.Background(), "pat@example.com", testPassword); err != nil {
			t.Fatalf("the old password no longer signs in after a throttled change: %v", err)
		}
		clock.add(20 * time.Second)
		if p := change(testPassword); p.Status != http.StatusSeeOther {
			t.Fatalf("after the wait: %d, want the change done (303)\n%s", p.Status, p.Body)
		}
	})
}
