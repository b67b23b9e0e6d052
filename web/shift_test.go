package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// fixedToday makes "today" 2026-03-04 (a Wednesday) for the pages.
func (e *env) fixedToday() schedule.Date {
	e.web.now = func() time.Time { return time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) }
	return schedule.MustDate(2026, 3, 4)
}

func TestCalendarPages(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.fixedToday()
		admin := e.admin("ada@example.com")
		pat := e.pa("pat@example.com", "Pat", "Smith")
		sam := e.pa("sam@example.com", "Sam", "Jones")
		p := e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))
		mine := e.request(pat, p, schedule.MustDate(2026, 3, 2), schedule.Clock(6, 0, 0), schedule.Clock(14, 0, 0))
		e.approve(admin, mine)
		e.request(pat, p, schedule.MustDate(2026, 3, 3), schedule.Clock(22, 0, 0), schedule.Clock(7, 0, 0))
		theirs := e.request(sam, p, schedule.MustDate(2026, 3, 2), schedule.Clock(20, 0, 0), schedule.Clock(23, 0, 0))
		e.approve(admin, theirs)

		c := e.client()
		c.signIn("pat@example.com")
		pg := c.get("/calendar?month=2026-03")
		if pg.Status != 200 {
			t.Fatalf("month: %d %s", pg.Status, pg.Body)
		}
		for _, want := range []string{
			"<caption>March 2026</caption>", `<th scope="col">Monday</th>`, `<th scope="col">Sunday</th>`,
			`aria-label="Monday 2 March. your shifts: 06:00–14:00 approved. Critical times covered"`,
			`aria-label="Tuesday 3 March. your shifts: 22:00–07:00 (ends next day) pending. Not covered: 06:00–09:00, 21:00–22:00"`,
			`aria-current="date"`, `aria-label="Wednesday 4 March (today). no shifts of yours.`,
			`class="cov cov-full">Critical times covered`, `class="day-list"`, `data-live-periods="` + strconv.FormatInt(p.ID, 10) + `"`,
			`Previous month: February 2026`, `Next month: April 2026`,
		} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("month page lacks %s", want)
			}
		}
		// Another PA's shift is not shown by name to a PA, but it counts for coverage.
		if strings.Contains(pg.Body, "Sam") {
			t.Error("a PA's calendar names another PA")
		}
		if strings.Count(pg.Body, `aria-current="date"`) != 2 { // the grid cell and the narrow list's item
			t.Errorf("today marked %d times", strings.Count(pg.Body, `aria-current="date"`))
		}
		for _, path := range []string{"/calendar/week?date=2026-03-02", "/calendar/day?date=2026-03-02", "/calendar"} {
			if pg := c.get(path); pg.Status != 200 || !strings.Contains(pg.Body, "06:00–14:00") {
				t.Errorf("%s: %d", path, pg.Status)
			}
		}
		for _, bad := range []string{"/calendar?month=2026-13", "/calendar?month=x", "/calendar/week?date=2026-02-30", "/calendar/day?date=drop"} {
			if pg := c.get(bad); pg.Status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", bad, pg.Status)
			}
		}
		// The admin's calendar names everyone's approved shifts.
		ac := e.client()
		ac.signIn("ada@example.com")
		if pg := ac.get("/calendar?month=2026-03"); !strings.Contains(pg.Body, "Sam Jones 20:00–23:00") || strings.Contains(pg.Body, "22:00–07:00") {
			t.Errorf("admin's month: %s", pg.Body)
		}
		if pg := ac.get("/requests"); pg.Status != http.StatusForbidden {
			t.Errorf("admin on a PA's page: %d", pg.Status)
		}
	})
}

