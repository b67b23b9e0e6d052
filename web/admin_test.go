package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestAdminRoutesGuarded walks every route registered under /admin/ and
// every method: an anonymous visitor is sent to sign in, a PA gets 403.
// A new route cannot ship unguarded: it is in the walk as soon as it is
// registered.
func TestAdminRoutesGuarded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	e.pa("pat@example.com", "Pat", "Smith")
	anon, pa := e.client(), e.client()
	pa.signIn("pat@example.com")
	var paths []string
	for _, p := range e.web.Patterns() {
		path := p
		if _, after, ok := strings.Cut(p, " "); ok {
			path = after
		}
		if !strings.HasPrefix(path, "/admin/") {
			continue
		}
		path = strings.ReplaceAll(strings.ReplaceAll(path, "{$}", ""), "{id}", "1")
		paths = append(paths, path, path+"x") // x: a path the route does not know
	}
	if len(paths) < 40 {
		t.Fatalf("only %d admin paths found: %v", len(paths), paths)
	}
	for _, path := range paths {
		for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
			req := func(c *client) page {
				r, _ := http.NewRequest(method, e.http.URL+path, strings.NewReader("x=1"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Origin", e.http.URL)
				return c.do(r)
			}
			if p := req(anon); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/signin") {
				t.Errorf("anonymous %s %s: %d %s", method, path, p.Status, p.Header.Get("Location"))
			}
			if p := req(pa); p.Status != http.StatusForbidden {
				t.Errorf("PA %s %s: %d", method, path, p.Status)
			}
		}
	}
}

// console is an admin's browser without JavaScript over a fresh database.
type console struct {
	t     *testing.T
	e     *env
	c     *client
	admin *pasched.User
}

func newConsole(t *testing.T, d sqlstore.Dialect) *console {
	e := newEnv(t, d)
	admin := e.admin("ada@example.com")
	c := e.client()
	c.signIn("ada@example.com")
	return &console{t: t, e: e, c: c, admin: admin}
}

// ok posts a form and expects the redirect of a success with its flash.
func (k *console) ok(path string, form url.Values) string {
	k.t.Helper()
	p := k.c.post(path, form)
	if p.Status != http.StatusSeeOther {
		k.t.Fatalf("POST %s: %d\n%s", path, p.Status, p.Body)
	}
	return p.Header.Get("Location")
}

// page gets path and expects 200 with every want in its body.
func (k *console) page(path string, want ...string) string {
	k.t.Helper()
	p := k.c.get(path)
	if p.Status != http.StatusOK {
		k.t.Fatalf("GET %s: %d\n%s", path, p.Status, p.Body)
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			k.t.Errorf("GET %s: no %q in\n%s", path, w, p.Body)
		}
	}
	return p.Body
}

func (k *console) audit(kind string) int {
	k.t.Helper()
	n, err := sqlstore.CountAudit(context.Background(), k.e.db, pasched.AuditFilter{Kind: kind})
	if err != nil {
		k.t.Fatal(err)
	}
	return n
}

func (k *console) request(pa *pasched.User, period int64, day, start, end string) *pasched.Shift {
	k.t.Helper()
	d, _ := schedule.ParseDate(day)
	s, _ := schedule.ParseTime(start)
	en, _ := schedule.ParseTime(end)
	sh, err := k.e.sched.CreateShift(context.Background(), pa, scheduling.ShiftInput{PeriodID: &period, Date: &d, Start: &s, End: &en})
	if err != nil {
		k.t.Fatal(err)
	}
	return sh
}

var idInLocation = regexp.MustCompile(`/(\d+)$`)

