package web

import (
	"os"
	"testing"

	"pasched/web/webtest"
)

// TestBrowserScreenshotMonthView writes the README's picture of a PA's month view
// when PASCHED_SCREENSHOT names the PNG to write:
//
//	PASCHED_SCREENSHOT=$PWD/docs/month-view.png go test ./web -run ScreenshotMonthView
func TestBrowserScreenshotMonthView(t *testing.T) {
	out := os.Getenv("PASCHED_SCREENSHOT")
	if out == "" {
		t.Skip("PASCHED_SCREENSHOT not set")
	}
	ctx := webtest.Browser(t)
	h, cookie := monthFixture(t)
	srv := newHTTPServer(t, h)
	webtest.Go(t, ctx, srv+"/signin")
	webtest.Fill(t, ctx, "Email address", "pa3@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar")
	_ = cookie
	webtest.Go(t, ctx, srv+"/calendar?month=2030-03")
	webtest.WaitTitle(t, ctx, "Calendar, March 2030")
	webtest.Viewport(t, ctx, 1280, 900)
	webtest.Screenshot(t, ctx, out)
}