func TestRequestEditCancel(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.fixedToday()
		admin := e.admin("ada@example.com")
		pat := e.pa("pat@example.com", "Pat", "Smith")
		p := e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))
		pid := strconv.FormatInt(p.ID, 10)
		c := e.client()
		c.signIn("pat@example.com")

		pg := c.get("/shifts/new?date=2026-03-10")
		if pg.Status != 200 || !strings.Contains(pg.Body, `value="`+pid+`" selected`) || !strings.Contains(pg.Body, `value="10/03/2026"`) ||
			!strings.Contains(pg.Body, "ends at 07:00 the next morning") {
			t.Fatalf("request form: %d %s", pg.Status, pg.Body)
		}
		cases := []struct {
			name  string
			form  url.Values
			field string
			msg   string
		}{
			{"missing", url.Values{"schedule_period": {pid}}, "date", "Enter the date of the shift."},
			{"bad time", url.Values{"schedule_period": {pid}, "date": {"2026-03-10"}, "start_time": {"8am"}, "end_time": {"14:00"}}, "start-time", "hours and minutes"},
			{"outside the period", url.Values{"schedule_period": {pid}, "date": {"2026-04-10"}, "start_time": {"08:00"}, "end_time": {"14:00"}}, "date", "Date must be between"},
			{"zero length", url.Values{"schedule_period": {pid}, "date": {"2026-03-10"}, "start_time": {"08:00"}, "end_time": {"08:00"}}, "", "cannot last zero hours"},
			{"unknown period", url.Values{"schedule_period": {"999999"}, "date": {"2026-03-10"}, "start_time": {"08:00"}, "end_time": {"14:00"}}, "schedule-period", "No such schedule period"},
		}
		for _, tc := range cases {
			pg := c.post("/shifts/new", tc.form)
			if pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, tc.msg) || !strings.Contains(pg.Body, "data-focus-on-load") {
				t.Errorf("%s: %d, want the message %q: %s", tc.name, pg.Status, tc.msg, pg.Body)
			}
			if tc.field != "" && !strings.Contains(pg.Body, `id="f-`+tc.field+`-error"`) {
				t.Errorf("%s: no message beside %s", tc.name, tc.field)
			}
			if v := tc.form.Get("start_time"); v != "" && !strings.Contains(pg.Body, `value="`+v+`"`) {
				t.Errorf("%s: typed start time not kept", tc.name)
			}
		}
		ok := url.Values{"schedule_period": {pid}, "date": {"2026-03-10"}, "start_time": {"08:00"}, "end_time": {"14:00"}, "notes": {"school run"}}
		if pg := c.post("/shifts/new", ok); pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != "/requests" {
			t.Fatalf("request: %d %s", pg.Status, pg.Body)
		}
		// Own overlap.
		over := url.Values{"schedule_period": {pid}, "date": {"2026-03-10"}, "start_time": {"12:00"}, "end_time": {"16:00"}}
		if pg := c.post("/shifts/new", over); pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, "You already have a shift from") {
			t.Fatalf("overlap: %d %s", pg.Status, pg.Body)
		}
		overnight := url.Values{"schedule_period": {pid}, "date": {"2026-03-11"}, "start_time": {"22:00"}, "end_time": {"07:00"}}
		if pg := c.post("/shifts/new", overnight); pg.Status != http.StatusSeeOther {
			t.Fatalf("overnight: %d %s", pg.Status, pg.Body)
		}
		shifts, _ := e.sched.FindShifts(context.Background(), pat, sqlstore.ShiftFilter{Order: "date"})
		if len(shifts) != 2 {
			t.Fatalf("%d shifts", len(shifts))
		}
		first, second := shifts[0], shifts[1]
		pg = c.get("/requests")
		for _, want := range []string{"Waiting for approval (2)", "Tuesday 10 March 2026, 08:00–14:00", "22:00–07:00 (ends next day)", "school run",
			"Cancel<span class=\"visually-hidden\"> request: Tuesday 10 March, 08:00–14:00"} {
			if !strings.Contains(pg.Body, want) {
				t.Errorf("requests page lacks %q", want)
			}
		}
		id := strconv.FormatInt(first.ID, 10)
		if pg := c.get("/requests/" + id + "/edit"); pg.Status != 200 || !strings.Contains(pg.Body, `value="08:00"`) {
			t.Fatalf("edit form: %d", pg.Status)
		}
		edit := url.Values{"schedule_period": {pid}, "date": {"2026-03-10"}, "start_time": {"09:00"}, "end_time": {"15:00"}}
		if pg := c.post("/requests/"+id+"/edit", edit); pg.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", pg.Status, pg.Body)
		}
		if sh, _ := e.sched.FindShift(context.Background(), pat, first.ID); sh.Start != schedule.Clock(9, 0, 0) {
			t.Fatalf("edit not saved: %v", sh.Start)
		}
		// Another PA cannot see, change or cancel it.
		e.pa("sam@example.com", "Sam", "Jones")
		other := e.client()
		other.signIn("sam@example.com")
		if pg := other.get("/requests/" + id + "/edit"); pg.Status != 404 {
			t.Errorf("another PA's edit form: %d", pg.Status)
		}
		if pg := other.post("/requests/"+id+"/cancel", nil); pg.Status != 404 {
			t.Errorf("another PA's cancel: %d", pg.Status)
		}
		if pg := c.post("/requests/"+id+"/cancel", nil); pg.Status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", pg.Status)
		}
		if sh, _ := e.sched.FindShift(context.Background(), pat, first.ID); sh.Status != pasched.ShiftCancelled {
			t.Fatalf("after cancel: %s", sh.Status)
		}
		// An approved one can be neither changed nor cancelled here.
		e.approve(admin, second)
		sid := strconv.FormatInt(second.ID, 10)
		if pg := c.get("/requests/" + sid + "/edit"); pg.Status != http.StatusConflict {
			t.Errorf("edit an approved shift: %d", pg.Status)
		}
		if pg := c.post("/requests/"+sid+"/cancel", nil); pg.Status != http.StatusConflict {
			t.Errorf("cancel an approved shift: %d", pg.Status)
		}
		for _, bad := range []string{"/requests/x/edit", "/requests/0/edit", "/requests/99999999/edit"} {
			if pg := c.get(bad); pg.Status != 404 {
				t.Errorf("%s: %d", bad, pg.Status)
			}
		}
		// My schedule: the approved overnight shift, and the week's hours.
		pg = c.get("/schedule")
		if pg.Status != 200 || !strings.Contains(pg.Body, "Wednesday 11 March 2026, 22:00–07:00 (ends next day)") {
			t.Fatalf("schedule: %d %s", pg.Status, pg.Body)
		}
		if !strings.Contains(pg.Body, "0 of your 40 hours approved") {
			t.Errorf("week hours: %s", pg.Body)
		}
	})
}

