package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pasched/accounts"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// clock is a settable "now" for the throttles.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// throttleEnv is an API with the given rates and a clock the test moves.
func throttleEnv(t *testing.T, d sqlstore.Dialect, set func(*Config)) (*env, *clock) {
	cfg := Config{AllowedHosts: []string{"127.0.0.1"}}
	set(&cfg)
	e := newEnv(t, d, envOpts{config: &cfg})
	c := &clock{t: time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC)}
	e.server.now = c.now
	return e, c
}

// expectThrottled checks DRF's 429: Retry-After and the wait in words.
func expectThrottled(t *testing.T, r response, secs int) {
	t.Helper()
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	expect(t, r, http.StatusTooManyRequests, fmt.Sprintf(`{"detail":"Request was throttled. Expected available in %d %s."}`, secs, unit))
	if got := r.Header.Get("Retry-After"); got != strconv.Itoa(secs) {
		t.Fatalf("Retry-After %q, want %d", got, secs)
	}
}

func TestThrottleLogin(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		t.Run("per IP", func(t *testing.T) {
			e, c := throttleEnv(t, d, func(c *Config) { c.LoginIPRate = Rate{N: 2, Period: time.Minute} })
			e.pa("alice@example.com", "Alice", "Anderson")
			bad := map[string]string{"email": "alice@example.com", "password": "wrong"}
			good := map[string]string{"email": "alice@example.com", "password": testPassword}
			expect(t, e.do("POST", "/api/auth/login/", bad, nil), 400, bodyBadLogin)
			expect(t, e.do("POST", "/api/auth/login/", `{}`, nil), 400, `"<any>"`)
			// Refused before anything is read: a right password, another
			// account, or a forged X-Forwarded-For change nothing.
			expectThrottled(t, e.do("POST", "/api/auth/login/", good, nil), 30)
			expectThrottled(t, e.raw("POST", "/api/auth/login/", []byte(`{"email":"b@example.com","password":"x"}`),
				map[string]string{"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"}), 30)
			c.add(20 * time.Second)
			expectThrottled(t, e.do("POST", "/api/auth/login/", good, nil), 10)
			c.add(10 * time.Second)
			expect(t, e.do("POST", "/api/auth/login/", good, nil), 200, `"<any>"`)
			expectThrottled(t, e.do("POST", "/api/auth/login/", good, nil), 30)
			// Other views have their own throttles.
			expect(t, e.do("POST", "/api/auth/register/", `{}`, nil), 400, `"<any>"`)
			expect(t, e.do("POST", "/api/auth/password-reset/", `{}`, nil), 400, `"<any>"`)
		})
		t.Run("per account", func(t *testing.T) {
			e, c := throttleEnv(t, d, func(c *Config) {
				c.LoginIPRate = Rate{N: 100, Period: time.Minute}
				c.LoginAccountRate = Rate{N: 2, Period: time.Minute}
			})
			e.pa("alice@example.com", "Alice", "Anderson")
			e.pa("bob@example.com", "Bob", "Brown")
			for range 2 {
				expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": "guess"}, nil), 400, bodyBadLogin)
			}
			// The account is the lower-cased email; invalid bodies do not count.
			expectThrottled(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "ALICE@example.com", "password": testPassword}, nil), 30)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice"}, nil), 400, `"<any>"`)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "bob@example.com", "password": testPassword}, nil), 200, `"<any>"`)
			c.add(30 * time.Second)
			expect(t, e.do("POST", "/api/auth/login/", map[string]string{"email": "alice@example.com", "password": testPassword}, nil), 200, `"<any>"`)
		})
	})
}

