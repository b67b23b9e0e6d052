package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"pasched/demo"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// layoutProblems is JavaScript listing what a person using zoom or a narrow
// screen would call broken (WCAG 1.4.4 and 1.4.10): the page scrolling
// sideways, a control outside the viewport, cut off by its own box or
// covered by another element, and a part that scrolls on its own without
// being a named region the keyboard can reach.
const layoutProblems = `(() => {
  const vw = document.documentElement.clientWidth, out = [];
  if (document.documentElement.scrollWidth > vw) out.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " px in " + vw);
  const desc = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + JSON.stringify((el.innerText || el.value || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 50));
  const scroller = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === "auto" || o === "scroll") return a;
    }
    return null;
  };
  const seen = new Set();
  for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex='0']")) {
    if (el.closest(".visually-hidden, .skip-link")) continue;
    const b = el.getBoundingClientRect(), r0 = {left: b.left + scrollX, right: b.right + scrollX, width: b.width, height: b.height};
    if (r0.width === 0 && r0.height === 0) continue; // not shown at this width
    const sc = scroller(el);
    if (sc && !seen.has(sc)) {
      seen.add(sc);
      if (sc.scrollWidth > sc.clientWidth && (sc.tabIndex < 0 || !(sc.getAttribute("aria-label") || sc.getAttribute("aria-labelledby"))))
        out.push(desc(sc) + " scrolls sideways but is not a named region the keyboard can reach");
    }
    const sb = sc ? sc.getBoundingClientRect() : null, box = sb ? {left: sb.left + scrollX, right: sb.right + scrollX} : null;
    if (!sc && (r0.left < -1 || r0.right > vw + 1)) out.push(desc(el) + " is outside the viewport (" + Math.round(r0.left) + " to " + Math.round(r0.right) + " px of " + vw + ")");
    if (sc && (box.left < -1 || box.right > vw + 1)) out.push(desc(sc) + " is outside the viewport");
    const cs = getComputedStyle(el);
    if (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA" && el.tagName !== "SELECT" && /hidden|clip/.test(cs.overflowX + cs.overflowY) && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      out.push(desc(el) + " cuts its own text (" + el.scrollWidth + "×" + el.scrollHeight + " in " + el.clientWidth + "×" + el.clientHeight + ")");
    el.scrollIntoView({block: "center", inline: "center"});
    const r = el.getClientRects()[0] || el.getBoundingClientRect(), x = r.left + Math.min(r.width / 2, 8), y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= vw || y >= innerHeight) continue;
    const top = document.elementFromPoint(x, y);
    if (top && top !== el && !el.contains(top) && !(el.labels && [...el.labels].some(l => l.contains(top))))
      out.push(desc(el) + " is covered by " + desc(top));
  }
  window.scrollTo(0, 0);
  return out;
})()`

// zoomWidths are the viewports of a 1280 px window at 200% zoom (device
// scale factor 2) and of WCAG's reflow width, 320 CSS px.
var zoomWidths = []struct {
	name          string
	width, height int64
	scale         float64
}{{"1280px at 200%", 640, 450, 2}, {"320 CSS px", 320, 480, 1}}