func TestConsolePeriodsQueueAndFinalise(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		k := newConsole(t, d)
		pat, sam := k.e.pa("pat@example.com", "Pat", "Smith"), k.e.pa("sam@example.com", "Sam", "Jones")
		if _, err := k.e.sched.UpdatePAProfile(context.Background(), k.admin, sam.ID, scheduling.PAProfileInput{MaxHoursPerWeek: 8}); err != nil {
			t.Fatal(err)
		}

		// Create a period; a bad one keeps the typed values beside errors.
		p := k.c.post("/admin/periods", url.Values{"name": {"March"}, "start_date": {"2030-03-31"}, "end_date": {"2030-03-01"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "End date must be after start date.") ||
			!strings.Contains(p.Body, `value="March"`) || !strings.Contains(p.Body, `id="error-summary"`) {
			t.Fatalf("bad period: %d\n%s", p.Status, p.Body)
		}
		if k.audit(pasched.AuditPeriodCreated) != 0 {
			t.Fatal("a refused period was audited")
		}
		loc := k.ok("/admin/periods", url.Values{"name": {"March"}, "start_date": {"2030-03-01"}, "end_date": {"2030-03-31"}})
		m := idInLocation.FindStringSubmatch(loc)
		if m == nil {
			t.Fatalf("period location %q", loc)
		}
		var periodID int64
		fmt.Sscan(m[1], &periodID)
		k.page("/admin/periods", "March", "Open")
		k.page(loc, "March", "Morning (6-9 AM): not covered (06:00–09:00)", "Lock the period")

		// Requests arrive: one clashes once another is approved, one is
		// past Sam's limit.
		a := k.request(pat, periodID, "2030-03-04", "06:00", "09:00")
		clash := k.request(sam, periodID, "2030-03-04", "08:00", "10:00")
		over := k.request(sam, periodID, "2030-03-05", "06:00", "15:00")
		keep := k.request(pat, periodID, "2030-03-06", "21:00", "22:00")
		body := k.page("/admin/queue", "Monday 4 March 2030", "It completes Morning (6-9 AM) on Monday 4 March 2030.",
			"<strong>Over the weekly limit:</strong> 9.00 hours in the week of Monday 4 March 2030 after approval, limit 8.")
		if strings.Contains(body, "Clash:") {
			t.Error("a clash before anything is approved")
		}
		k.ok(fmt.Sprintf("/admin/requests/%d/approve", a.ID), url.Values{})
		k.page("/admin/queue", "<strong>Clash:</strong> Pat Smith already has an approved shift 06:00–09:00 on Monday 4 March 2030")
		k.page(fmt.Sprintf("/admin/requests/%d/approve", clash.ID), "This request clashes")

		// Past the limit: refused without the confirmation, which names it.
		k.page(fmt.Sprintf("/admin/requests/%d/approve", over.ID), "This takes Sam Jones past their weekly limit",
			"Yes, approve it although it takes them past 8 hours in that week")
		p = k.c.post(fmt.Sprintf("/admin/requests/%d/approve", over.ID), url.Values{})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "over their limit of 8 hours") {
			t.Fatalf("overtime without confirmation: %d\n%s", p.Status, p.Body)
		}
		k.ok(fmt.Sprintf("/admin/requests/%d/approve", over.ID), url.Values{"override_overtime": {"yes"}})
		if k.audit(pasched.AuditShiftApprovedOver) != 1 || k.audit(pasched.AuditShiftApproved) != 1 {
			t.Errorf("approvals audited: %d + %d", k.audit(pasched.AuditShiftApproved), k.audit(pasched.AuditShiftApprovedOver))
		}

		// Reject needs a reason.
		p = k.c.post(fmt.Sprintf("/admin/requests/%d/reject", clash.ID), url.Values{"reason": {"  "}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter the reason the PA will read.") {
			t.Fatalf("reject without reason: %d", p.Status)
		}
		k.ok(fmt.Sprintf("/admin/requests/%d/reject", clash.ID), url.Values{"reason": {"Pat has it"}})
		if sh, _ := sqlstore.FindShiftByID(context.Background(), k.e.db, clash.ID); sh.Status != pasched.ShiftRejected || sh.RejectedReason != "Pat has it" {
			t.Errorf("rejected shift %+v", sh)
		}

		// Bulk approval of what raises no warning; nothing ticked is refused.
		if p := k.c.post("/admin/queue/approve", url.Values{}); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("bulk with nothing ticked: %d", p.Status)
		}
		p = k.c.post("/admin/queue/approve", url.Values{"shift": {fmt.Sprint(keep.ID)}})
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "<strong>approved</strong>") {
			t.Fatalf("bulk approve: %d\n%s", p.Status, p.Body)
		}

		// Lock, unlock; finalise with the preview first.
		k.ok(fmt.Sprintf("/admin/periods/%d/status", periodID), url.Values{"status": {"LOCKED"}})
		k.page(loc, "Locked", "Unlock the period")
		k.ok(fmt.Sprintf("/admin/periods/%d/status", periodID), url.Values{"status": {"OPEN"}})
		pending := k.request(pat, periodID, "2030-03-20", "10:00", "12:00")
		k.page(fmt.Sprintf("/admin/periods/%d/finalize", periodID), "Tuesday 5 March 2030: Evening (9-10 PM) not covered",
			"Pat Smith, Wednesday 20 March 2030, 10:00–12:00", "Finalise March")
		if got := k.ok(fmt.Sprintf("/admin/periods/%d/finalize", periodID), url.Values{}); !strings.HasSuffix(got, "/finalize") {
			t.Errorf("finalise without confirmation went to %s", got)
		}
		k.ok(fmt.Sprintf("/admin/periods/%d/finalize", periodID), url.Values{"confirm": {"yes"}})
		if sh, _ := sqlstore.FindShiftByID(context.Background(), k.e.db, pending.ID); sh.Status != pasched.ShiftRejected {
			t.Errorf("pending after finalise: %s", sh.Status)
		}
		if p := k.c.get(fmt.Sprintf("/admin/periods/%d/finalize", periodID)); p.Status != http.StatusConflict {
			t.Errorf("finalise twice: %d", p.Status)
		}
		k.page("/admin/audit", "Finalised period March", "Rejected a shift: Sam Jones", "Approved a shift past the weekly limit")
		k.page(fmt.Sprintf("/admin/audit?kind=%s", pasched.AuditPeriodUpdated), "Locked period March", "Unlocked period March")
		if p := k.c.get("/admin/audit?kind=nonsense"); p.Status != http.StatusBadRequest {
			t.Errorf("unknown kind: %d", p.Status)
		}

		// A PA sees the history of their own shifts only.
		pc := k.e.client()
		pc.signIn("sam@example.com")
		p = pc.get("/history")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "Rejected a shift: Sam Jones") || strings.Contains(p.Body, "Pat Smith") {
			t.Errorf("Sam's history: %d\n%s", p.Status, p.Body)
		}
	})
}

