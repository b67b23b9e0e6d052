// Package webtest drives a real browser (Debian's headless Chromium, through
// chromedp) for the web app's tests, and finds controls the way a screen
// reader does: by role and accessible name, from the browser's own
// accessibility tree (CDP's Accessibility.queryAXTree). It also runs
// axe-core (vendored, see ../static/VENDOR.md) against a page.
//
// Without /usr/bin/chromium (or CHROMIUM) the browser tests skip, except
// under CI, where they fail.
package webtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

//go:embed axe.min.js
var axeSource string

// ChromiumPath is the browser the tests drive: $CHROMIUM or Debian's.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// Timeout bounds every wait of the helpers.
var Timeout = 15 * time.Second

// Browser starts a headless Chromium for the test and returns the context
// of its first tab; the browser stops when the test ends. It skips the test
// when there is no Chromium, except under CI, where it fails.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := ChromiumPath()
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium not found at %s (CI must run the browser tests)", path)
		}
		t.Skipf("chromium not found at %s", path)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the tests run as root, which Chromium's sandbox refuses
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.Env("LANG=en_GB.UTF-8", "LANGUAGE=en_GB"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// NewTab opens another tab of the same browser, sharing its cookies.
func NewTab(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	return tab
}

// NewWindow opens a tab in a new browser context: a second person, with
// cookies of their own.
func NewWindow(t testing.TB, ctx context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("new window: %v", err)
	}
	return tab
}

func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, Timeout)
}

// Viewport sets the tab's viewport width and height in CSS pixels.
func Viewport(t testing.TB, ctx context.Context, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("viewport %dx%d: %v", width, height, err)
	}
}

// Go loads url and waits for it.
func Go(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	c, cancel := bounded(ctx)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate %s: %v", url, err)
	}
}

// Eval runs a JavaScript expression in the page and returns its value
// (promises are awaited).
func Eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := bounded(ctx)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %q: %v", js, err)
	}
	return v
}

// WaitJS polls a JavaScript condition until it is true, failing the test
// after Timeout with what. Navigation in between is fine: a failed
// evaluation (no page yet) counts as false.
func WaitJS(t testing.TB, ctx context.Context, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool]("!!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %s still false (last error %v); page: %s", what, cond, err, pageText(ctx))
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitTitle waits until the page's <title> starts with prefix.
func WaitTitle(t testing.TB, ctx context.Context, prefix string) {
	t.Helper()
	js, _ := json.Marshal(prefix)
	WaitJS(t, ctx, "document.readyState === 'complete' && document.title.startsWith("+string(js)+")", "page titled "+prefix)
}