// TestBrowserZoom: the PA's and the admin's pages, full of the demo's
// household, reflow at 200% zoom and at 320 CSS px: no sideways scrolling of
// the page (a wide table scrolls in its own named, focusable region), no
// control cut off or covered, and axe finds nothing. With
// PASCHED_SCREENSHOTS=dir, it also writes each page at 1280 and 390 px
// there, to be looked at.
func TestBrowserZoom(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	today := e.fixedToday()
	res, err := demo.Fill(context.Background(), demo.Deps{Accounts: e.accounts, Scheduling: e.sched, Jobs: e.jobs},
		demo.Opts{Seed: 1, Start: schedule.MustDate(2026, 2, 1), Today: today})
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("PASCHED_SCREENSHOTS")
	check := func(name, path, title string) {
		t.Helper()
		webtest.Viewport(t, ctx, 1280, 900)
		webtest.Go(t, ctx, e.http.URL+path)
		webtest.WaitTitle(t, ctx, title)
		for _, w := range zoomWidths {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.width, w.height, chromedp.EmulateScale(w.scale))); err != nil {
				t.Fatal(err)
			}
			if p := webtest.Eval[[]string](t, ctx, layoutProblems); len(p) > 0 {
				t.Errorf("%s at %s:\n  %s", path, w.name, strings.Join(p, "\n  "))
			}
			webtest.Axe(t, ctx, path+" at "+w.name)
		}
		if shots == "" {
			return
		}
		for _, w := range widths {
			webtest.Viewport(t, ctx, w.width, w.height)
			webtest.Screenshot(t, ctx, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, w.width)))
		}
	}
	signIn := func(email, password string) {
		t.Helper()
		webtest.Viewport(t, ctx, 1280, 900)
		webtest.Go(t, ctx, e.http.URL+"/signin")
		webtest.Fill(t, ctx, "Email address", email)
		webtest.Fill(t, ctx, "Password", password)
		webtest.Activate(t, ctx, "button", "Sign in")
		webtest.WaitTitle(t, ctx, "Calendar")
	}

	signIn(res.PAs[0].Email, demo.PAPassword)
	check("pa-month", "/calendar", "Calendar, March 2026")
	check("pa-week", "/calendar/week?date="+today.String(), "Calendar, Week of")
	check("pa-day", "/calendar/day?date="+today.String(), "Calendar, Wednesday 4 March 2026")
	check("pa-request", "/shifts/new", "Request a shift")
	check("pa-requests", "/requests", "My requests")
	check("pa-schedule", "/schedule", "My schedule")
	check("pa-history", "/history", "History of my shifts")
	check("pa-profile", "/profile", "Your profile")
	webtest.Activate(t, ctx, "button", "Sign out")
	webtest.WaitTitle(t, ctx, "Sign in")

	signIn(demo.AdminEmail, demo.AdminPassword)
	check("admin-queue", "/admin/queue", "Requests to approve")
	// A flex label once ran its words together on screen ("Selectfor
	// approval"): the visible "Select" and "for" must be a space apart.
	if n := webtest.Eval[int](t, ctx, `[...document.querySelectorAll("#queue label")].filter(l => {
	  const w = document.createTreeWalker(l, NodeFilter.SHOW_TEXT), texts = [];
	  for (let n; (n = w.nextNode());) if (!n.parentElement.closest(".visually-hidden")) texts.push(n);
	  const a = texts.find(n => n.textContent.includes("Select")), b = texts.find(n => n.textContent.includes("for approval"));
	  if (!a || !b) return true;
	  const r = document.createRange(), i = a.textContent.indexOf("Select"), j = b.textContent.indexOf("for");
	  r.setStart(a, i); r.setEnd(a, i + 6); const ra = r.getBoundingClientRect();
	  r.setStart(b, j); r.setEnd(b, j + 3); const rb = r.getBoundingClientRect();
	  return Math.abs(ra.top - rb.top) < 2 && rb.left - ra.right < 2;
	}).length`); n > 0 {
		t.Errorf("%d selection labels of the queue run \"Select\" and \"for approval\" together", n)
	}
	check("admin-periods", "/admin/periods", "Schedule periods")
	check("admin-period", fmt.Sprintf("/admin/periods/%d", res.Periods[1].ID), res.Periods[1].Name)
	check("admin-shifts", "/admin/shifts", "Shifts")
	check("admin-new-shift", "/admin/shifts/new", "Create a shift for a PA")
	check("admin-people", "/admin/people", "People")
	check("admin-person", fmt.Sprintf("/admin/people/%d", res.PAs[0].ID), res.PAs[0].Name)
	check("admin-coverage", "/admin/coverage", "Coverage and hours")
	check("admin-jobs", "/admin/jobs", "Background jobs")
	check("admin-audit", "/admin/audit", "Audit trail")
}
