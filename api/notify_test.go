package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/ical"
	"pasched/ical/icaltest"
	"pasched/notify"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// notifyEnv is an env whose API also serves issue 14's routes.
type notifyEnv struct {
	*env
	notify *notify.Service
	loc    *time.Location
}

func newNotifyEnv(t *testing.T, d sqlstore.Dialect, loc *time.Location) *notifyEnv {
	t.Helper()
	e := newEnv(t, d)
	// The gaps feed reaches past the next change of the clocks.
	nt := &notify.Service{DB: e.db, Jobs: e.jobs.Client, Signer: e.signer, Location: loc, Windows: schedule.DefaultWindows(), GapDays: 400}
	e.sched.Location = loc
	srv := New(Deps{Accounts: e.accounts, Scheduling: e.sched, Notify: nt, DB: e.db, Config: e.server.Config})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	nt.BaseURL = hs.URL
	e.server, e.http = srv, hs
	return &notifyEnv{env: e, notify: nt, loc: loc}
}

func (e *notifyEnv) period(admin *pasched.User, from, to schedule.Date) *pasched.Period {
	e.t.Helper()
	name := "Period " + from.String()
	p, err := e.sched.CreatePeriod(context.Background(), admin, scheduling.PeriodInput{Name: &name, StartDate: &from, EndDate: &to})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// shift asks for a shift as u (approved at once when u is an admin and
// direct).
func (e *notifyEnv) shift(u *pasched.User, p *pasched.Period, d schedule.Date, start, end string) *pasched.Shift {
	e.t.Helper()
	s, en := clockOf(start), clockOf(end)
	in := scheduling.ShiftInput{PeriodID: &p.ID, Date: &d, Start: &s, End: &en}
	sh, err := e.sched.CreateShift(context.Background(), u, in)
	if err != nil {
		e.t.Fatalf("shift %s %s-%s: %v", d, start, end, err)
	}
	return sh
}

func (e *notifyEnv) approve(admin *pasched.User, sh *pasched.Shift) {
	e.t.Helper()
	if _, err := e.sched.ApproveShift(context.Background(), admin, sh.ID, scheduling.ApproveInput{}); err != nil {
		e.t.Fatal(err)
	}
}

// feedURLs asks the API for u's feed URLs.
func (e *notifyEnv) feedURLs(u *pasched.User, method, path string) feedsJSON {
	e.t.Helper()
	r := e.do(method, path, nil, u)
	if r.Status != http.StatusOK {
		e.t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	var f feedsJSON
	if err := json.Unmarshal(r.Body, &f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// get fetches an absolute feed URL with extra headers.
func (e *notifyEnv) get(method, url string, headers map[string]string) response {
	e.t.Helper()
	return e.raw(method, strings.TrimPrefix(url, e.http.URL), nil, headers)
}

func clockOf(s string) schedule.TimeOfDay {
	t, err := schedule.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

// nextChange is the local date of the next change of loc's clocks
// after now, so feeds in every season cross one.
func nextChange(t *testing.T, loc *time.Location) (schedule.Date, ical.Transition) {
	now := time.Now()
	trs := ical.Transitions(loc, now.AddDate(0, 0, 7), now.AddDate(1, 1, 0))
	if len(trs) == 0 {
		t.Fatalf("%s has no clock change", loc)
	}
	return schedule.DateOf(trs[0].At.In(loc)), trs[0]
}

// TestFeeds drives the calendar feeds through HTTP on both databases and
// reads them with a maintained iCalendar parser: stable UIDs, SEQUENCE
// rising with every change, cancellations for rejected, cancelled and
// deleted shifts, an overnight shift as one event across a change of the
// clocks, pending requests tentative on request, 304 answers, rotation,
// and nobody's feed showing another's shifts.
func TestFeeds(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newNotifyEnv(t, d, loc)
		admin := e.admin("ada@example.com")
		alice := e.pa("alice@example.com", "Alice", "Able")
		bob := e.pa("bob@example.com", "Bob", "Baker")
		D, tr := nextChange(t, loc)
		p := e.period(admin, D.AddDays(-3), D.AddDays(3))

		// Alice: an approved day shift before the change (then deleted), one
		// after it (then edited), an overnight one across it, a pending
		// request, a request she withdrew; Bob: one approved shift.
		before := e.shift(alice, p, D.AddDays(-2), "09:00", "17:00")
		e.approve(admin, before)
		after := e.shift(alice, p, D.AddDays(1), "09:00", "17:00")
		e.approve(admin, after)
		night := e.shift(alice, p, D.AddDays(-1), "21:00", "09:00")
		e.approve(admin, night)
		pending := e.shift(alice, p, D.AddDays(2), "10:00", "12:00")
		withdrawn := e.shift(alice, p, D.AddDays(3), "10:00", "12:00")
		if _, err := e.sched.DeleteShift(context.Background(), alice, withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		bobs := e.shift(bob, p, D.AddDays(2), "06:00", "09:00")
		e.approve(admin, bobs)
		newEnd := clockOf("18:00")
		if _, err := e.sched.UpdateShift(context.Background(), admin, after.ID, scheduling.ShiftInput{End: &newEnd}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sched.DeleteShift(context.Background(), admin, before.ID); err != nil {
			t.Fatal(err)
		}

		host := "127.0.0.1"
		uid := func(sh *pasched.Shift) string { return notify.ShiftUID(sh.ID, host) }
		af := e.feedURLs(alice, "GET", "/api/feeds/")
		if af.GapsURL != "" || !strings.HasPrefix(af.ShiftsURL, e.http.URL+"/feeds/") || !strings.HasSuffix(af.ShiftsURL, ".ics") {
			t.Fatalf("alice's feeds %+v", af)
		}
		if again := e.feedURLs(alice, "GET", "/api/feeds/"); again != af {
			t.Fatalf("feed URL changed between reads: %+v %+v", af, again)
		}
		r := e.get("GET", af.ShiftsURL, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("alice's feed: %d %v %s", r.Status, r.Header, r.Body)
		}
		_, evs := icaltest.Parse(t, r.Body)
		want := map[string]struct {
			status string
			seq    int
		}{
			uid(before):    {"CANCELLED", 2}, // created 0, approved 1, deleted 2
			uid(after):     {"CONFIRMED", 2}, // created 0, approved 1, edited 2
			uid(night):     {"CONFIRMED", 1},
			uid(withdrawn): {"CANCELLED", 1},
		}
		if len(evs) != len(want) {
			t.Fatalf("alice's feed has %d events, want %d:\n%s", len(evs), len(want), r.Body)
		}
		for u, w := range want {
			if ev, ok := evs[u]; !ok || ev.Status != w.status || ev.Sequence != w.seq {
				t.Errorf("%s: %+v, want %s sequence %d", u, ev, w.status, w.seq)
			}
		}
		at := func(d schedule.Date, h int) time.Time {
			y, m, dd := d.Date()
			return time.Date(y, m, dd, h, 0, 0, 0, loc)
		}
		if ev := evs[uid(after)]; !ev.Start.Equal(at(D.AddDays(1), 9)) || !ev.End.Equal(at(D.AddDays(1), 18)) || ev.TZID != "Europe/London" {
			t.Errorf("edited shift %s–%s %s", ev.Start, ev.End, ev.TZID)
		}
		// One event across midnight and the change of the clocks: 12 hours
		// on the wall clock, 12 ∓ 1 real hours.
		ev := evs[uid(night)]
		if !ev.Start.Equal(at(D.AddDays(-1), 21)) || !ev.End.Equal(at(D, 9)) {
			t.Errorf("overnight shift %s–%s", ev.Start, ev.End)
		}
		if real, wantReal := ev.End.Sub(ev.Start), 12*time.Hour-time.Duration(tr.ToOffset-tr.FromOffset)*time.Second; real != wantReal {
			t.Errorf("overnight shift lasts %s, want %s", real, wantReal)
		}
		if strings.Contains(string(r.Body), "Bob") || evs[uid(bobs)].UID != "" || evs[uid(pending)].UID != "" {
			t.Errorf("alice's feed shows what it should not:\n%s", r.Body)
		}

		// Pending requests, tentative, by query or by setting.
		r = e.get("GET", af.ShiftsURL+"?pending=1", nil)
		_, evs = icaltest.Parse(t, r.Body)
		if ev := evs[uid(pending)]; ev.Status != "TENTATIVE" || ev.Sequence != 0 {
			t.Errorf("pending request with ?pending=1: %+v", ev)
		}
		if r := e.get("GET", af.ShiftsURL+"?pending=maybe", nil); r.Status != http.StatusBadRequest {
			t.Errorf("?pending=maybe: %d", r.Status)
		}
		if r := e.do("PATCH", "/api/notifications/settings/", map[string]any{"feed_include_pending": true}, alice); r.Status != http.StatusOK {
			t.Fatalf("setting: %d %s", r.Status, r.Body)
		}
		_, evs = icaltest.Parse(t, e.get("GET", af.ShiftsURL, nil).Body)
		if evs[uid(pending)].Status != "TENTATIVE" {
			t.Errorf("pending request with the setting: %+v", evs[uid(pending)])
		}
		_, evs = icaltest.Parse(t, e.get("GET", af.ShiftsURL+"?pending=0", nil).Body)
		if evs[uid(pending)].UID != "" {
			t.Errorf("?pending=0 shows the pending request")
		}

		// Conditional requests.
		r = e.get("GET", af.ShiftsURL, nil)
		etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("no validators: %v", r.Header)
		}
		for name, h := range map[string]map[string]string{
			"If-None-Match":          {"If-None-Match": etag},
			"weak If-None-Match":     {"If-None-Match": `"x", W/` + etag},
			"If-Modified-Since":      {"If-Modified-Since": lm},
			"If-None-Match and HEAD": {"If-None-Match": etag},
		} {
			method := "GET"
			if strings.Contains(name, "HEAD") {
				method = "HEAD"
			}
			if r := e.get(method, af.ShiftsURL, h); r.Status != http.StatusNotModified || len(r.Body) != 0 || r.Header.Get("ETag") != etag {
				t.Errorf("%s: %d %q", name, r.Status, r.Body)
			}
		}
		if r := e.get("GET", af.ShiftsURL, map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": lm}); r.Status != http.StatusOK {
			t.Errorf("a stale ETag wins over If-Modified-Since: %d", r.Status)
		}
		if r := e.get("HEAD", af.ShiftsURL, nil); r.Status != http.StatusOK || len(r.Body) != 0 {
			t.Errorf("HEAD: %d", r.Status)
		}
		// A change gives a new body and ETag, and a higher SEQUENCE.
		notes := "Bring keys"
		if _, err := e.sched.UpdateShift(context.Background(), admin, night.ID, scheduling.ShiftInput{Notes: &notes}); err != nil {
			t.Fatal(err)
		}
		r = e.get("GET", af.ShiftsURL, map[string]string{"If-None-Match": etag})
		if r.Status != http.StatusOK || r.Header.Get("ETag") == etag {
			t.Fatalf("after a change: %d, ETag %s", r.Status, r.Header.Get("ETag"))
		}
		_, evs = icaltest.Parse(t, r.Body)
		if ev := evs[uid(night)]; ev.Sequence != 2 || !strings.Contains(ev.Description, "Bring keys") {
			t.Errorf("changed shift %+v", ev)
		}

		// Bob's feed: his shift only.
		bf := e.feedURLs(bob, "GET", "/api/feeds/")
		if bf.ShiftsURL == af.ShiftsURL {
			t.Fatal("two users share a feed URL")
		}
		r = e.get("GET", bf.ShiftsURL+"?pending=1", nil)
		_, evs = icaltest.Parse(t, r.Body)
		if len(evs) != 1 || evs[uid(bobs)].Status != "CONFIRMED" || strings.Contains(string(r.Body), "Alice") {
			t.Fatalf("bob's feed:\n%s", r.Body)
		}
		// A PA has no gaps feed, even by guessing its URL.
		if r := e.get("GET", strings.TrimSuffix(bf.ShiftsURL, ".ics")+"/gaps.ics", nil); r.Status != http.StatusNotFound {
			t.Errorf("PA's gaps feed: %d", r.Status)
		}

		// The admin's feeds: every approved shift, never pending requests.
		adf := e.feedURLs(admin, "GET", "/api/feeds/")
		if adf.GapsURL == "" {
			t.Fatal("admin has no gaps feed")
		}
		r = e.get("GET", adf.ShiftsURL+"?pending=1", nil)
		_, evs = icaltest.Parse(t, r.Body)
		if len(evs) != 4 || evs[uid(after)].Status != "CONFIRMED" || evs[uid(night)].Status != "CONFIRMED" ||
			evs[uid(bobs)].Status != "CONFIRMED" || evs[uid(before)].Status != "CANCELLED" || evs[uid(bobs)].Summary != "Bob Baker" {
			t.Fatalf("admin's feed:\n%s", r.Body)
		}
		r = e.get("GET", adf.GapsURL, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("gaps: %d %s", r.Status, r.Body)
		}
		_, evs = icaltest.Parse(t, r.Body)
		gap := func(d schedule.Date, w string) string { return fmt.Sprintf("gap-%s-%s@%s", d, w, host) }
		for _, c := range []struct {
			uid     string
			present bool
		}{
			{gap(D.AddDays(-1), "2100-2200"), false}, // the overnight shift
			{gap(D, "0600-0900"), false},             // the overnight shift, next morning
			{gap(D.AddDays(2), "0600-0900"), false},  // Bob
			{gap(D.AddDays(-2), "0600-0900"), true},  // deleted shift's day
			{gap(D, "2100-2200"), true},
			{gap(D.AddDays(1), "0600-0900"), true}, // the edited day shift starts at 09:00
			{gap(D.AddDays(3), "2100-2200"), true},
			{gap(D.AddDays(4), "0600-0900"), false}, // past the period
		} {
			if ev, ok := evs[c.uid]; ok != c.present || (ok && ev.Status != "CONFIRMED") {
				t.Errorf("gap %s present %v, want %v", c.uid, ok, c.present)
			}
		}
		if ev := evs[gap(D, "2100-2200")]; !ev.Start.Equal(at(D, 21)) || !ev.End.Equal(at(D, 22)) {
			t.Errorf("gap times %s–%s", ev.Start, ev.End)
		}

		// Rotation: the old URL is 404 at once, the new one works.
		nf := e.feedURLs(alice, "POST", "/api/feeds/rotate/")
		if nf.ShiftsURL == af.ShiftsURL {
			t.Fatal("rotation kept the URL")
		}
		if r := e.get("GET", af.ShiftsURL, nil); r.Status != http.StatusNotFound {
			t.Errorf("rotated URL: %d", r.Status)
		}
		if r := e.get("GET", nf.ShiftsURL, nil); r.Status != http.StatusOK {
			t.Errorf("new URL: %d", r.Status)
		}
		if cur := e.feedURLs(alice, "GET", "/api/feeds/"); cur != nf {
			t.Errorf("after rotation the API shows %+v", cur)
		}
		for _, bad := range []string{"/feeds/nope.ics", "/feeds/" + strings.TrimSuffix(strings.TrimPrefix(nf.ShiftsURL, e.http.URL+"/feeds/"), ".ics"),
			"/feeds/x/gaps.ics", "/feeds/.ics"} {
			if r := e.raw("GET", bad, nil, nil); r.Status != http.StatusNotFound {
				t.Errorf("%s: %d", bad, r.Status)
			}
		}
		if r := e.do("GET", "/api/feeds/", nil, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous /api/feeds/: %d", r.Status)
		}

		// Tombstones last 30 days.
		e.exec(`UPDATE shift_tombstones SET deleted_at = $1`, time.Now().Add(-31*24*time.Hour).UTC().Format("2006-01-02T15:04:05.000000Z"))
		_, evs = icaltest.Parse(t, e.get("GET", nf.ShiftsURL, nil).Body)
		if _, ok := evs[uid(before)]; ok {
			t.Error("a shift deleted 31 days ago is still in the feed")
		}
		// An inactive user's feed stops.
		e.exec(`UPDATE users SET is_active = $1 WHERE id = $2`, false, alice.ID)
		if r := e.get("GET", nf.ShiftsURL, nil); r.Status != http.StatusNotFound {
			t.Errorf("inactive user's feed: %d", r.Status)
		}
	})
}

// settingsOf reads u's settings from the store.
func (e *notifyEnv) settingsOf(u *pasched.User) *pasched.NotificationSettings {
	e.t.Helper()
	s, err := sqlstore.FindNotificationSettings(context.Background(), e.db, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func TestNotificationSettingsAPI(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Europe/London")
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newNotifyEnv(t, d, loc)
		admin := e.admin("ada@example.com")
		pa := e.pa("pat@example.com", "Pat", "Smith")
		const path = "/api/notifications/settings/"
		if r := e.do("GET", path, nil, nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous: %d", r.Status)
		}
		expect(t, e.do("GET", path, nil, pa), 200, `{"email": {"shift_approved": true, "shift_rejected": true, "shift_changed": true,
			"shift_cancelled": true, "period_finalized": true, "reminder": true, "cover_offer": true},
			"quiet_hours": null, "reminder_lead_hours": 12, "reminder_lead_choices": [0, 1, 3, 12, 24],
			"feed_include_pending": false, "time_zone": "Europe/London"}`)
		expect(t, e.do("GET", path, nil, admin), 200, `{"email": {"new_request": true, "daily_digest": true},
			"quiet_hours": null, "reminder_lead_hours": 12, "reminder_lead_choices": [0, 1, 3, 12, 24],
			"feed_include_pending": false, "time_zone": "Europe/London"}`)

		// A PA with an approved shift ahead: a new lead time queues its
		// reminder for that lead, in the same transaction.
		D := schedule.DateOf(time.Now().In(loc)).AddDays(5)
		p := e.period(admin, D, D.AddDays(1))
		sh := e.shift(pa, p, D, "09:00", "17:00")
		e.approve(admin, sh)
		reminders := func() int64 { return e.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'shift_reminder'`) }
		before := reminders()
		expect(t, e.do("PATCH", path, map[string]any{"email": map[string]any{"shift_approved": false, "reminder": false},
			"quiet_hours": map[string]any{"start": "22:00", "end": "07:30"}, "reminder_lead_hours": 24}, pa), 200,
			`{"email": {"shift_approved": false, "shift_rejected": true, "shift_changed": true, "shift_cancelled": true,
			"period_finalized": true, "reminder": false, "cover_offer": true}, "quiet_hours": {"start": "22:00", "end": "07:30"},
			"reminder_lead_hours": 24, "reminder_lead_choices": [0, 1, 3, 12, 24], "feed_include_pending": false, "time_zone": "Europe/London"}`)
		if n := reminders() - before; n != 1 {
			t.Errorf("a new lead time queued %d reminders, want 1", n)
		}
		// PUT takes the same fields; unknown fields are ignored.
		expect(t, e.do("PUT", path, map[string]any{"email": map[string]any{"reminder": true}, "quiet_hours": nil, "colour": "blue"}, pa), 200,
			`{"email": {"shift_approved": false, "shift_rejected": true, "shift_changed": true, "shift_cancelled": true,
			"period_finalized": true, "reminder": true, "cover_offer": true}, "quiet_hours": null,
			"reminder_lead_hours": 24, "reminder_lead_choices": [0, 1, 3, 12, 24], "feed_include_pending": false, "time_zone": "Europe/London"}`)
		saved := e.settingsOf(pa)

		for _, c := range []struct {
			name, body, field string
		}{
			{"odd lead time", `{"reminder_lead_hours": 2}`, "reminder_lead_hours"},
			{"lead time as text", `{"reminder_lead_hours": "12"}`, "reminder_lead_hours"},
			{"unknown kind", `{"email": {"spam": false}}`, "email"},
			{"kind not a boolean", `{"email": {"shift_approved": "no"}}`, "email"},
			{"email not an object", `{"email": ["shift_approved"]}`, "email"},
			{"hour 25", `{"quiet_hours": {"start": "25:00", "end": "07:00"}}`, "quiet_hours"},
			{"empty quiet hours", `{"quiet_hours": {"start": "07:00", "end": "07:00"}}`, "quiet_hours"},
			{"quiet hours missing an end", `{"quiet_hours": {"start": "22:00"}}`, "quiet_hours"},
			{"quiet hours as text", `{"quiet_hours": "22-7"}`, "quiet_hours"},
			{"seconds", `{"quiet_hours": {"start": "22:00:30", "end": "07:00"}}`, "quiet_hours"},
			{"feed flag", `{"feed_include_pending": "yes"}`, "feed_include_pending"},
			{"a valid change beside a bad one", `{"email": {"reminder": false}, "reminder_lead_hours": 5}`, "reminder_lead_hours"},
		} {
			r := e.raw("PATCH", path, []byte(c.body), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + e.access(pa)})
			var body map[string][]string
			if r.Status != http.StatusBadRequest || json.Unmarshal(r.Body, &body) != nil || len(body[c.field]) == 0 {
				t.Errorf("%s: %d %s, want 400 naming %s", c.name, r.Status, r.Body, c.field)
			}
		}
		if r := e.raw("PATCH", path, []byte(`{"email":`), map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + e.access(pa)}); r.Status != http.StatusBadRequest {
			t.Errorf("malformed JSON: %d", r.Status)
		}
		if got := e.settingsOf(pa); strings.Join(got.Disabled, ",") != strings.Join(saved.Disabled, ",") || got.ReminderLeadHours != saved.ReminderLeadHours || got.Quiet != nil {
			t.Errorf("refused changes changed the settings: %+v", got)
		}
	})
}

// TestUnsubscribeLink: the link of an email works without signing in,
// after a confirmation (a GET changes nothing), and switches off exactly
// its own user's own kind; a link altered in any way is refused.
func TestUnsubscribeLink(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newNotifyEnv(t, d, time.UTC)
		pat := e.pa("pat@example.com", "Pat", "Smith")
		sam := e.pa("sam@example.com", "Sam", "Jones")
		tok := e.signer.Unsubscribe(pat.ID, pasched.NotifyShiftApproved)
		path := "/unsubscribe/" + tok

		r := e.raw("GET", path, nil, nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `<button type="submit">Unsubscribe from “Shift approved” emails</button>`) {
			t.Fatalf("confirmation page: %d %s", r.Status, r.Body)
		}
		if !e.settingsOf(pat).Wants(pasched.NotifyShiftApproved) {
			t.Fatal("a GET unsubscribed")
		}
		// RFC 8058's one-click POST, as a mail client sends it.
		for range 2 {
			r = e.raw("POST", path, []byte("List-Unsubscribe=One-Click"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "You will no longer get “Shift approved” emails") {
				t.Fatalf("one-click: %d %s", r.Status, r.Body)
			}
		}
		got := e.settingsOf(pat)
		for _, k := range pasched.NotifyKinds {
			if got.Wants(k.Name) != (k.Name != pasched.NotifyShiftApproved) {
				t.Errorf("pat: %s is %v", k.Name, got.Wants(k.Name))
			}
		}
		for _, k := range pasched.NotifyKinds {
			if !e.settingsOf(sam).Wants(k.Name) {
				t.Errorf("sam's %s was switched off", k.Name)
			}
		}
		mac := tok[strings.LastIndexByte(tok, '.')+1:]
		for name, bad := range map[string]string{
			"another user":    fmt.Sprintf("%d.%s.%s", sam.ID, pasched.NotifyShiftApproved, mac),
			"another kind":    fmt.Sprintf("%d.%s.%s", pat.ID, pasched.NotifyReminder, mac),
			"an unknown kind": e.signer.Unsubscribe(pat.ID, "spam"),
			"no such user":    e.signer.Unsubscribe(9999, pasched.NotifyReminder),
			"another key":     token.NewSigner("another key").Unsubscribe(pat.ID, pasched.NotifyReminder),
			"garbage":         "x",
		} {
			for _, m := range []string{"GET", "POST"} {
				if r := e.raw(m, "/unsubscribe/"+bad, nil, nil); r.Status != http.StatusNotFound {
					t.Errorf("%s %s: %d", m, name, r.Status)
				}
			}
		}
		if !e.settingsOf(sam).Wants(pasched.NotifyShiftApproved) || !e.settingsOf(pat).Wants(pasched.NotifyReminder) {
			t.Error("a refused link changed settings")
		}
	})
}

func FuzzSettingsDecoder(f *testing.F) {
	for _, s := range []string{`{}`, `{"email": {"reminder": false}}`, `{"quiet_hours": null}`, `{"quiet_hours": {"start": "22:00", "end": "07:00"}}`,
		`{"reminder_lead_hours": 3, "feed_include_pending": true}`, `{"email": {"x": 1}}`, `{"quiet_hours": {"start": 1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		up, err := decodeSettingsUpdate(m)
		if err != nil {
			if pasched.ErrorCode(err) != pasched.EINVALID {
				t.Fatalf("error of code %s: %v", pasched.ErrorCode(err), err)
			}
			return
		}
		for k := range up.Email {
			if !pasched.ValidNotifyKind(k) {
				t.Fatalf("accepted kind %q", k)
			}
		}
		if q := up.Quiet; q != nil && (q.Start < 0 || q.Start >= 24*60 || q.End < 0 || q.End >= 24*60) {
			t.Fatalf("accepted quiet hours %+v", q)
		}
	})
}