func pageText(ctx context.Context) string {
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(c, chromedp.Evaluate[string](`location.href + "\n" + (document.body ? document.body.innerText : "")`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

// Text is the page's visible text.
func Text(t testing.TB, ctx context.Context) string {
	t.Helper()
	return Eval[string](t, ctx, `document.body ? document.body.innerText : ""`)
}

// query returns the accessibility nodes of the page with role and name
// (not ignored ones).
func query(ctx context.Context, role, name string) ([]*accessibility.Node, error) {
	doc, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: ptr(int64(0))})
	if err != nil {
		return nil, err
	}
	res, err := chromedp.Call(ctx, accessibility.QueryAXTree, accessibility.QueryAXTreeParams{
		BackendNodeID: doc.Root.BackendNodeID, AccessibleName: name, Role: role})
	if err != nil {
		return nil, err
	}
	var out []*accessibility.Node
	for _, n := range res.Nodes {
		if n.Ignored || n.BackendDOMNodeID == 0 {
			continue
		}
		if role == "" && n.Role != nil && textRoles[strings.Trim(string(n.Role.Value), `"`)] {
			continue // a text node or label that merely says the name
		}
		out = append(out, n)
	}
	return out, nil
}

// textRoles are the roles of text that carries a name without being a
// control (left out when Find is given no role).
var textRoles = map[string]bool{"StaticText": true, "InlineTextBox": true, "LabelText": true, "generic": true,
	"paragraph": true, "heading": true, "link": true, "button": true, "caption": true, "cell": true}

func ptr[T any](v T) *T { return &v }

// Find returns the one element with role and accessible name, waiting for
// it up to Timeout; it fails the test when there is none or several. An
// empty role finds a form control of any role by its label (date and time
// fields have roles of their own).
func Find(t testing.TB, ctx context.Context, role, name string) cdp.BackendNodeID {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		nodes, err := query(ctx, role, name)
		if err == nil && len(nodes) == 1 {
			return nodes[0].BackendDOMNodeID
		}
		if err == nil && len(nodes) > 1 {
			t.Fatalf("%d elements with role %s named %q", len(nodes), role, name)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s named %q (err %v); page: %s", role, name, err, pageText(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Count is how many elements have role and accessible name now.
func Count(t testing.TB, ctx context.Context, role, name string) int {
	t.Helper()
	nodes, err := query(ctx, role, name)
	if err != nil {
		t.Fatalf("query %s %q: %v", role, name, err)
	}
	return len(nodes)
}

// Call runs a JavaScript function with the element as this and returns
// its value.
func Call[T any](t testing.TB, ctx context.Context, node cdp.BackendNodeID, fn string) T {
	t.Helper()
	var zero T
	obj, err := chromedp.Call(ctx, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: node})
	if err != nil {
		t.Fatalf("resolve node: %v", err)
	}
	res, err := chromedp.Call(ctx, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
		FunctionDeclaration: fn, ObjectID: obj.Object.ObjectID, ReturnByValue: ptr(true), AwaitPromise: ptr(true)})
	if err != nil {
		t.Fatalf("call on node: %v", err)
	}
	if res.ExceptionDetails != nil {
		t.Fatalf("call on node: %s", res.ExceptionDetails.Text)
	}
	if len(res.Result.Value) == 0 {
		return zero
	}
	if err := json.Unmarshal(res.Result.Value, &zero); err != nil {
		t.Fatalf("call on node: decode %s: %v", res.Result.Value, err)
	}
	return zero
}

// focused reports whether node has the keyboard focus.
func focused(t testing.TB, ctx context.Context, node cdp.BackendNodeID) bool {
	return Call[bool](t, ctx, node, `function() { return this === document.activeElement; }`)
}

// MaxTabs bounds TabTo: a control further than this many Tab presses away
// counts as unreachable.
var MaxTabs = 150

// TabTo moves the keyboard focus to the element with role and name by
// pressing Tab (or Shift+Tab with back), as a keyboard user would, and
// fails if Tab never reaches it.
func TabTo(t testing.TB, ctx context.Context, role, name string) cdp.BackendNodeID {
	t.Helper()
	node := Find(t, ctx, role, name)
	for i := 0; i < MaxTabs; i++ {
		if focused(t, ctx, node) {
			return node
		}
		Press(t, ctx, "\t")
	}
	t.Fatalf("%s %q is not reachable with Tab (%d presses)", role, name, MaxTabs)
	return 0
}

// Press sends keys to whatever has the focus ("\r" is Enter, "\t" Tab,
// " " Space; see chromedp's kb package).
func Press(t testing.TB, ctx context.Context, keys string) {
	t.Helper()
	c, cancel := bounded(ctx)
	defer cancel()
	if err := chromedp.Do(c, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("press %q: %v", keys, err)
	}
}

// Fill tabs to the text box named label, clears it and types value.
func Fill(t testing.TB, ctx context.Context, label, value string) {
	t.Helper()
	FillRole(t, ctx, "textbox", label, value)
}

// FillRole is Fill for a control of another role (a date or time field's
// role is not textbox in Chromium).
func FillRole(t testing.TB, ctx context.Context, role, label, value string) {
	t.Helper()
	node := TabTo(t, ctx, role, label)
	// Select what is there, so that typing replaces it (what a user does
	// with Ctrl+A).
	Call[bool](t, ctx, node, `function() { if (this.select) { this.select(); } return true; }`)
	if typ := Call[string](t, ctx, node, `function() { return this.type || ""; }`); typ == "date" || typ == "time" {
		// Date and time inputs take digits segment by segment, in the
		// browser's locale order (the harness runs Chromium in en-GB:
		// dd mm yyyy, 24-hour hh mm).
		Press(t, ctx, value)
		return
	}
	if Call[string](t, ctx, node, `function() { return this.value; }`) != "" {
		Press(t, ctx, "\b")
	}
	Press(t, ctx, value)
}

// Activate tabs to the control with role and name and presses Enter on it
// (Space for a checkbox).
func Activate(t testing.TB, ctx context.Context, role, name string) {
	t.Helper()
	TabTo(t, ctx, role, name)
	if role == "checkbox" || role == "radio" {
		Press(t, ctx, " ")
		return
	}
	Press(t, ctx, "\r")
}

// Cookies returns the browser's cookies for url.
func Cookies(t testing.TB, ctx context.Context, url string) []*network.Cookie {
	t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		t.Fatalf("cookies: %v", err)
	}
	return res.Cookies
}

// Screenshot saves a PNG of the whole page.
func Screenshot(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	c, cancel := bounded(ctx)
	defer cancel()
	b, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// AxeTags are the rule sets every page must pass: WCAG 2.0, 2.1 and 2.2,
// levels A and AA.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target         []any  `json:"target"`
			FailureSummary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// Axe runs axe-core with AxeTags on the page and fails the test with every
// violation, naming the page by label.
func Axe(t testing.TB, ctx context.Context, label string) {
	t.Helper()
	if v := AxeViolations(t, ctx, label); len(v) > 0 {
		t.Errorf("axe found %d violation(s) on %s:%s", len(v), label, strings.Join(v, ""))
	}
}

// AxeViolations runs axe-core with AxeTags on the page and returns each
// violation, described with the elements it found.
func AxeViolations(t testing.TB, ctx context.Context, label string) []string {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	has, err := chromedp.Run(c, chromedp.Evaluate[bool](`typeof window.axe !== "undefined"`))
	if err != nil {
		t.Fatalf("axe on %s: %v", label, err)
	}
	if !has {
		if _, err := chromedp.Run(c, chromedp.Evaluate[any](axeSource+";0")); err != nil {
			t.Fatalf("inject axe on %s: %v", label, err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	raw, err := chromedp.Run(c, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}).then(r => JSON.stringify({violations: r.violations}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", label, err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("axe on %s: %v", label, err)
	}
	var out []string
	for _, v := range res.Violations {
		var sb strings.Builder
		fmt.Fprintf(&sb, "\n  %s: %s", v.ID, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    %v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " "))
		}
		out = append(out, sb.String())
	}
	return out
}

// ForeignRequests lists the resources the page loaded from another origin.
func ForeignRequests(t testing.TB, ctx context.Context) []string {
	t.Helper()
	return Eval[[]string](t, ctx, `performance.getEntriesByType("resource").map(e => e.name).filter(n => new URL(n).origin !== location.origin)`)
}