func TestThrottleRegisterAndReset(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e, c := throttleEnv(t, d, func(c *Config) {
			c.RegisterIPRate = Rate{N: 1, Period: time.Hour}
			c.RegisterAccountRate = Rate{N: 1, Period: 10 * time.Minute}
			c.ResetIPRate = Rate{N: 3, Period: time.Hour}
			c.ResetAccountRate = Rate{N: 1, Period: time.Hour}
		})
		expect(t, e.do("POST", "/api/auth/register/", `{}`, nil), 400, `"<any>"`)
		expectThrottled(t, e.do("POST", "/api/auth/register/", `{}`, nil), 3600)
		c.add(time.Hour - time.Second)
		expectThrottled(t, e.do("POST", "/api/auth/register/", `{}`, nil), 1)
		c.add(time.Second)
		expect(t, e.do("POST", "/api/auth/register/", `{}`, nil), 400, `"<any>"`)
		// Per account: the email being registered, in any case.
		e.server.Config.RegisterIPRate = Rate{}
		e.server.throttles["register_ip"] = newThrottle(Rate{})
		expect(t, e.do("POST", "/api/auth/register/", `{"email":"erin@example.com"}`, nil), 400, `"<any>"`)
		expectThrottled(t, e.do("POST", "/api/auth/register/", `{"email":"ERIN@example.com"}`, nil), 600)
		expect(t, e.do("POST", "/api/auth/register/", `{"email":"bob@example.com"}`, nil), 400, `"<any>"`)
		expect(t, e.do("POST", "/api/auth/register/", `{"email":"not an email"}`, nil), 400, `"<any>"`)

		reset := func(email string) response {
			return e.do("POST", "/api/auth/password-reset/", map[string]string{"email": email}, nil)
		}
		expect(t, reset("alice@example.com"), 200, bodyResetSent)
		// Per account: known or not, the same address (any case) waits.
		expectThrottled(t, reset("Alice@Example.com"), 3600)
		expect(t, reset("bob@example.com"), 200, bodyResetSent)
		// Per IP: the third request of the hour was the last.
		expectThrottled(t, reset("carol@example.com"), 1200)
		if n := e.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'password_reset_request'`); n != 2 {
			t.Fatalf("throttled requests enqueued jobs: %d", n)
		}
	})
}

// TestThrottledWords: DRF rounds the wait up and says "1 second".
func TestThrottledWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		wait time.Duration
		want string
	}{
		{time.Millisecond, "1 second"}, {time.Second, "1 second"}, {1001 * time.Millisecond, "2 seconds"}, {59 * time.Minute, "3540 seconds"},
	} {
		w := httptest.NewRecorder()
		throttled(w, c.wait)
		if got := w.Body.String(); got != `{"detail":"Request was throttled. Expected available in `+c.want+`."}` || w.Code != 429 {
			t.Errorf("%v: %d %s", c.wait, w.Code, got)
		}
	}
}

// gateHasher stands for a saturated password hasher: every call waits in
// one of its slots until the test opens the gate.
type gateHasher struct {
	inner   accounts.PasswordHasher
	slots   chan struct{}
	open    chan struct{}
	inside  atomic.Int32
	queued  chan struct{} // one per call, on arrival
	entered chan struct{} // one per call that got a slot
}

func newGateHasher(slots int) *gateHasher {
	return &gateHasher{inner: password.NewHasher(slots), slots: make(chan struct{}, slots), open: make(chan struct{}),
		queued: make(chan struct{}, 64), entered: make(chan struct{}, 64)}
}

func (g *gateHasher) hold(ctx context.Context) error {
	g.queued <- struct{}{}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.inside.Add(1)
	g.entered <- struct{}{}
	<-g.open
	g.inside.Add(-1)
	<-g.slots
	return nil
}

func (g *gateHasher) Hash(ctx context.Context, plain string) (string, error) {
	if err := g.hold(ctx); err != nil {
		return "", err
	}
	return g.inner.Hash(ctx, plain)
}

func (g *gateHasher) Verify(ctx context.Context, plain, enc string) (bool, bool, error) {
	if err := g.hold(ctx); err != nil {
		return false, false, err
	}
	return g.inner.Verify(ctx, plain, enc)
}

func (g *gateHasher) CheckDummy(ctx context.Context, plain string) error {
	if err := g.hold(ctx); err != nil {
		return err
	}
	return g.inner.CheckDummy(ctx, plain)
}

// TestLoginFloodDoesNotBlockOthers: with every hashing slot taken and more
// logins queued behind them, authenticated requests, health checks and
// requests refused before hashing still answer; the queued logins finish
// once slots free up.
func TestLoginFloodDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	g := newGateHasher(2)
	e := newEnv(t, sqlstore.SQLite, envOpts{hasher: g})
	u := e.pa("alice@example.com", "Alice", "Anderson")
	const flood = 8
	results := make(chan int, flood)
	for i := range flood {
		go func() {
			email := "alice@example.com"
			if i%2 == 1 {
				email = fmt.Sprintf("nobody%d@example.com", i) // the dummy hash waits the same
			}
			r, err := http.Post(e.http.URL+"/api/auth/login/", "application/json",
				strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword)))
			if err != nil {
				results <- 0
				return
			}
			r.Body.Close()
			results <- r.StatusCode
		}()
	}
	// Every login has reached the hasher; both slots are taken, the
	// other six wait for one.
	for range flood {
		<-g.queued
	}
	<-g.entered
	<-g.entered
	for range 3 {
		expect(t, e.do("GET", "/api/auth/me/", nil, u), 200, userWant(u, false))
	}
	expect(t, e.do("GET", "/healthz", nil, nil), 200, `"<any>"`)
	expect(t, e.do("POST", "/api/auth/login/", `{"email":"x"}`, nil), 400, `"<any>"`)
	if g.inside.Load() != 2 || len(results) != 0 {
		t.Fatalf("inside %d, finished %d while the gate was shut", g.inside.Load(), len(results))
	}
	close(g.open)
	codes := map[int]int{}
	for range flood {
		codes[<-results]++
	}
	if codes[200] != flood/2 || codes[400] != flood/2 {
		t.Fatalf("login results %v", codes)
	}
}
