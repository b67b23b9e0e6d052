package web

import (
	"strings"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/web/webtest"
)

// TestBrowserNotificationSettings: by keyboard only, controls found by
// their accessible names, at both widths with axe: switch a kind off, set
// quiet hours and a reminder time, see a mistake beside its field, and
// replace the calendar address.
func TestBrowserNotificationSettings(t *testing.T) {
	ctx := webtest.Browser(t)
	e := newEnv(t, sqlstore.SQLite)
	pa := e.pa("pat@example.com", "Pat", "Smith")
	e.admin("ada@example.com")

	webtest.Go(t, ctx, e.http.URL+"/profile/notifications")
	webtest.WaitTitle(t, ctx, "Sign in")
	webtest.Fill(t, ctx, "Email address", "pat@example.com")
	webtest.Fill(t, ctx, "Password", testPassword)
	webtest.Activate(t, ctx, "button", "Sign in")
	webtest.WaitTitle(t, ctx, "Notifications and calendar")
	checkPage(t, ctx, "notification settings")

	webtest.Activate(t, ctx, "checkbox", "Shift approved")
	webtest.Activate(t, ctx, "checkbox", "Hold emails during quiet hours")
	webtest.Fill(t, ctx, "Quiet hours start", "22:00")
	webtest.Fill(t, ctx, "Quiet hours end", "7pm")
	webtest.TabTo(t, ctx, "combobox", "Remind me before each shift")
	webtest.Press(t, ctx, "3")
	webtest.Activate(t, ctx, "button", "Save notification settings")
	webtest.WaitJS(t, ctx, `document.activeElement && document.activeElement.id === "error-summary"`, "error summary focused")
	checkPage(t, ctx, "notification settings with an error")
	if st := e.settingsOf(pa); !st.Wants(pasched.NotifyShiftApproved) || st.Quiet != nil {
		t.Fatalf("a refused form saved %+v", st)
	}

	webtest.Fill(t, ctx, "Quiet hours end", "07:00")
	webtest.Activate(t, ctx, "button", "Save notification settings")
	webtest.WaitJS(t, ctx, `document.body.innerText.includes("Your notification settings are saved.")`, "saved")
	st := e.settingsOf(pa)
	if st.Wants(pasched.NotifyShiftApproved) || !st.Wants(pasched.NotifyReminder) || st.Quiet == nil || st.Quiet.String() != "22:00-07:00" || st.ReminderLeadHours != 3 {
		t.Fatalf("saved %+v", st)
	}

	old := webtest.Eval[string](t, ctx, `document.getElementById("f-feed-shifts").value`)
	webtest.Activate(t, ctx, "button", "Replace my calendar addresses")
	webtest.WaitJS(t, ctx, `document.body.innerText.includes("Your calendar addresses are replaced.")`, "replaced")
	if now := webtest.Eval[string](t, ctx, `document.getElementById("f-feed-shifts").value`); now == old || !strings.HasSuffix(now, ".ics") {
		t.Fatalf("feed address %q after replacing %q", now, old)
	}
	checkPage(t, ctx, "notification settings after replacing the feed")

	// The admin's page at both widths.
	admin := webtest.NewWindow(t, ctx)
	webtest.Go(t, admin, e.http.URL+"/profile/notifications")
	webtest.Fill(t, admin, "Email address", "ada@example.com")
	webtest.Fill(t, admin, "Password", testPassword)
	webtest.Activate(t, admin, "button", "Sign in")
	webtest.WaitTitle(t, admin, "Notifications and calendar")
	webtest.Find(t, admin, "checkbox", "Daily coverage digest")
	webtest.Find(t, admin, "textbox", "Uncovered critical times (calendar address)")
	checkPage(t, admin, "admin's notification settings")
}
