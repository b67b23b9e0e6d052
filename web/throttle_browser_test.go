package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pasched/sqlstore"
	"pasched/throttle"
	"pasched/web/webtest"
)

// TestBrowserThrottledSignIn: in a real browser the throttled sign-in is
// the sign-in page again, its error summary an alert that says how long to
// wait, and the page passes axe.
func TestBrowserThrottledSignIn(t *testing.T) {
	ctx := webtest.Browser(t)
	e, _ := throttledEnv(t, sqlstore.SQLite, throttle.Rates{LoginIPRate: throttle.Rate{N: 1, Period: time.Minute}})
	e.pa("pat@example.com", "Pat", "Smith")
	webtest.Go(t, ctx, e.http.URL+"/signin")
	webtest.WaitTitle(t, ctx, "Sign in")
	for i, wait := range []string{"is not right", "Too many attempts"} {
		webtest.Fill(t, ctx, "Email address", "pat@example.com")
		webtest.Fill(t, ctx, "Password", "not-the-password")
		webtest.Activate(t, ctx, "button", "Sign in")
		// The new page, not the last one's summary.
		webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary" && `+
			`document.activeElement.innerText.includes("`+wait+`")`, fmt.Sprintf("error summary of attempt %d focused", i+1))
	}
	alert := webtest.Find(t, ctx, "alert", "There is a problem")
	if text := webtest.Call[string](t, ctx, alert, `function() { return this.innerText }`); !strings.Contains(text, "Too many attempts. Try again in 1 minute.") {
		t.Fatalf("the alert says %q", text)
	}
	webtest.WaitTitle(t, ctx, "Sign in")
	webtest.Find(t, ctx, "button", "Sign in")
	webtest.Axe(t, ctx, "throttled sign-in")
}