func TestProfilePage(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.pa("pat@example.com", "Pat", "Smith")
		phone := e.client()
		phone.signIn("pat@example.com")
		c := e.client()
		c.signIn("pat@example.com")
		pg := c.get("/profile")
		if pg.Status != 200 || strings.Count(pg.Body, "(this device)") != 1 || strings.Count(pg.Body, "<tr><td data-label") != 2 {
			t.Fatalf("profile: %d %s", pg.Status, pg.Body)
		}
		if pg := c.post("/profile", url.Values{"first_name": {""}, "last_name": {"Smith"}, "phone_number": {"555"}}); pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, `id="f-first-name-error"`) {
			t.Fatalf("empty first name: %d", pg.Status)
		}
		if pg := c.post("/profile", url.Values{"first_name": {"Patricia"}, "last_name": {"Smith"}, "phone_number": {"555-0199"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", pg.Status)
		}
		if pg := c.get("/profile"); !strings.Contains(pg.Body, `value="Patricia"`) || !strings.Contains(pg.Body, "Your details are saved.") {
			t.Fatal("profile not saved")
		}
		if pg := c.post("/profile/password", url.Values{"current_password": {"wrong"}, "password": {"New-Pass-2031!"}, "password_confirm": {"New-Pass-2031!"}}); pg.Status != http.StatusUnprocessableEntity || !strings.Contains(pg.Body, "current password is not correct") {
			t.Fatalf("wrong current password: %d", pg.Status)
		}
		if pg := c.post("/profile/password", url.Values{"current_password": {testPassword}, "password": {"New-Pass-2031!"}, "password_confirm": {"New-Pass-2031!"}}); pg.Status != http.StatusSeeOther {
			t.Fatalf("change password: %d %s", pg.Status, pg.Body)
		}
		// The other device is signed out; this one is not.
		if pg := phone.get("/profile"); pg.Status != http.StatusSeeOther {
			t.Fatalf("other device after a password change: %d", pg.Status)
		}
		if pg := c.get("/profile"); pg.Status != 200 {
			t.Fatalf("this device after a password change: %d", pg.Status)
		}
		phone.signInAs("pat@example.com", "New-Pass-2031!")
		if pg := c.post("/profile/sign-out-everywhere", nil); pg.Status != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", pg.Status)
		}
		for _, cl := range []*client{c, phone} {
			if pg := cl.get("/profile"); pg.Status != http.StatusSeeOther {
				t.Fatalf("a session survived sign-out everywhere: %d", pg.Status)
			}
		}
	})
}
