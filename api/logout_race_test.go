package api

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestConcurrentLogout: N logouts with one refresh token, sent at once from
// N goroutines over N connections to a real server on a real database:
// exactly one answers 200, every other one simplejwt's `Invalid token.`.
// (Before, PostgreSQL answered 200 to 2–6 of 8.)
func TestConcurrentLogout(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		registerAlice(t, e)
		for round := range 3 {
			a := login(t, e, "alice@example.com", alicePassword)
			const n = 8
			body := `{"refresh":"` + a.Refresh + `"}`
			type answer struct {
				status int
				body   string
			}
			answers := make([]answer, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("POST", e.http.URL+"/api/auth/logout/", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+a.Access)
					// A connection each, so the requests really run at once.
					c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
					<-start
					res, err := c.Do(req)
					if err != nil {
						answers[i] = answer{0, err.Error()}
						return
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					answers[i] = answer{res.StatusCode, string(b)}
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, a := range answers {
				switch {
				case a.status == 200 && a.body == `{"message":"Logout successful."}`:
					ok++
				case a.status == 400 && a.body == `{"error":"Invalid token."}`:
				default:
					t.Errorf("round %d: answer %d %s", round, a.status, a.body)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent logouts answered 200, want exactly 1: %v", round, ok, n, answers)
			}
		}
	})
}
