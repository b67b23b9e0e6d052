package web

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestLiveToken(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		pat := e.pa("pat@example.com", "Pat", "Smith")
		c := e.client()
		if p := c.get("/live/token"); p.Status != 401 {
			t.Fatalf("anonymous: %d", p.Status)
		}
		c.signIn("pat@example.com")
		p := c.get("/live/token")
		var body struct {
			Token     string `json:"token"`
			ExpiresIn int    `json:"expires_in"`
			UserID    int64  `json:"user_id"`
		}
		if err := json.Unmarshal([]byte(p.Body), &body); err != nil || p.Status != 200 || p.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("token: %d %s %v", p.Status, p.Body, err)
		}
		u, exp, err := e.accounts.AuthenticateWithExpiry(context.Background(), body.Token)
		if err != nil || u.ID != pat.ID || body.UserID != pat.ID {
			t.Fatalf("the token does not authenticate Pat: %v", err)
		}
		if left := time.Until(exp); left < 14*time.Minute || left > 16*time.Minute || body.ExpiresIn < 14*60 {
			t.Fatalf("token lives %v", left)
		}
		if p.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("another origin may read the token")
		}
	})
}
