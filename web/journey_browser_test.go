package web

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// A PA's whole journey by keyboard only, controls found by their accessible
// names: sign up → confirm the address from the email → sign in → request a
// shift → see it pending → the admin approves it through the JSON API → the
// open page changes without a reload and the live region says so, focus
// staying put → cancel another pending request.
func TestBrowserPAJourney(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite, envOpts{mail: true})
	e.fixedToday()
	admin := e.admin("ada@example.com")
	e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))

	webtest.Go(t, ctx, e.http.URL+"/")
	webtest.WaitTitle(t, ctx, "Sign in")
	webtest.Activate(t, ctx, "link", "Create an account")
	webtest.WaitTitle(t, ctx, "Create an account")
	webtest.Fill(t, ctx, "First name", "Pat")
	webtest.Fill(t, ctx, "Last name", "Smith")
	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.FillRole(t, ctx, "", "Phone number", "07700 900123")
	webtest.FillRole(t, ctx, "", "Password", "Pat-Pass-2030!")
	webtest.FillRole(t, ctx, "", "Type the password again", "Pat-Pass-2030!")
	webtest.Activate(t, ctx, "button", "Create account")
	webtest.WaitTitle(t, ctx, "Sign in")

	// The link from the email, opened as a person opens it.
	link := e.emailLink(t, "/verify-email", 1)
	webtest.Go(t, ctx, e.http.URL+link)
	webtest.WaitTitle(t, ctx, "Confirm your email address")
	webtest.Activate(t, ctx, "button", "Confirm my email address")
	webtest.WaitTitle(t, ctx, "Sign in")
	webtest.WaitJS(t, ctx, `document.body.innerText.includes("Your email address is confirmed")`, "confirmation")

	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.FillRole(t, ctx, "", "Password", "Pat-Pass-2030!")
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar, March 2026")

	request := func(date, start, end string) {
		t.Helper()
		webtest.Activate(t, ctx, "link", "Request a shift")
		webtest.WaitTitle(t, ctx, "Request a shift")
		webtest.Fill(t, ctx, "Date", date)
		webtest.Fill(t, ctx, "Start time", start)
		webtest.Fill(t, ctx, "End time", end)
		webtest.Activate(t, ctx, "button", "Send request")
		webtest.WaitTitle(t, ctx, "My requests")
	}
	request("10/03/2026", "08:00", "14:00") // Tuesday 10 March
	request("11/3/2026", "9:00", "1200")    // Wednesday 11 March
	if txt := webtest.Text(t, ctx); !strings.Contains(txt, "Waiting for approval (2)") || !strings.Contains(txt, "Tuesday 10 March 2026, 08:00–14:00") {
		t.Fatalf("my requests: %s", txt)
	}

	// The calendar shows it pending; the page listens for changes.
	webtest.Activate(t, ctx, "link", "Calendar")
	webtest.WaitTitle(t, ctx, "Calendar, March 2026")
	day := "Tuesday 10 March. your shifts: 08:00–14:00 pending. Not covered: 06:00–09:00, 21:00–22:00"
	webtest.Find(t, ctx, "link", day)
	waitFor(t, "the page's live socket", func() bool { return e.hub.Count() > 0 })
	webtest.Eval[bool](t, ctx, `(window.notReloaded = true)`)
	focused := webtest.TabTo(t, ctx, "link", "Next month: April 2026")

	// The admin approves it through the JSON API.
	shifts := e.pendingIDs(t)
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/api/shifts/"+strconv.FormatInt(shifts[0], 10)+"/approve/", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.accessToken(admin.ID))
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("approve through the API: %v %v", err, res)
	}
	res.Body.Close()

	webtest.WaitJS(t, ctx, `document.getElementById("live-region").textContent.includes("Tuesday 10 March, 08:00–14:00: approved")`, "the live region's announcement")
	webtest.Find(t, ctx, "link", "Tuesday 10 March. your shifts: 08:00–14:00 approved. Not covered: 06:00–09:00, 21:00–22:00")
	if !webtest.Eval[bool](t, ctx, `window.notReloaded === true`) {
		t.Fatal("the page reloaded")
	}
	if !webtest.Call[bool](t, ctx, focused, `function() { return this === document.activeElement; }`) {
		t.Fatalf("focus moved to %q", webtest.Eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 200)`))
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll("[role=status]").length`); n != 1 {
		t.Fatalf("%d live regions", n)
	}

	// Cancel the other pending request.
	webtest.Activate(t, ctx, "link", "My requests")
	webtest.WaitTitle(t, ctx, "My requests")
	webtest.Activate(t, ctx, "button", "Cancel request: Wednesday 11 March, 09:00–12:00")
	webtest.WaitJS(t, ctx, `document.body && document.body.innerText.includes("Your shift request is cancelled.")`, "the cancellation")
	txt := webtest.Text(t, ctx)
	if !strings.Contains(txt, "Your shift request is cancelled.") || !strings.Contains(txt, "Cancelled by you (1)") || !strings.Contains(txt, "Approved (1)") {
		t.Fatalf("after cancelling: %s", txt)
	}
}

// pendingIDs are the ids of the pending shifts, oldest first.
func (e *env) pendingIDs(t *testing.T) []int64 {
	t.Helper()
	rows, err := e.db.QueryContext(t.Context(), `SELECT id FROM shift_requests WHERE status = 'PENDING' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// accessToken is an API access token for user id.
func (e *env) accessToken(id int64) string {
	p, err := e.signer.IssuePair(id, e.db.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Access
}
