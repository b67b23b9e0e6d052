package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"pasched/sqlstore"
	"pasched/web/webtest"
)

// TestBrowserAPIDocsPage: /api/docs/ (api's page, served here as on the
// site) renders the API document in Chromium under its
// Content-Security-Policy, from this origin only: the operations are
// listed, one opens, and the console has no error (a CSP refusal is one).
// With PASCHED_SCREENSHOTS=dir it writes the page there. It lives with the
// other browser tests so that api.test does not link chromedp.
func TestBrowserAPIDocsPage(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)

	// Every console message and browser log entry of a warning or worse (a
	// CSP refusal is an error of the browser log).
	var mu sync.Mutex
	var problems []string
	cctx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(cctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	defer func() { stop(); <-done }()

	webtest.Go(t, ctx, e.http.URL+"/api/docs/")
	webtest.WaitJS(t, ctx, `document.querySelectorAll(".opblock").length > 20`, "the operations list")
	webtest.WaitJS(t, ctx, `[...document.querySelectorAll(".opblock-summary-path")].some(e => e.textContent.replace(/\u200b/g, "") === "/api/shifts/")`, "the /api/shifts/ operation")
	if got := webtest.Eval[string](t, ctx, `document.querySelector(".info .title") ? document.querySelector(".info .title").textContent : ""`); !strings.Contains(got, "pasched") {
		t.Errorf("title %q", got)
	}
	// An operation opens and shows its responses.
	webtest.Eval[bool](t, ctx, `(document.querySelector(".opblock-get .opblock-summary-control") || document.querySelector(".opblock-summary-control")).click(), true`)
	webtest.WaitJS(t, ctx, `document.querySelector(".opblock.is-open .responses-wrapper")`, "an opened operation")
	if f := webtest.ForeignRequests(t, ctx); len(f) > 0 {
		t.Errorf("the docs page loaded from other origins: %v", f)
	}
	if webtest.Eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
		t.Error("the docs page scrolls sideways at 1280 px")
	}
	if dir := os.Getenv("PASCHED_SCREENSHOTS"); dir != "" {
		webtest.Screenshot(t, ctx, filepath.Join(dir, "api-docs-1280.png"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the docs page logged %d problem(s):\n%s", len(problems), strings.Join(problems, "\n"))
	}
}
