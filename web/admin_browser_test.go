package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// apiToken signs in through the JSON API and returns the access token.
func (e *env) apiToken(email string) string {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": testPassword})
	res, err := http.Post(e.http.URL+"/api/auth/login/", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Tokens struct{ Access string } }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Tokens.Access == "" {
		e.t.Fatalf("API login %s: %d %v", email, res.StatusCode, err)
	}
	return out.Tokens.Access
}

// apiRequest asks for a shift through the JSON API, as a PA's phone app does.
func (e *env) apiRequest(token string, period int64, date, start, end string) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"schedule_period": period, "date": date, "start_time": start, "end_time": end})
	req, _ := http.NewRequest(http.MethodPost, e.http.URL+"/api/shifts/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("API request %s %s-%s: %d", date, start, end, res.StatusCode)
	}
}

// TestBrowserConsoleJourney is the admin's rota, by keyboard only, controls
// found by their accessible names: create a period, PAs ask through the
// API, the queue warns of a clash and of overtime, approve one past the
// limit after the confirmation, reject one with a reason, finalise after
// the preview, and read every step in the audit trail. Every console page
// passes axe at both widths on the way. Then a PA is deactivated while
// their browser and a WebSocket are open: both are cut off.
func TestBrowserConsoleJourney(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	admin := e.admin("ada@example.com")
	pat, sam := e.pa("pat@example.com", "Pat", "Smith"), e.pa("sam@example.com", "Sam", "Jones")
	if _, err := e.sched.UpdatePAProfile(context.Background(), admin, sam.ID, scheduling.PAProfileInput{MaxHoursPerWeek: 8}); err != nil {
		t.Fatal(err)
	}
	visit := func(path, title string) {
		t.Helper()
		webtest.Go(t, ctx, e.http.URL+path)
		webtest.WaitTitle(t, ctx, title)
		checkPage(t, ctx, path)
	}
	see := func(what ...string) {
		t.Helper()
		text := webtest.Text(t, ctx)
		for _, w := range what {
			if !strings.Contains(text, w) {
				t.Errorf("page does not say %q:\n%s", w, text)
			}
		}
	}

	webtest.Go(t, ctx, e.http.URL+"/signin")
	webtest.Fill(t, ctx, "Email address", "ada@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar")

	// A period, first with a mistake.
	visit("/admin/periods", "Schedule periods")
	webtest.Fill(t, ctx, "Name", "March 2030")
	webtest.Fill(t, ctx, "First day", "2030-03-31")
	webtest.Fill(t, ctx, "Last day", "2030-03-01")
	webtest.Activate(t, ctx, "button", "Create the period")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "error summary")
	checkPage(t, ctx, "period form with errors")
	webtest.Fill(t, ctx, "First day", "2030-03-01")
	webtest.Fill(t, ctx, "Last day", "2030-03-31")
	webtest.Activate(t, ctx, "button", "Create the period")
	webtest.WaitTitle(t, ctx, "March 2030")
	checkPage(t, ctx, "period page")
	periodURL := webtest.Eval[string](t, ctx, `location.pathname`)
	var periodID int64
	fmt.Sscanf(periodURL, "/admin/periods/%d", &periodID)

	// PAs ask through the API.
	patTok, samTok := e.apiToken("pat@example.com"), e.apiToken("sam@example.com")
	e.apiRequest(patTok, periodID, "2030-03-04", "06:00:00", "09:00:00")
	e.apiRequest(samTok, periodID, "2030-03-04", "08:00:00", "10:00:00")
	e.apiRequest(samTok, periodID, "2030-03-05", "06:00:00", "15:00:00")

	visit("/admin/queue", "Requests to approve")
	see("Over the weekly limit: 9.00 hours in the week of Monday 4 March 2030 after approval, limit 8.")
	webtest.Activate(t, ctx, "link", "Approve Pat Smith, Monday 4 March 2030, 06:00–09:00")
	webtest.WaitTitle(t, ctx, "Approve Pat Smith")
	checkPage(t, ctx, "approve page")
	webtest.Activate(t, ctx, "button", "Approve")
	webtest.WaitTitle(t, ctx, "Requests to approve")
	see("The request is approved.", "Clash: Pat Smith already has an approved shift 06:00–09:00 on Monday 4 March 2030.")
	checkPage(t, ctx, "queue with a clash")

	webtest.Activate(t, ctx, "link", "Approve Sam Jones, Tuesday 5 March 2030, 06:00–15:00 (needs confirmation)")
	webtest.WaitTitle(t, ctx, "Approve Sam Jones")
	see("This takes Sam Jones past their weekly limit", "9.00 hours in the week of Monday 4 March 2030")
	checkPage(t, ctx, "overtime confirmation")
	webtest.Activate(t, ctx, "checkbox", "Yes, approve it although it takes them past 8 hours in that week")
	webtest.Activate(t, ctx, "button", "Approve past the limit")
	webtest.WaitTitle(t, ctx, "Requests to approve")

	webtest.Activate(t, ctx, "link", "Reject Sam Jones, Monday 4 March 2030, 08:00–10:00")
	webtest.WaitTitle(t, ctx, "Reject Sam Jones")
	webtest.Activate(t, ctx, "button", "Reject the request")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "reason required")
	checkPage(t, ctx, "reject page with errors")
	webtest.Fill(t, ctx, "Reason", "Pat already covers that morning")
	webtest.Activate(t, ctx, "button", "Reject the request")
	webtest.WaitTitle(t, ctx, "Requests to approve")
	see("There are no requests waiting.")

	// Finalise after the preview.
	visit(periodURL, "March 2030")
	webtest.Activate(t, ctx, "link", "Finalise…")
	webtest.WaitTitle(t, ctx, "Finalise March 2030")
	see("Critical times still uncovered", "Monday 4 March 2030: Evening (9-10 PM) not covered", "None: no request is pending.")
	checkPage(t, ctx, "finalise preview")
	webtest.Activate(t, ctx, "button", "Finalise March 2030")
	webtest.WaitTitle(t, ctx, "March 2030")
	see("The period is finalised.")

	visit("/admin/audit", "Audit trail")
	see("Created period March 2030", "Approved a shift: Pat Smith, Monday 4 March 2030, 06:00–09:00",
		"Approved a shift past the weekly limit: Sam Jones, Tuesday 5 March 2030, 06:00–15:00",
		"Rejected a shift: Sam Jones, Monday 4 March 2030, 08:00–10:00. Reason: Pat already covers that morning",
		"Finalised period March 2030")

	// Every other console page, with errors where a form has them.
	now := scheduleToday(e)
	p2 := e.period(admin, "Now", now.AddDays(-2), now.AddDays(30))
	sh := e.request(pat, p2, now.AddDays(3), clockOf("10:00"), clockOf("12:00"))
	visit("/admin/shifts", "Shifts")
	visit("/admin/shifts?from=yesterday", "Shifts")
	visit("/admin/shifts/new", "Create a shift for a PA")
	webtest.Activate(t, ctx, "button", "Create the shift")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "shift form errors")
	checkPage(t, ctx, "new shift with errors")
	visit(fmt.Sprintf("/admin/shifts/%d", sh.ID), "Change Pat Smith")
	visit(fmt.Sprintf("/admin/shifts/%d/delete", sh.ID), "Delete Pat Smith")
	visit(fmt.Sprintf("/admin/requests/%d/reject", sh.ID), "Reject Pat Smith")
	visit("/admin/people", "People")
	visit("/admin/people/new", "Add a person")
	webtest.Activate(t, ctx, "button", "Add and send the invitation")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "person form errors")
	checkPage(t, ctx, "new person with errors")
	visit(fmt.Sprintf("/admin/people/%d", pat.ID), "Pat Smith")
	visit(fmt.Sprintf("/admin/people/%d", admin.ID), "Ada Admin")
	visit("/admin/coverage", "Coverage and hours")
	visit("/admin/jobs?state=available", "Background jobs")
	visit("/admin/jobs?state=completed", "Background jobs")
	visit(fmt.Sprintf("/admin/periods/%d/finalize", p2.ID), "Finalise Now")

	// Deactivation cuts a PA off at once: their browser and their socket.
	paWin := webtest.NewWindow(t, ctx)
	webtest.Go(t, paWin, e.http.URL+"/signin")
	webtest.Fill(t, paWin, "Email address", "pat@example.com")
	webtest.Fill(t, paWin, "Password", testPassword)
	webtest.Activate(t, paWin, "button", "Sign in")
	webtest.WaitTitle(t, paWin, "Calendar")
	webtest.Go(t, paWin, e.http.URL+"/history")
	webtest.WaitTitle(t, paWin, "History of my shifts")
	checkPage(t, paWin, "PA history")
	wsURL := strings.Replace(e.http.URL, "http", "ws", 1) + fmt.Sprintf("/ws/schedule/%d/?token=%s", p2.ID, e.apiToken("pat@example.com"))
	wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(wctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {e.http.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	if _, msg, err := conn.Read(wctx); err != nil || !strings.Contains(string(msg), "connection.established") {
		t.Fatalf("socket: %s %v", msg, err)
	}

	visit(fmt.Sprintf("/admin/people/%d", pat.ID), "Pat Smith")
	webtest.Activate(t, ctx, "button", "Deactivate Pat Smith")
	// The page's title stays "Pat Smith": wait for the new page's words.
	webtest.WaitJS(t, ctx, `document.body.textContent.includes("The account is deactivated.")`, "the deactivation's confirmation")
	for {
		_, _, err := conn.Read(wctx)
		if err == nil {
			continue // an event sent before the close
		}
		if websocket.CloseStatus(err) != 4001 {
			t.Fatalf("socket ended with %v, want close 4001", err)
		}
		break
	}
	webtest.Go(t, paWin, e.http.URL+"/history")
	webtest.WaitTitle(t, paWin, "Sign in")
	if _, err := e.accounts.Authenticate(context.Background(), patTok); err == nil {
		t.Error("the PA's API token survives deactivation")
	}
	var n int
	e.db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE kind = $1`, pasched.AuditUserDeactivated).Scan(&n)
	if n != 1 {
		t.Errorf("deactivation audited %d times", n)
	}
}

func scheduleToday(e *env) schedule.Date { return schedule.DateOf(e.web.today()) }

func clockOf(s string) schedule.TimeOfDay {
	t, err := schedule.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestBrowserQueueLive: a request sent through the API appears in the
// admin's open queue without a reload, the live region says so, and the
// focus stays where it was.
func TestBrowserQueueLive(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	admin := e.admin("ada@example.com")
	e.pa("pat@example.com", "Pat", "Smith")
	p := e.period(admin, "March", scheduleToday(e).AddDays(-1), scheduleToday(e).AddDays(30))
	webtest.Go(t, ctx, e.http.URL+"/signin")
	webtest.Fill(t, ctx, "Email address", "ada@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar")
	webtest.Go(t, ctx, e.http.URL+"/admin/queue")
	webtest.WaitTitle(t, ctx, "Requests to approve")
	webtest.TabTo(t, ctx, "link", "Skip to main content")
	// The page's socket is open once the server counts it.
	waitFor(t, "the queue's live socket", func() bool { return e.hub.Count() > 0 })

	day := scheduleToday(e).AddDays(2)
	e.apiRequest(e.apiToken("pat@example.com"), p.ID, day.String(), "21:00:00", "22:00:00")
	words := "Pat Smith, " + scheduling.DateWords(day) + ", 21:00–22:00"
	webtest.WaitJS(t, ctx, `document.getElementById("queue").textContent.includes("Pat Smith, 21:00–22:00")`, "the new request in the queue")
	webtest.Find(t, ctx, "link", "Approve "+words)
	webtest.WaitJS(t, ctx, `document.getElementById("live-region").textContent.startsWith("New request: Pat Smith")`, "the live region's words")
	if got := webtest.Eval[string](t, ctx, `document.activeElement.textContent`); got != "Skip to main content" {
		t.Errorf("focus moved to %q", got)
	}
	checkPage(t, ctx, "live queue")
}