func TestConsoleShiftsPeopleCoverageJobs(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		k := newConsole(t, d)
		pat := k.e.pa("pat@example.com", "Pat", "Smith")
		today := schedule.DateOf(k.e.web.today())
		start, end := today.AddDays(-3), today.AddDays(40)
		loc := k.ok("/admin/periods", url.Values{"name": {"Now"}, "start_date": {start.String()}, "end_date": {end.String()}})
		periodID := idInLocation.FindStringSubmatch(loc)[1]
		day := today.AddDays(2)

		// Create a shift for a PA: approved at once, with the checks.
		p := k.c.post("/admin/shifts", url.Values{"period": {periodID}, "pa": {fmt.Sprint(pat.ID)}, "date": {day.String()}, "start_time": {"06:00"}, "end_time": {"06:00"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "cannot last zero hours") {
			t.Fatalf("zero-length: %d\n%s", p.Status, p.Body)
		}
		k.ok("/admin/shifts", url.Values{"period": {periodID}, "pa": {fmt.Sprint(pat.ID)}, "date": {day.String()}, "start_time": {"06:00"}, "end_time": {"09:00"}})
		body := k.page("/admin/shifts?status=APPROVED", "Pat Smith", "Approved")
		ids := regexp.MustCompile(`/admin/shifts/(\d+)/delete`).FindStringSubmatch(body)
		if ids == nil {
			t.Fatal("no shift listed")
		}
		if p := k.c.get("/admin/shifts?from=yesterday"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Enter the first date as a date") {
			t.Errorf("bad filter: %d", p.Status)
		}
		if p := k.c.get("/admin/shifts?status=PENDING"); !strings.Contains(p.Body, "No shift matches these filters.") {
			t.Errorf("status filter: %s", p.Body)
		}
		k.page("/admin/shifts/"+ids[1], "Save the shift", `value="06:00"`)
		k.ok("/admin/shifts/"+ids[1], url.Values{"period": {periodID}, "date": {day.String()}, "start_time": {"06:00"}, "end_time": {"10:00"}})
		if sh, _ := k.e.sched.FindShift(context.Background(), k.admin, mustID(ids[1])); sh.End.Hour() != 10 {
			t.Errorf("edit not saved: %v", sh.End)
		}

		// Coverage: the morning of day is covered, its evening is not; a
		// free PA is suggested and the slot can be offered.
		body = k.page("/admin/coverage", "Morning (6-9 AM): covered", "Evening (9-10 PM): not covered (21:00–22:00)",
			"Who could cover 21:00–22:00", "Pat Smith", "of 40 h")
		if !strings.Contains(body, "Offer 21:00–22:00 to the ticked PAs") {
			t.Error("no offer form")
		}
		k.ok("/admin/offers", url.Values{"date": {day.String()}, "start_time": {"21:00"}, "end_time": {"22:00"}, "pa": {fmt.Sprint(pat.ID)}})
		if p := k.c.get("/admin/coverage?days=500"); p.Status != http.StatusBadRequest {
			t.Errorf("days=500: %d", p.Status)
		}
		// The PA opens the offer and takes it.
		pc := k.e.client()
		pc.signIn("pat@example.com")
		offers, err := k.e.coverage.Offers(context.Background(), k.admin)
		if err != nil || len(offers) != 1 {
			t.Fatalf("offers %v %v", offers, err)
		}
		p = pc.get(fmt.Sprintf("/offers/%d", offers[0].ID))
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "Accept this shift") {
			t.Fatalf("offer page %d", p.Status)
		}
		p = pc.post(fmt.Sprintf("/offers/%d/accept", offers[0].ID), url.Values{})
		if !strings.Contains(p.Body, "The shift is yours") {
			t.Fatalf("accept: %d\n%s", p.Status, p.Body)
		}

		// Delete.
		k.page("/admin/shifts/"+ids[1]+"/delete", "Delete this shift?")
		k.ok("/admin/shifts/"+ids[1]+"/delete", url.Values{})
		if k.audit(pasched.AuditShiftDeleted) != 1 || k.audit(pasched.AuditShiftCreatedDirect) != 1 || k.audit(pasched.AuditShiftUpdated) != 1 {
			t.Error("shift actions not audited")
		}

		// People: add a PA (invitation), edit the profile, deactivate and
		// reactivate, resend verification.
		p = k.c.post("/admin/people", url.Values{"first_name": {"Kim"}, "email": {"not-an-email"}, "phone_number": {"1"}, "role": {"PA"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter an email address like name@example.com.") || !strings.Contains(p.Body, `value="Kim"`) {
			t.Fatalf("bad person: %d", p.Status)
		}
		loc = k.ok("/admin/people", url.Values{"first_name": {"Kim"}, "last_name": {"Lee"}, "email": {"kim@example.com"}, "phone_number": {"07700"}, "role": {"PA"}})
		k.page(loc, "Kim Lee", "not confirmed yet", "Resend the confirmation email", "Weekly hour limit")
		k.page("/admin/people", "Kim Lee", "Not yet", "Never")
		p = k.c.post(loc+"/profile", url.Values{"max_hours_per_week": {"lots"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter the weekly limit as a whole number") {
			t.Fatalf("bad profile: %d", p.Status)
		}
		k.ok(loc+"/profile", url.Values{"max_hours_per_week": {"20"}, "preferred_days": {"monday", "friday"}, "preferred_start_time": {"08:00"}})
		k.page(loc, `value="20"`, `value="monday" checked`, `value="friday" checked`, `value="08:00"`)
		k.ok(loc+"/verification", url.Values{})
		patLoc := fmt.Sprintf("/admin/people/%d", pat.ID)
		k.ok(patLoc+"/deactivate", url.Values{})
		if p := pc.get("/calendar"); p.Status != http.StatusSeeOther {
			t.Errorf("a deactivated PA's session still works: %d", p.Status)
		}
		k.page(patLoc, "Reactivate Pat Smith")
		k.ok(patLoc+"/reactivate", url.Values{})
		if p := k.c.post(fmt.Sprintf("/admin/people/%d/deactivate", k.admin.ID), url.Values{}); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("deactivate oneself: %d", p.Status)
		}
		for kind, want := range map[string]int{pasched.AuditUserCreated: 1, pasched.AuditUserProfileUpdated: 1, pasched.AuditVerificationResent: 1,
			pasched.AuditUserDeactivated: 1, pasched.AuditUserReactivated: 1} {
			if got := k.audit(kind); got != want {
				t.Errorf("%s audited %d times", kind, got)
			}
		}

		// Jobs: the emails queued above (no workers here) wait; one is
		// cancelled and run again.
		body = k.page("/admin/jobs?state=available", "Waiting to run", "email #", "You are invited")
		jid := regexp.MustCompile(`/admin/jobs/(\d+)/cancel`).FindStringSubmatch(body)
		if jid == nil {
			t.Fatal("no job to cancel")
		}
		k.ok("/admin/jobs/"+jid[1]+"/cancel", url.Values{"state": {"available"}})
		k.page("/admin/jobs?state=cancelled", "email #"+jid[1])
		k.ok("/admin/jobs/"+jid[1]+"/retry", url.Values{"state": {"cancelled"}})
		if p := k.c.get("/admin/jobs?state=lost"); p.Status != http.StatusBadRequest {
			t.Errorf("unknown state: %d", p.Status)
		}
		if p := k.c.post("/admin/jobs/99999999/retry", url.Values{}); p.Status != http.StatusNotFound {
			t.Errorf("unknown job: %d", p.Status)
		}
	})
}

func mustID(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

func TestConsolePAStats(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		k := newConsole(t, d)
		pat := k.e.pa("pat@example.com", "Pat", "Smith")
		// A shift that has happened: it counts as worked.
		today := schedule.DateOf(k.e.web.today())
		p := k.e.period(k.admin, "Past", today.AddDays(-20), today.AddDays(5))
		sh := k.e.request(pat, p, today.AddDays(-7), schedule.Clock(6, 0, 0), schedule.Clock(9, 0, 0))
		k.e.approve(k.admin, sh)
		loc := fmt.Sprintf("/admin/people/%d", pat.ID)
		k.ok(loc+"/stats", url.Values{})
		k.page(loc, "Working pattern", "Shifts worked", "1 (3.00 hours in all)", "Work it out again now")
		pc := k.e.client()
		pc.signIn("pat@example.com")
		if p := pc.get("/history"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Your working pattern") || !strings.Contains(p.Body, "1 (3.00 hours in all)") {
			t.Errorf("Pat's history: %d\n%s", p.Status, p.Body)
		}
		if p := pc.post(loc+"/stats", url.Values{}); p.Status != http.StatusForbidden {
			t.Errorf("a PA recalculates: %d", p.Status)
		}
	})
}

func TestPAPreferences(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		k := newConsole(t, d)
		k.e.pa("pat@example.com", "Pat", "Smith")
		pc := k.e.client()
		pc.signIn("pat@example.com")
		if p := pc.get("/profile"); p.Status != http.StatusOK || !strings.Contains(p.Body, "When you like to work") {
			t.Fatalf("profile: %d", p.Status)
		}
		p := pc.post("/profile/preferences", url.Values{"preferred_days": {"tuesday"}, "preferred_start_time": {"7 o'clock"}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Enter a time like 08:00.") || !strings.Contains(p.Body, `value="tuesday" checked`) {
			t.Fatalf("bad time: %d\n%s", p.Status, p.Body)
		}
		if p := pc.post("/profile/preferences", url.Values{"preferred_days": {"tuesday", "monday"}, "preferred_start_time": {"07:00"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", p.Status)
		}
		p = pc.get("/profile")
		if !strings.Contains(p.Body, `value="monday" checked`) || !strings.Contains(p.Body, `value="07:00"`) || !strings.Contains(p.Body, "Your working preferences are saved.") {
			t.Errorf("saved preferences not shown:\n%s", p.Body)
		}
		// The admin sees them on the PA's page; a PA's change is not audited.
		if n := k.audit(pasched.AuditUserProfileUpdated); n != 0 {
			t.Errorf("a PA's own preferences audited %d times", n)
		}
		if p := k.c.post("/profile/preferences", url.Values{}); p.Status != http.StatusForbidden {
			t.Errorf("admin posts PA preferences: %d", p.Status)
		}
	})
}
