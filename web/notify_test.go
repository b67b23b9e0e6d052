package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/web/webtest"
)

func (e *env) settingsOf(u *pasched.User) *pasched.NotificationSettings {
	e.t.Helper()
	s, err := sqlstore.FindNotificationSettings(context.Background(), e.db, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// TestNotificationSettingsPage: the profile's notification page saves
// every setting from one form, shows a refused one beside its field with
// nothing saved, and replaces the feed addresses (the old one then 404s).
func TestNotificationSettingsPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		pa := e.pa("pat@example.com", "Pat", "Smith")
		e.admin("ada@example.com")
		anon := e.client()
		if p := anon.get("/profile/notifications"); p.Status != http.StatusSeeOther {
			t.Fatalf("anonymous: %d", p.Status)
		}
		c := e.client()
		c.signIn("pat@example.com")
		p := c.get("/profile/notifications")
		if p.Status != http.StatusOK {
			t.Fatalf("page: %d %s", p.Status, p.Body)
		}
		for _, want := range []string{`name="email" value="shift_approved" checked`, `name="email" value="reminder" checked`,
			`<option value="12" selected>12 hours before</option>`, `id="f-feed-shifts" value="` + e.http.URL + `/feeds/`} {
			if !strings.Contains(p.Body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		if strings.Contains(p.Body, "new_request") || strings.Contains(p.Body, "f-feed-gaps") {
			t.Error("a PA's page shows admin settings")
		}
		feed := between(p.Body, `id="f-feed-shifts" value="`, `"`)
		if r := anon.get(strings.TrimPrefix(feed, e.http.URL)); r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "BEGIN:VCALENDAR") {
			t.Fatalf("feed %s: %d", feed, r.Status)
		}

		form := url.Values{"email": {"shift_rejected", "shift_changed", "shift_cancelled", "period_finalized", "reminder", "cover_offer"},
			"quiet": {"on"}, "quiet_start": {"22:00"}, "quiet_end": {"07:00"}, "reminder_lead_hours": {"3"}, "feed_include_pending": {"on"}}
		if p := c.post("/profile/notifications", form); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/profile/notifications" {
			t.Fatalf("save: %d %s", p.Status, p.Body)
		}
		st := e.settingsOf(pa)
		if st.Wants(pasched.NotifyShiftApproved) || !st.Wants(pasched.NotifyReminder) || st.Quiet == nil || st.Quiet.String() != "22:00-07:00" ||
			st.ReminderLeadHours != 3 || !st.FeedIncludePending {
			t.Fatalf("saved %+v", st)
		}
		if p := c.get("/profile/notifications"); !strings.Contains(p.Body, "Your notification settings are saved.") ||
			!strings.Contains(p.Body, `value="shift_approved">`) || !strings.Contains(p.Body, `value="22:00"`) {
			t.Errorf("page after saving:\n%s", p.Body)
		}

		for name, c2 := range map[string]struct {
			form  url.Values
			field string
		}{
			"a bad time":       {url.Values{"quiet": {"on"}, "quiet_start": {"25:00"}, "quiet_end": {"07:00"}, "reminder_lead_hours": {"12"}}, "f-quiet-start"},
			"empty quiet":      {url.Values{"quiet": {"on"}, "quiet_start": {"07:00"}, "quiet_end": {"07:00"}, "reminder_lead_hours": {"12"}}, "f-quiet-start"},
			"an odd lead":      {url.Values{"reminder_lead_hours": {"5"}}, "f-reminder-lead-hours"},
			"an unknown email": {url.Values{"email": {"spam"}, "reminder_lead_hours": {"12"}}, "f-email"},
		} {
			p := c.post("/profile/notifications", c2.form)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `href="#`+c2.field+`"`) {
				t.Errorf("%s: %d, no link to #%s in the summary:\n%s", name, p.Status, c2.field, p.Body)
			}
		}
		if again := e.settingsOf(pa); again.ReminderLeadHours != 3 || again.Quiet == nil || again.Wants(pasched.NotifyShiftApproved) {
			t.Fatalf("a refused form changed the settings: %+v", again)
		}

		if p := c.post("/profile/notifications/feed", nil); p.Status != http.StatusSeeOther {
			t.Fatalf("rotate: %d", p.Status)
		}
		if r := anon.get(strings.TrimPrefix(feed, e.http.URL)); r.Status != http.StatusNotFound {
			t.Errorf("old feed after rotation: %d", r.Status)
		}
		if nf := between(c.get("/profile/notifications").Body, `id="f-feed-shifts" value="`, `"`); nf == feed || nf == "" {
			t.Errorf("feed address after rotation %q", nf)
		}

		ac := e.client()
		ac.signIn("ada@example.com")
		p = ac.get("/profile/notifications")
		if !strings.Contains(p.Body, `value="new_request" checked`) || !strings.Contains(p.Body, `value="daily_digest" checked`) ||
			!strings.Contains(p.Body, `id="f-feed-gaps"`) || strings.Contains(p.Body, "reminder_lead_hours") {
			t.Errorf("admin's page:\n%s", p.Body)
		}
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	j := strings.Index(s, to)
	if j < 0 {
		return ""
	}
	return s[:j]
}

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
