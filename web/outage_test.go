package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestDatabaseOutagePage: PostgreSQL goes away under the running app (a
// proxy between them cuts every connection and refuses new ones) and
// comes back. Meanwhile every page that needs the database answers 503
// with a page that says what happened and when to try again, never 500;
// afterwards pages work again.
func TestDatabaseOutagePage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Skipped without TEST_DATABASE_URL, failed in CI (sqltest.PostgresURL).
	u, err := url.Parse(sqltest.PostgresSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := sqltest.StartCutProxy(t, u.Host)
	u.Host = proxy.Addr()
	db, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, sqlstore.Postgres, envOpts{db: db})
	e.pa("pat@example.com", "Pat", "Smith")
	pat := e.client()
	pat.signIn("pat@example.com")
	if p := pat.get("/calendar"); p.Status != http.StatusOK {
		t.Fatalf("calendar before the outage: %d", p.Status)
	}

	proxy.Cut()
	for name, do := range map[string]func() page{
		"a signed-in page": func() page { return pat.get("/calendar") },
		"a form post":      func() page { return pat.post("/requests/1/cancel", url.Values{}) },
		"signing in": func() page {
			return e.client().post("/signin", url.Values{"email": {"pat@example.com"}, "password": {testPassword}})
		},
		"asking for a new link": func() page { return e.client().post("/forgot-password", url.Values{"email": {"pat@example.com"}}) },
	} {
		p := do()
		if p.Status != http.StatusServiceUnavailable || p.Header.Get("Retry-After") != "60" {
			t.Errorf("%s during the outage: %d Retry-After %q, want 503 60\n%s", name, p.Status, p.Header.Get("Retry-After"), p.Body)
			continue
		}
		for _, want := range []string{"<title>Sorry, the service is unavailable", "cannot reach its database",
			"try again in a minute", `href="/"`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s: the 503 page lacks %q\n%s", name, want, p.Body)
			}
		}
		if strings.Contains(p.Body, "incident") {
			t.Errorf("%s: an outage shown as an incident\n%s", name, p.Body)
		}
	}

	proxy.Restore()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := pat.get("/calendar")
		if p.Status == http.StatusOK {
			break
		}
		if p.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the outage: %d\n%s", p.Status, p.Body)
		}
		time.Sleep(50 * time.Millisecond) // polling for recovery, with a deadline
	}
}
