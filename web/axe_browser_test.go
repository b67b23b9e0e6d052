package web

import (
	"context"
	"strconv"
	"testing"

	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// Every page a PA or an anonymous visitor can reach passes axe (WCAG 2.0,
// 2.1, 2.2 A and AA) at 1280 px and 390 px, loads nothing from another
// origin and does not scroll sideways, with and without form errors.
func TestBrowserAxeEveryPage(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	today := e.fixedToday()
	admin := e.admin("ada@example.com")
	pat := e.pa("pat@example.com", "Pat", "Smith")
	p := e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))
	sh := e.request(pat, p, today, schedule.Clock(6, 0, 0), schedule.Clock(14, 0, 0))
	e.approve(admin, sh)
	pending := e.request(pat, p, today.AddDays(1), schedule.Clock(22, 0, 0), schedule.Clock(7, 0, 0))

	visit := func(path, title string) {
		t.Helper()
		webtest.Go(t, ctx, e.http.URL+path)
		webtest.WaitTitle(t, ctx, title)
		checkPage(t, ctx, path)
	}
	submit := func(button, label string) {
		t.Helper()
		webtest.Activate(t, ctx, "button", button)
		webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "error summary on "+label)
		checkPage(t, ctx, label+" with errors")
	}

	// Anonymous.
	visit("/signup", "Create an account")
	submit("Create account", "sign-up")
	visit("/forgot-password", "Forgotten your password?")
	submit("Send the link", "forgot password")
	visit("/verify-email?token=00000000-0000-0000-0000-000000000000", "Confirm your email address")
	visit("/reset-password?token=00000000-0000-0000-0000-000000000000", "Choose a new password")
	submit("Change password", "reset password")

	// A PA.
	webtest.Go(t, ctx, e.http.URL+"/signin")
	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Calendar")
	checkPage(t, ctx, "month calendar")
	visit("/calendar/week?date="+today.String(), "Calendar, Week of")
	visit("/calendar/day?date="+today.String(), "Calendar, Wednesday 4 March 2026")
	visit("/shifts/new", "Request a shift")
	submit("Send request", "request form")
	visit("/requests", "My requests")
	visit("/requests/"+strconv.FormatInt(pending.ID, 10)+"/edit", "Change your request")
	visit("/schedule", "My schedule")
	visit("/profile", "Your profile")
	webtest.Fill(t, ctx, "First name", "")
	submit("Save details", "profile")
	visit("/profile", "Your profile")
	submit("Change password", "change password")
	visit("/no-such-page", "Page not found")

	// First run, on a database without an admin.
	fresh := newEnv(t, sqlstore.SQLite)
	code, err := fresh.accounts.PrepareSetup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e = fresh
	visit("/setup", "Set up pasched")
	submit("Continue", "setup code")
	webtest.Fill(t, ctx, "Setup code", code)
	webtest.Activate(t, ctx, "button", "Continue")
	webtest.WaitTitle(t, ctx, "Create the rota manager")
	checkPage(t, ctx, "setup admin step")
	submit("Create account and finish", "setup admin step")
}
