package webtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The harness itself can fail: axe reports a page with an unlabelled field
// and poor contrast, and Find reaches controls by accessible name only.
func TestBrowserHarnessFindsProblems(t *testing.T) {
	ctx := Browser(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><html lang="en"><head><title>t</title></head><body><main><h1>Test</h1>
<input type="text"><p style="color:#bbb;background:#fff">faint</p>
<label for="n">Your name</label><input id="n" type="text"><button type="button">Save</button></main></body></html>`))
	}))
	defer srv.Close()
	Go(t, ctx, srv.URL)
	v := strings.Join(AxeViolations(t, ctx, "bad page"), "")
	for _, rule := range []string{"label", "color-contrast"} {
		if !strings.Contains(v, rule+":") {
			t.Errorf("axe missed %s: %s", rule, v)
		}
	}
	Fill(t, ctx, "Your name", "Ada")
	if got := Eval[string](t, ctx, `document.getElementById("n").value`); got != "Ada" {
		t.Fatalf("typed %q", got)
	}
	if n := Count(t, ctx, "button", "Save"); n != 1 {
		t.Fatalf("%d Save buttons", n)
	}
	if n := Count(t, ctx, "button", "Delete"); n != 0 {
		t.Fatalf("%d Delete buttons", n)
	}
}
