package web

import (
	"context"

	"github.com/chromedp/cdproto/network"

	"net/http"
	"testing"

	"pasched/sqlstore"
	"pasched/web/webtest"
)

// widths are the viewports every page is checked at: a laptop and a phone.
var widths = []struct {
	name          string
	width, height int64
}{{"1280px", 1280, 900}, {"390px", 390, 844}}

// checkPage runs axe at both widths on the page open in ctx, and checks
// that nothing came from another origin and that nothing scrolls sideways.
func checkPage(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	for _, w := range widths {
		webtest.Viewport(t, ctx, w.width, w.height)
		webtest.Axe(t, ctx, label+" at "+w.name)
		if over := webtest.Eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); over {
			t.Errorf("%s scrolls sideways at %s", label, w.name)
		}
	}
	webtest.Viewport(t, ctx, 1280, 900)
	if f := webtest.ForeignRequests(t, ctx); len(f) > 0 {
		t.Errorf("%s loaded from other origins: %v", label, f)
	}
}

func TestBrowserSignInByKeyboard(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	e.pa("pat@example.com", "Pat", "Smith")

	webtest.Go(t, ctx, e.http.URL+"/no-such-page")
	webtest.WaitTitle(t, ctx, "Page not found")
	checkPage(t, ctx, "404 page")

	webtest.Go(t, ctx, e.http.URL+"/calendar")
	webtest.WaitTitle(t, ctx, "Sign in")
	checkPage(t, ctx, "sign-in page")

	// The skip link is the first thing Tab reaches.
	webtest.Press(t, ctx, "\t")
	if name := webtest.Eval[string](t, ctx, `document.activeElement.textContent`); name != "Skip to main content" {
		t.Fatalf("first Tab stop is %q", name)
	}

	// A wrong password: the summary takes focus.
	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.Fill(t, ctx, "Password", "not-the-password")
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "error summary focused")
	checkPage(t, ctx, "sign-in page with an error")

	webtest.Fill(t, ctx, "Password", "Test-Pass-2030!")
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar")
	var session *network.Cookie
	for _, c := range webtest.Cookies(t, ctx, e.http.URL) {
		if c.Name == cookieName {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != "Lax" || session.Secure {
		t.Fatalf("session cookie in the browser: %+v", session)
	}
	first := session.Value

	// Sign out by keyboard; the old session id is dead.
	webtest.Activate(t, ctx, "button", "Sign out")
	webtest.WaitTitle(t, ctx, "Sign in")
	c := e.client()
	c.http.Jar.SetCookies(mustURL(e.http.URL), []*http.Cookie{{Name: cookieName, Value: first}})
	if p := c.get("/calendar"); p.Status != http.StatusSeeOther {
		t.Fatalf("session after sign-out: %d", p.Status)
	}
}
