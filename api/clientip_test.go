package api

import (
	"testing"
	"time"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestTrustedProxyThrottle: behind a trusted proxy each client has its own
// per-IP throttle; from an untrusted peer a spoofed X-Forwarded-For changes
// nothing. (The test client's peer address is 127.0.0.1.)
func TestTrustedProxyThrottle(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		login := func(e *env, xff string) response {
			h := map[string]string{"Content-Type": "application/json"}
			if xff != "" {
				h["X-Forwarded-For"] = xff
			}
			return e.raw("POST", "/api/auth/login/", []byte(`{}`), h)
		}
		t.Run("untrusted peer", func(t *testing.T) {
			e, _ := throttleEnv(t, d, func(c *Config) {
				c.LoginIPRate = Rate{N: 1, Period: time.Minute}
				c.TrustedProxies, _ = ParseTrustedProxies("10.0.0.0/8")
			})
			expect(t, login(e, "203.0.113.1"), 400, "")
			// Another claimed client is still 127.0.0.1, throttled.
			expectThrottled(t, login(e, "203.0.113.2"), 60)
			expectThrottled(t, login(e, ""), 60)
		})
		t.Run("trusted proxy", func(t *testing.T) {
			e, _ := throttleEnv(t, d, func(c *Config) {
				c.LoginIPRate = Rate{N: 1, Period: time.Minute}
				c.TrustedProxies, _ = ParseTrustedProxies("127.0.0.1")
			})
			expect(t, login(e, "203.0.113.1"), 400, "")
			expect(t, login(e, "203.0.113.2"), 400, "")
			// What the client itself prepended does not make it another client.
			expectThrottled(t, login(e, "198.51.100.7, 203.0.113.1"), 60)
			expectThrottled(t, login(e, "203.0.113.2"), 60)
			// The proxy's own requests are the proxy's.
			expect(t, login(e, ""), 400, "")
			expectThrottled(t, login(e, ""), 60)
		})
	})
}
