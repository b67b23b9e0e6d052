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
	t.Parallel()
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
