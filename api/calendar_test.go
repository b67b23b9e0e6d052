package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/internal/python"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// calFix is a calendar data set: users, one schedule period holding every
// shift, and the expected JSON of each shift by name.
type calFix struct {
	t                 *testing.T
	e                 *env
	admin, alice, bob *pasched.User
	period            int64
	ids               map[string]int64
	json              map[string]string
}

func newCalFix(t *testing.T, d sqlstore.Dialect) *calFix {
	t.Helper()
	e := newEnv(t, d)
	f := &calFix{t: t, e: e, ids: map[string]int64{}, json: map[string]string{}}
	f.admin = e.admin("admin@example.com")
	f.alice = e.pa("alice@example.com", "Alicia", "Anderson")
	f.bob = e.pa("bob@example.com", "Bob", "Brown")
	f.period = insertPeriod(t, e.db, f.admin.ID)
	return f
}

// insertPeriod inserts a schedule period with plain SQL (the period API is
// built elsewhere).
func insertPeriod(t testing.TB, db *sqlstore.DB, adminID int64) int64 {
	t.Helper()
	var id int64
	now := time.Now().UTC().Format(time.RFC3339)
	err := db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO schedule_periods
			(name, start_date, end_date, status, created_by_id, created_at, updated_at)
			VALUES ('Rota', '2020-01-01', '2031-12-31', 'OPEN', $1, $2, $3) RETURNING id`, adminID, now, now).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// calShiftRow is one shift to insert.
type calShiftRow struct {
	pa                    int64
	date, start, end, dur string
	status, notes         string
}

// insertShifts inserts shifts with plain SQL in one transaction and returns
// their ids.
func insertShifts(t testing.TB, db *sqlstore.DB, period, approver int64, rows []calShiftRow) []int64 {
	t.Helper()
	ids := make([]int64, len(rows))
	now := time.Now().UTC().Format(time.RFC3339)
	err := db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		for i, r := range rows {
			var approvedAt, approvedBy any
			if r.status == "APPROVED" {
				approvedAt, approvedBy = now, approver
			}
			err := tx.QueryRowContext(context.Background(), `INSERT INTO shift_requests
				(schedule_period_id, requested_by_id, date, start_time, end_time, duration_hours, status,
				 notes, admin_notes, rejected_reason, created_at, updated_at, approved_at, approved_by_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'secret admin note', '', $9, $10, $11, $12) RETURNING id`,
				period, r.pa, r.date, r.start, r.end, r.dur, r.status, r.notes, now, now, approvedAt, approvedBy).Scan(&ids[i])
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// add inserts one shift (start and end as "HH:MM") and records its expected
// calendar JSON under name.
func (f *calFix) add(name string, pa *pasched.User, date, start, end, dur, status, notes string) {
	f.t.Helper()
	id := insertShifts(f.t, f.e.db, f.period, f.admin.ID,
		[]calShiftRow{{pa.ID, date, start + ":00", end + ":00", dur, status, notes}})[0]
	f.ids[name] = id
	f.json[name] = fmt.Sprintf(`{"id":%d,"pa_id":%d,"pa_name":%q,"date":%q,"start_time":"%s:00","end_time":"%s:00",`+
		`"duration_hours":%q,"notes":%q,"status":"APPROVED"}`, id, pa.ID, pa.FirstName+" "+pa.LastName, date, start, end, dur, notes)
}

// list renders the named shifts as a JSON array.
func (f *calFix) list(names ...string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		j, ok := f.json[n]
		if !ok {
			f.t.Fatalf("no shift %q", n)
		}
		parts[i] = j
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// march2030 is the main data set: overnight shifts into and out of March,
// a partial-hour shift, and shifts that are not approved.
func (f *calFix) march2030() {
	f.add("bob_feb28", f.bob, "2030-02-28", "23:00", "09:00", "10.00", "APPROVED", "Night into March")
	f.add("alice_m", f.alice, "2030-03-02", "06:00", "09:00", "3.00", "APPROVED", "Morning block")
	f.add("alice_e", f.alice, "2030-03-02", "21:00", "22:00", "1.00", "APPROVED", "")
	f.add("bob_night", f.bob, "2030-03-03", "21:00", "09:00", "12.00", "APPROVED", "Overnight")
	f.add("bob_partial", f.bob, "2030-03-04", "10:10", "12:15", "2.08", "APPROVED", "")
	f.add("alice_pending", f.alice, "2030-03-05", "09:00", "10:00", "1.00", "PENDING", "")
	f.add("bob_rejected", f.bob, "2030-03-06", "06:00", "09:00", "3.00", "REJECTED", "")
	f.add("alice_cancelled", f.alice, "2030-03-07", "06:00", "09:00", "3.00", "CANCELLED", "")
	f.add("alice_31", f.alice, "2030-03-31", "22:30", "01:15", "2.75", "APPROVED", "Into April")
	f.add("alice_apr10", f.alice, "2030-04-10", "21:20", "01:10", "3.83", "APPROVED", "")
}

const (
	covNone     = `{"morning_covered":false,"evening_covered":false,"status":"none"}`
	covMorning  = `{"morning_covered":true,"evening_covered":false,"status":"partial"}`
	covEvening  = `{"morning_covered":false,"evening_covered":true,"status":"partial"}`
	covComplete = `{"morning_covered":true,"evening_covered":true,"status":"complete"}`
)

// dayWant is what a date of the month or week view should show; the zero
// value is a day without shifts or coverage.
type dayWant struct {
	shifts string         // JSON array; "" for []
	hourly map[int]string // week view: hour → JSON array
	hours  string         // total_hours JSON; "" for 0
	cov    string         // "" for covNone
}

func (w dayWant) parts() (shifts, hours, cov string) {
	shifts, hours, cov = w.shifts, w.hours, w.cov
	if shifts == "" {
		shifts = "[]"
	}
	if hours == "" {
		hours = "0"
	}
	if cov == "" {
		cov = covNone
	}
	return
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantMonth builds the month view's whole body: weeks rows from the Monday
// gridStart; days absent from days are empty.
func wantMonth(t *testing.T, year, month int, gridStart string, weeks int, days map[string]dayWant,
	totalShifts int, stats string) string {
	t.Helper()
	var b strings.Builder
	first := mustDay(t, gridStart)
	fmt.Fprintf(&b, `{"year":%d,"month":%d,"month_name":"%s %d","weeks":[`, year, month, time.Month(month), year)
	for w := 0; w < weeks; w++ {
		if w > 0 {
			b.WriteByte(',')
		}
		mon := first.AddDate(0, 0, 7*w)
		fmt.Fprintf(&b, `{"week_start":%q,"week_end":%q,"week_number":%d,"days":[`,
			mon.Format("2006-01-02"), mon.AddDate(0, 0, 6).Format("2006-01-02"), w+1)
		for i := 0; i < 7; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			d := mon.AddDate(0, 0, i)
			ds := d.Format("2006-01-02")
			shifts, hours, cov := days[ds].parts()
			fmt.Fprintf(&b, `{"date":%q,"day_name":%q,"shifts":%s,"coverage":%s,"total_hours":%s,"is_current_month":%t}`,
				ds, d.Weekday(), shifts, cov, hours, int(d.Month()) == month)
		}
		b.WriteString("]}")
	}
	fmt.Fprintf(&b, `],"total_shifts":%d,"coverage_stats":%s}`, totalShifts, stats)
	return b.String()
}

// wantWeek builds the week view's whole body.
func wantWeek(t *testing.T, year, week int, monday string, days map[string]dayWant, totalShifts int) string {
	t.Helper()
	var b strings.Builder
	mon := mustDay(t, monday)
	fmt.Fprintf(&b, `{"week_start":%q,"week_end":%q,"week_number":%d,"year":%d,"days":[`,
		monday, mon.AddDate(0, 0, 6).Format("2006-01-02"), week, year)
	for i := 0; i < 7; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		d := mon.AddDate(0, 0, i)
		ds := d.Format("2006-01-02")
		want := days[ds]
		shifts, hours, cov := want.parts()
		var h strings.Builder
		h.WriteByte('{')
		for hr := 0; hr < 24; hr++ {
			if hr > 0 {
				h.WriteByte(',')
			}
			list := want.hourly[hr]
			if list == "" {
				list = "[]"
			}
			fmt.Fprintf(&h, `"%02d:00":%s`, hr, list)
		}
		h.WriteByte('}')
		fmt.Fprintf(&b, `{"date":%q,"day_name":%q,"shifts":%s,"hourly_shifts":%s,"coverage":%s,"total_hours":%s}`,
			ds, d.Weekday(), shifts, h.String(), cov, hours)
	}
	fmt.Fprintf(&b, `],"total_shifts":%d}`, totalShifts)
	return b.String()
}

// wantDay builds the day view's whole body; timeline maps an hour to its
// JSON array of shifts, critical hours are the default windows'.
func wantDay(t *testing.T, date, dayName, shifts, coverage, hours string, timeline map[int]string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `{"date":%q,"day_name":%q,"shifts":%s,"coverage":%s,"total_hours":%s,"timeline":[`,
		date, dayName, shifts, coverage, hours)
	for h := 0; h < 24; h++ {
		if h > 0 {
			b.WriteByte(',')
		}
		list := timeline[h]
		if list == "" {
			list = "[]"
		}
		critical := (h >= 6 && h < 9) || h == 21
		fmt.Fprintf(&b, `{"hour":%d,"hour_label":"%02d:00","shifts":%s,"is_critical_time":%t}`, h, h, list, critical)
	}
	b.WriteString("]}")
	return b.String()
}

// hoursOf maps each hour in from..to (inclusive) to list.
func hoursOf(m map[int]string, from, to int, list string) map[int]string {
	if m == nil {
		m = map[int]string{}
	}
	for h := from; h <= to; h++ {
		m[h] = list
	}
	return m
}

func TestCalendarMonth(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.march2030()
		march := map[string]dayWant{
			"2030-03-01": {shifts: f.list("bob_feb28"), hours: "9.0", cov: covMorning},
			"2030-03-02": {shifts: f.list("alice_m", "alice_e"), hours: "4.0", cov: covComplete},
			"2030-03-03": {shifts: f.list("bob_night"), hours: "3.0", cov: covEvening},
			"2030-03-04": {shifts: f.list("bob_night", "bob_partial"), hours: "11.08", cov: covMorning},
			"2030-03-31": {shifts: f.list("alice_31"), hours: "1.5"},
		}
		stats := `{"total_days":31,"fully_covered":1,"partially_covered":3,"not_covered":27,"coverage_percentage":3.2}`
		want := wantMonth(t, 2030, 3, "2030-02-25", 5, march, 5, stats)
		// PA and admin see the same calendar: every PA's approved shifts.
		for _, u := range []*pasched.User{f.admin, f.alice, f.bob} {
			expect(t, f.e.do("GET", "/api/calendar/month/2030/3/", nil, u), 200, want)
		}
		// Leading zeros are what Django's int converter reads.
		expect(t, f.e.do("GET", "/api/calendar/month/02030/03/", nil, f.alice), 200, want)

		// ?pa_id= narrows shifts, hours and total_shifts, not coverage.
		bobOnly := map[string]dayWant{
			"2030-03-01": march["2030-03-01"],
			"2030-03-02": {cov: covComplete},
			"2030-03-03": march["2030-03-03"],
			"2030-03-04": march["2030-03-04"],
		}
		expect(t, f.e.do("GET", fmt.Sprintf("/api/calendar/month/2030/3/?pa_id=%d", f.bob.ID), nil, f.alice), 200,
			wantMonth(t, 2030, 3, "2030-02-25", 5, bobOnly, 2, stats))
		// An empty pa_id is no filter, as the seed's `if pa_id:`.
		expect(t, f.e.do("GET", "/api/calendar/month/2030/3/?pa_id=", nil, f.alice), 200, want)

		// April: alice's overnight shift of 31 March shows on 1 April but is
		// counted in March; a partial split 21:20–01:10 gives 2.67 + 1.16.
		april := map[string]dayWant{
			"2030-04-01": {shifts: f.list("alice_31"), hours: "1.25"},
			"2030-04-10": {shifts: f.list("alice_apr10"), hours: "2.67"},
			"2030-04-11": {shifts: f.list("alice_apr10"), hours: "1.16"},
		}
		expect(t, f.e.do("GET", "/api/calendar/month/2030/4/", nil, f.admin), 200,
			wantMonth(t, 2030, 4, "2030-04-01", 5, april, 1,
				`{"total_days":30,"fully_covered":0,"partially_covered":0,"not_covered":30,"coverage_percentage":0.0}`))

		// February 2030: the overnight shift of the 28th shows there with
		// its hour before midnight; March days of the grid show coverage only.
		feb := map[string]dayWant{
			"2030-02-28": {shifts: f.list("bob_feb28"), hours: "1.0"},
			"2030-03-01": {cov: covMorning},
			"2030-03-02": {cov: covComplete},
			"2030-03-03": {cov: covEvening},
		}
		expect(t, f.e.do("GET", "/api/calendar/month/2030/2/", nil, f.admin), 200,
			wantMonth(t, 2030, 2, "2030-01-28", 5, feb, 1,
				`{"total_days":28,"fully_covered":0,"partially_covered":0,"not_covered":28,"coverage_percentage":0.0}`))
	})
}

func TestCalendarWeek(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.march2030()
		feb28, aliceM, aliceE, night := f.list("bob_feb28"), f.list("alice_m"), f.list("alice_e"), f.list("bob_night")
		days := map[string]dayWant{
			"2030-02-28": {shifts: feb28, hourly: map[int]string{23: feb28}, hours: "1.0"},
			"2030-03-01": {shifts: feb28, hourly: hoursOf(nil, 0, 8, feb28), hours: "9.0", cov: covMorning},
			"2030-03-02": {shifts: f.list("alice_m", "alice_e"), hourly: hoursOf(hoursOf(nil, 6, 8, aliceM), 21, 21, aliceE),
				hours: "4.0", cov: covComplete},
			"2030-03-03": {shifts: night, hourly: hoursOf(nil, 21, 23, night), hours: "3.0", cov: covEvening},
		}
		want := wantWeek(t, 2030, 9, "2030-02-25", days, 4)
		for _, u := range []*pasched.User{f.admin, f.alice, f.bob} {
			expect(t, f.e.do("GET", "/api/calendar/week/2030/9/", nil, u), 200, want)
		}

		partial := f.list("bob_partial")
		week10 := map[string]dayWant{
			"2030-03-04": {shifts: f.list("bob_night", "bob_partial"),
				hourly: hoursOf(hoursOf(nil, 0, 8, night), 10, 12, partial), hours: "11.08", cov: covMorning},
		}
		expect(t, f.e.do("GET", "/api/calendar/week/2030/10/", nil, f.alice), 200, wantWeek(t, 2030, 10, "2030-03-04", week10, 1))

		// pa_id: alice's shifts only; coverage stays the rota's.
		aliceOnly := map[string]dayWant{
			"2030-03-01": {cov: covMorning},
			"2030-03-02": days["2030-03-02"],
			"2030-03-03": {cov: covEvening},
		}
		expect(t, f.e.do("GET", fmt.Sprintf("/api/calendar/week/2030/9/?pa_id=%d", f.alice.ID), nil, f.bob), 200,
			wantWeek(t, 2030, 9, "2030-02-25", aliceOnly, 2))
	})
}

// TestCalendarISOWeeks pins real ISO-8601 weeks at the edges of years: 2020
// and 2026 have a week 53, 2027 does not, and 2027's week 1 starts on
// 4 January (the seed's arithmetic gives 28 December 2026).
func TestCalendarISOWeeks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.add("new_year_night", f.alice, "2021-01-03", "22:00", "02:00", "4.00", "APPROVED", "")
		f.add("ny_2027", f.bob, "2027-01-01", "06:00", "09:00", "3.00", "APPROVED", "New Year")
		f.add("first_2027", f.alice, "2027-01-04", "21:00", "22:00", "1.00", "APPROVED", "")
		night, ny, first := f.list("new_year_night"), f.list("ny_2027"), f.list("first_2027")

		expect(t, f.e.do("GET", "/api/calendar/week/2020/53/", nil, f.alice), 200, wantWeek(t, 2020, 53, "2020-12-28",
			map[string]dayWant{"2021-01-03": {shifts: night, hourly: hoursOf(nil, 22, 23, night), hours: "2.0"}}, 1))
		expect(t, f.e.do("GET", "/api/calendar/week/2021/1/", nil, f.alice), 200, wantWeek(t, 2021, 1, "2021-01-04",
			map[string]dayWant{"2021-01-04": {shifts: night, hourly: hoursOf(nil, 0, 1, night), hours: "2.0"}}, 0))
		expect(t, f.e.do("GET", "/api/calendar/week/2026/53/", nil, f.alice), 200, wantWeek(t, 2026, 53, "2026-12-28",
			map[string]dayWant{"2027-01-01": {shifts: ny, hourly: hoursOf(nil, 6, 8, ny), hours: "3.0", cov: covMorning}}, 1))
		expect(t, f.e.do("GET", "/api/calendar/week/2026/1/", nil, f.alice), 200, wantWeek(t, 2026, 1, "2025-12-29", nil, 0))
		expect(t, f.e.do("GET", "/api/calendar/week/2027/1/", nil, f.alice), 200, wantWeek(t, 2027, 1, "2027-01-04",
			map[string]dayWant{"2027-01-04": {shifts: first, hourly: map[int]string{21: first}, hours: "1.0", cov: covEvening}}, 1))
		expect(t, f.e.do("GET", "/api/calendar/week/2027/52/", nil, f.alice), 200, wantWeek(t, 2027, 52, "2027-12-27", nil, 0))
		expect(t, f.e.do("GET", "/api/calendar/week/2027/53/", nil, f.alice), 400,
			`{"error":"Week must be between 1 and 52: ISO year 2027 has no week 53"}`)
		expect(t, f.e.do("GET", "/api/calendar/week/2030/54/", nil, f.alice), 400, `{"error":"Week must be between 1 and 53"}`)
		expect(t, f.e.do("GET", "/api/calendar/week/2030/0/", nil, f.alice), 400, `{"error":"Week must be between 1 and 53"}`)
	})
}

func TestCalendarDay(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.march2030()
		aliceM, aliceE := f.json["alice_m"], f.json["alice_e"]
		// The contract's example.
		want := wantDay(t, "2030-03-02", "Saturday, March 02, 2030", f.list("alice_m", "alice_e"),
			`{"morning_covered":true,"evening_covered":true,"morning_shift":`+aliceM+`,"evening_shift":`+aliceE+`,"status":"complete"}`,
			"4.0", hoursOf(hoursOf(nil, 6, 8, "["+aliceM+"]"), 21, 21, "["+aliceE+"]"))
		for _, u := range []*pasched.User{f.admin, f.alice, f.bob} {
			expect(t, f.e.do("GET", "/api/calendar/day/2030-03-02/", nil, u), 200, want)
		}
		// strptime('%Y-%m-%d') takes one-digit months and days.
		expect(t, f.e.do("GET", "/api/calendar/day/2030-3-2/", nil, f.alice), 200, want)

		night, partial := f.list("bob_night"), f.list("bob_partial")
		// The overnight shift shows on its own date in its hours before
		// midnight, covering the evening…
		expect(t, f.e.do("GET", "/api/calendar/day/2030-03-03/", nil, f.alice), 200, wantDay(t, "2030-03-03", "Sunday, March 03, 2030",
			night, `{"morning_covered":false,"evening_covered":true,"morning_shift":null,"evening_shift":`+f.json["bob_night"]+`,"status":"partial"}`,
			"3.0", hoursOf(nil, 21, 23, night)))
		// …and on the next date in every hour until 09:00, covering the
		// morning; the 10:10–12:15 shift is in hours 10, 11 and 12.
		expect(t, f.e.do("GET", "/api/calendar/day/2030-03-04/", nil, f.alice), 200, wantDay(t, "2030-03-04", "Monday, March 04, 2030",
			f.list("bob_night", "bob_partial"),
			`{"morning_covered":true,"evening_covered":false,"morning_shift":`+f.json["bob_night"]+`,"evening_shift":null,"status":"partial"}`,
			"11.08", hoursOf(hoursOf(nil, 0, 8, night), 10, 12, partial)))
		// With pa_id of someone else, the lists are empty but the coverage
		// (and the shift covering it) is still the rota's.
		expect(t, f.e.do("GET", fmt.Sprintf("/api/calendar/day/2030-03-04/?pa_id=%d", f.alice.ID), nil, f.bob), 200,
			wantDay(t, "2030-03-04", "Monday, March 04, 2030", "[]",
				`{"morning_covered":true,"evening_covered":false,"morning_shift":`+f.json["bob_night"]+`,"evening_shift":null,"status":"partial"}`,
				"0", nil))
		// Pending, rejected and cancelled shifts are on nobody's calendar,
		// not even their own PA's.
		noShifts := `{"morning_covered":false,"evening_covered":false,"morning_shift":null,"evening_shift":null,"status":"none"}`
		for _, date := range []string{"2030-03-05", "2030-03-06", "2030-03-07"} {
			for _, u := range []*pasched.User{f.alice, f.bob, f.admin} {
				day := mustDay(t, date)
				expect(t, f.e.do("GET", "/api/calendar/day/"+date+"/", nil, u), 200,
					wantDay(t, date, day.Format("Monday, January 02, 2006"), "[]", noShifts, "0", nil))
			}
		}
		// 31 March 22:30 – 1 April 01:15 on both dates; 21:20–01:10 splits 2.67 + 1.16.
		a31 := f.list("alice_31")
		expect(t, f.e.do("GET", "/api/calendar/day/2030-03-31/", nil, f.bob), 200, wantDay(t, "2030-03-31", "Sunday, March 31, 2030",
			a31, noShifts, "1.5", hoursOf(nil, 22, 23, a31)))
		expect(t, f.e.do("GET", "/api/calendar/day/2030-04-01/", nil, f.bob), 200, wantDay(t, "2030-04-01", "Monday, April 01, 2030",
			a31, noShifts, "1.25", hoursOf(nil, 0, 1, a31)))
		a10 := f.list("alice_apr10")
		expect(t, f.e.do("GET", "/api/calendar/day/2030-04-11/", nil, f.bob), 200, wantDay(t, "2030-04-11", "Thursday, April 11, 2030",
			a10, noShifts, "1.16", hoursOf(nil, 0, 1, a10)))
		// The first and last dates Python can represent.
		expect(t, f.e.do("GET", "/api/calendar/day/0001-01-01/", nil, f.bob), 200,
			wantDay(t, "0001-01-01", "Monday, January 01, 1", "[]", noShifts, "0", nil))
		expect(t, f.e.do("GET", "/api/calendar/day/9999-12-31/", nil, f.bob), 200,
			wantDay(t, "9999-12-31", "Friday, December 31, 9999", "[]", noShifts, "0", nil))
	})
}

// TestCalendarErrors pins the error bodies: the seed's own words where it
// has them, a 400 naming the parameter where the seed failed with a 500 or
// a misleading message, and Django's 404 where its URL converters do not
// match.
func TestCalendarErrors(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		u := f.alice
		// The seed's words (its ValueError bodies); the years it crashed on
		// with a 500 answer the same.
		const monthYearErr = `{"error":"Invalid year or month"}`
		const weekYearErr = `{"error":"Invalid year or week"}`
		badPA := `{"error":"Invalid pa_id: must be a user id (a whole number)"}`
		cases := []struct {
			path   string
			as     any
			status int
			body   string
		}{
			{"/api/calendar/month/2030/13/", u, 400, `{"error":"Month must be between 1 and 12"}`},
			{"/api/calendar/month/2030/0/", u, 400, `{"error":"Month must be between 1 and 12"}`},
			{"/api/calendar/month/2030/99999999999999999999999/", u, 400, `{"error":"Month must be between 1 and 12"}`},
			{"/api/calendar/month/0/1/", u, 400, monthYearErr},
			{"/api/calendar/month/9999/12/", u, 400, monthYearErr},
			{"/api/calendar/month/10000/1/", u, 400, monthYearErr},
			{"/api/calendar/month/99999999999999999999999/1/", u, 400, monthYearErr},
			{"/api/calendar/month/1/1/", u, 200, ""},
			{"/api/calendar/month/9998/12/", u, 200, ""},
			{"/api/calendar/week/9999/1/", u, 400, weekYearErr},
			{"/api/calendar/week/0/1/", u, 400, weekYearErr},
			{"/api/calendar/week/10000/1/", u, 400, weekYearErr},
			{"/api/calendar/week/99999999999999999999999/1/", u, 400, weekYearErr},
			{"/api/calendar/week/1/1/", u, 200, ""},
			{"/api/calendar/week/9998/52/", u, 200, ""},
			{"/api/calendar/day/2030-02-30/", u, 400, `{"error":"Invalid date format. Use YYYY-MM-DD"}`},
			{"/api/calendar/day/0000-01-01/", u, 400, `{"error":"Invalid date format. Use YYYY-MM-DD"}`},
			{"/api/calendar/day/2030-03-02x/", u, 400, `{"error":"Invalid date format. Use YYYY-MM-DD"}`},
			{"/api/calendar/day/20300302/", u, 400, `{"error":"Invalid date format. Use YYYY-MM-DD"}`},
			{"/api/calendar/day/tomorrow/", u, 400, `{"error":"Invalid date format. Use YYYY-MM-DD"}`},
			{"/api/calendar/month/2030/3/?pa_id=x", u, 400, badPA},
			{"/api/calendar/week/2030/9/?pa_id=1.5", u, 400, badPA},
			{"/api/calendar/day/2030-03-02/?pa_id=99999999999999999999", u, 400, badPA},
			{"/api/calendar/day/2030-03-02/?pa_id=999999", u, 400, `{"error":"Invalid pa_id: no user with id 999999"}`},
			{"/api/calendar/month/2030/3/?pa_id=-1", u, 400, `{"error":"Invalid pa_id: no user with id -1"}`},
			{fmt.Sprintf("/api/calendar/month/2030/3/?pa_id=+%d", u.ID), u, 200, ""},
			{fmt.Sprintf("/api/calendar/month/2030/3/?pa_id=x&pa_id=%d", u.ID), u, 200, ""},
			// Django's URL converters: <int:…> is [0-9]+, <str:…> non-empty.
			{"/api/calendar/month/abc/3/", u, 404, `{"detail":"Not found."}`},
			{"/api/calendar/month/2030/-1/", u, 404, `{"detail":"Not found."}`},
			{"/api/calendar/month/2030/+3/", nil, 404, `{"detail":"Not found."}`},
			{"/api/calendar/week/2030/x/", nil, 404, `{"detail":"Not found."}`},
			{"/api/calendar/month/2030/3/extra/", u, 404, `{"detail":"Not found."}`},
			// Authentication comes after the URL, before everything else.
			{"/api/calendar/month/2030/13/", nil, 401, `{"detail":"Authentication credentials were not provided."}`},
			{"/api/calendar/week/2030/9/", nil, 401, `{"detail":"Authentication credentials were not provided."}`},
			{"/api/calendar/day/2030-03-02/", "not.a.jwt", 401, `"<any>"`},
		}
		for _, c := range cases {
			t.Run(c.path, func(t *testing.T) {
				expect(t, f.e.do("GET", c.path, nil, c.as), c.status, c.body)
			})
		}
		expect(t, f.e.do("POST", "/api/calendar/month/2030/3/", nil, u), 405, `{"detail":"Method \"POST\" not allowed."}`)
	})
}

// TestCalendarQueries asserts that each view runs the same number of
// queries for 1 shift as for 600: besides authentication's, one version
// query (which also checks ?pa_id=) and, when the span changed since it was
// last loaded, one query for its shifts.
func TestCalendarQueries(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.e.accounts.UserCacheTTL = -1 // authentication then costs the same every time
		pas := []*pasched.User{f.alice, f.bob}
		for i := 0; i < 18; i++ {
			pas = append(pas, f.e.pa(fmt.Sprintf("pa%d@example.com", i), "PA", fmt.Sprint(i)))
		}
		queries := func(path string) int64 {
			t.Helper()
			before := f.e.db.Queries()
			r := f.e.do("GET", path, nil, f.admin)
			if r.Status != 200 && r.Status != 400 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			return f.e.db.Queries() - before
		}
		// What authentication costs: a request refused before the view
		// reads anything.
		auth := queries("/api/calendar/month/2030/13/")
		paths := []string{
			"/api/calendar/month/2030/3/",
			"/api/calendar/week/2030/10/",
			"/api/calendar/day/2030-03-04/",
			fmt.Sprintf("/api/calendar/month/2030/3/?pa_id=%d", f.bob.ID),
			fmt.Sprintf("/api/calendar/week/2030/10/?pa_id=%d", f.bob.ID),
			fmt.Sprintf("/api/calendar/day/2030-03-04/?pa_id=%d", f.bob.ID),
		}
		n := 0
		count := func(label string) {
			t.Helper()
			for _, p := range paths {
				// A change on 4 March touches every span.
				n++
				insertShifts(t, f.e.db, f.period, f.admin.ID,
					[]calShiftRow{{f.bob.ID, "2030-03-04", fmt.Sprintf("%02d:00:00", n%24), fmt.Sprintf("%02d:30:00", n%24), "0.50", "APPROVED", ""}})
				changed, same := queries(p)-auth, queries(p)-auth
				if changed != 2 || same != 1 {
					t.Errorf("%s: %s ran %d queries after a change and %d then; want 2 and 1", label, p, changed, same)
				}
			}
			if got := queries("/api/calendar/day/2030-03-04/?pa_id=999999") - auth; got != 1 {
				t.Errorf("%s: unknown pa_id: %d queries, want 1", label, got)
			}
		}
		count("few shifts")
		var rows []calShiftRow
		for day := 1; day <= 30; day++ {
			for i, pa := range pas {
				start := fmt.Sprintf("%02d:00:00", i)
				end := fmt.Sprintf("%02d:00:00", (i+5)%24)
				rows = append(rows, calShiftRow{pa.ID, fmt.Sprintf("2030-03-%02d", day), start, end, "5.00", "APPROVED", ""})
			}
		}
		insertShifts(t, f.e.db, f.period, f.admin.ID, rows)
		count("600 shifts")
	})
}

// TestCalendarSeesChanges checks that a cached span is never served once the
// database has changed under it: approvals, rejections, edits in place,
// deletions and a PA's new name show at once.
func TestCalendarSeesChanges(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCalFix(t, d)
		f.add("m", f.alice, "2030-03-02", "06:00", "09:00", "3.00", "APPROVED", "Morning block")
		f.add("p", f.bob, "2030-03-02", "21:00", "22:00", "1.00", "PENDING", "")
		day := func(names ...string) {
			t.Helper()
			r := f.e.do("GET", "/api/calendar/day/2030-03-02/", nil, f.alice)
			expect(t, r, 200, "")
			got := r.JSON(t).(map[string]any)["shifts"].([]any)
			if len(got) != len(names) {
				t.Fatalf("shifts %s, want %v", r.Body, names)
			}
			for i, n := range names {
				g := got[i].(map[string]any)
				if fmt.Sprint(g["id"]) != fmt.Sprint(f.ids[n]) {
					t.Fatalf("shifts %s, want %v", r.Body, names)
				}
			}
		}
		exec := func(q string, args ...any) {
			t.Helper()
			err := f.e.db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
				_, err := tx.ExecContext(context.Background(), q, args...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		stamp := func() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z") }
		day("m")
		day("m")
		exec(`UPDATE shift_requests SET status = 'APPROVED', updated_at = $1 WHERE id = $2`, stamp(), f.ids["p"])
		day("m", "p")
		exec(`UPDATE shift_requests SET start_time = '05:00:00', updated_at = $1 WHERE id = $2`, stamp(), f.ids["p"])
		day("p", "m")
		exec(`UPDATE shift_requests SET status = 'REJECTED', updated_at = $1 WHERE id = $2`, stamp(), f.ids["p"])
		day("m")
		exec(`UPDATE users SET first_name = 'Alice' WHERE id = $1`, f.alice.ID)
		r := f.e.do("GET", "/api/calendar/day/2030-03-02/", nil, f.alice)
		if !strings.Contains(string(r.Body), `"pa_name":"Alice Anderson"`) || strings.Contains(string(r.Body), "Alicia") {
			t.Fatalf("renamed PA not shown: %s", r.Body)
		}
		exec(`DELETE FROM shift_requests WHERE id = $1`, f.ids["m"])
		day()
	})
}

// TestCalendarJSONMatchesEncodingJSON holds the views' appended JSON
// (appendjson.go) equal to what encoding/json makes of the same structs.
func TestCalendarJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	f := newCalFix(t, sqlstore.SQLite)
	f.march2030()
	f.add("odd", f.bob, "2030-03-09", "10:00", "11:30", "1.50", "APPROVED", "<b>\"quoted\" & ünïcode\n\u2028</b>")
	c := &calendarAPI{s: f.e.server}
	ctx := context.Background()
	check := func(name string, got []byte, v any) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got: %s\nwant: %s", name, got, want)
		}
	}
	for _, pa := range []int64{0, f.bob.ID} {
		mondays := schedule.MonthWeeks(2030, time.March)
		sp, err := c.loadSpan(ctx, mondays[0], mondays[len(mondays)-1].AddDays(6), pa, pa != 0)
		if err != nil {
			t.Fatal(err)
		}
		mv := buildMonth(sp, 2030, time.March, mondays)
		check("month", monthJSON.append(nil, mv), mv)
		monday := schedule.MustDate(2030, time.March, 4)
		if sp, err = c.loadSpan(ctx, monday, monday.AddDays(6), pa, pa != 0); err != nil {
			t.Fatal(err)
		}
		wv := buildWeek(sp, 2030, 10, monday)
		check("week", weekJSON.append(nil, wv), wv)
		for _, d := range []schedule.Date{monday, monday.AddDays(5)} {
			if sp, err = c.loadSpan(ctx, d, d, pa, pa != 0); err != nil {
				t.Fatal(err)
			}
			dv := buildDay(sp, d, schedule.DefaultWindows())
			check("day "+d.String(), dayJSON.append(nil, dv), dv)
		}
	}
}

// FuzzCalendarPath fuzzes the parsing of the views' path and query values:
// it never panics, and what it accepts is in range and reads back the same.
func FuzzCalendarPath(f *testing.F) {
	for _, s := range []string{"2030", "3", "13", "0", "53", "9999", "99999999999999999999", "2030-03-02", "2030-3-2",
		"2030-03- 2", "0000-01-01", "2030-02-30", "٢٠٣٠-03-02", "2030-1-31", "2030-10-1", "2030-11-", "x", "", " 7 ", "1_000", "-5", "+5"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if isDigits(a) && isDigits(b) {
			if y, m, err := monthParams(a, b); err == nil && (y < 1 || y > 9998 || m < 1 || m > 12) {
				t.Fatalf("month %q/%q accepted as %d-%d", a, b, y, m)
			}
			if y, w, monday, err := weekParams(a, b); err == nil {
				if y < 1 || y > 9998 || w < 1 || w > 53 || monday.Weekday() != time.Monday {
					t.Fatalf("week %q/%q accepted as %d-W%d (%s)", a, b, y, w, monday)
				}
			}
		}
		if d, err := dayParam(a); err == nil {
			back, err := dayParam(d.String())
			if err != nil || back != d || !d.Valid() {
				t.Fatalf("day %q read as %s, which reads back as %s, %v", a, d, back, err)
			}
			if len(a) == 10 && isDigits(a[:4]+a[5:7]+a[8:]) && a[4] == '-' && a[7] == '-' && d.String() != a {
				t.Fatalf("day %q read as %s", a, d)
			}
		} else if tm, perr := time.Parse("2006-01-02", a); perr == nil && tm.Year() >= 1 {
			t.Fatalf("day %q refused, but it is a date", a)
		}
		if n, ok := python.Int64(a); ok {
			if m, ok := python.Int64(fmt.Sprint(n)); !ok || m != n {
				t.Fatalf("pa_id %q read as %d, which reads back as %d", a, n, m)
			}
		}
	})
}
