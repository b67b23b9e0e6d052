package scheduling

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// checkTables compares critical_time_coverage and weekly_coverage with a
// recompute from scratch over every approved shift. A date without a row
// counts as uncovered.
func (b *bundle) checkTables(t *testing.T) {
	t.Helper()
	approved, err := sqlstore.FindShifts(b.ctx, b.db, sqlstore.ShiftFilter{Status: pasched.ShiftApproved})
	if err != nil {
		t.Fatal(err)
	}
	rules := rulesOf(approved)
	stored, err := sqlstore.FindAllCoverage(b.ctx, b.db)
	if err != nil {
		t.Fatal(err)
	}
	dates := map[schedule.Date]bool{}
	for d := range stored {
		dates[d] = true
	}
	for _, r := range rules {
		for _, d := range append(schedule.DatesTouched(r), schedule.AffectedDates(r, b.svc.windows())...) {
			dates[d] = true
		}
	}
	for d := range dates {
		want := b.svc.computeCoverage(d, rules)
		got, ok := stored[d]
		if !ok {
			got = b.svc.uncovered(d)
		}
		if !got.SameAs(want) {
			t.Errorf("coverage of %s: stored %+v, recomputed %+v", d, got.Windows, want.Windows)
		}
	}
	// The seed's morning/evening columns agree with the windows.
	rows, err := b.db.QueryContext(b.ctx, `SELECT date, morning_covered, evening_covered, morning_shift_id, evening_shift_id FROM critical_time_coverage`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			ds     string
			m, e   bool
			mi, ei *int64
		)
		if err := rows.Scan(&ds, &m, &e, &mi, &ei); err != nil {
			t.Fatal(err)
		}
		c := stored[date(ds[:10])]
		if c.Morning().Covered != m || c.Evening().Covered != e || val(mi) != c.Morning().ShiftID || val(ei) != c.Evening().ShiftID {
			t.Errorf("coverage columns of %s disagree with its windows", ds)
		}
	}
	rows.Close()

	limits := map[int64]int{}
	for _, sh := range approved {
		limits[sh.RequestedByID] = 0
	}
	ids := make([]int64, 0, len(limits))
	for id := range limits {
		ids = append(ids, id)
	}
	if limits, err = sqlstore.MaxHoursPerWeek(b.ctx, b.db, ids); err != nil {
		t.Fatal(err)
	}
	want := map[weekKey]pasched.WeeklyHours{}
	for _, sh := range approved {
		for _, w := range schedule.WeeksTouched(sh.Rule()) {
			var mine []schedule.Shift
			for _, o := range approved {
				if o.RequestedByID == sh.RequestedByID {
					mine = append(mine, o.Rule())
				}
			}
			total := schedule.WeeklyHundredths(w, mine)
			want[weekKey{sh.PeriodID, sh.RequestedByID, w}] = pasched.WeeklyHours{PeriodID: sh.PeriodID, PAID: sh.RequestedByID,
				WeekStart: w, Hundredths: total, ExceedsLimit: schedule.ExceedsLimit(total, limits[sh.RequestedByID])}
		}
	}
	got, err := sqlstore.FindAllWeeklyHours(b.ctx, b.db)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[weekKey]bool{}
	for _, g := range got {
		k := weekKey{g.PeriodID, g.PAID, g.WeekStart}
		seen[k] = true
		w, ok := want[k]
		if !ok {
			t.Errorf("stale weekly row %+v", g)
			continue
		}
		if g.Hundredths != w.Hundredths || g.ExceedsLimit != w.ExceedsLimit {
			t.Errorf("weekly row %+v, recomputed %+v", g, w)
		}
	}
	for k, w := range want {
		if !seen[k] {
			t.Errorf("missing weekly row %+v", w)
		}
	}
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestCoverageMatchesRecompute runs random requests, approvals (some over
// the weekly limit with the override), direct creations, edits (moving
// shifts between dates, weeks and periods), rejections, cancellations and
// deletions, and checks after each step that the coverage and weekly tables
// equal a recompute from scratch.
func TestCoverageMatchesRecompute(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				randomOps(t, d, seed, 120)
			})
		}
	})
}

func randomOps(t *testing.T, d sqlstore.Dialect, seed uint64, steps int) {
	b := setup(t, d)
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	admin := b.user(pasched.RoleAdmin, "Ada")
	var pas []*pasched.User
	for i := range 4 {
		pas = append(pas, b.user(pasched.RolePA, fmt.Sprint("PA", i)))
	}
	b.setMaxHours(pas[0], 12)
	b.setMaxHours(pas[1], 20)
	// Two periods meeting at a month end that is also mid-week.
	p1 := b.period(admin, "May", "2030-05-20", "2030-05-31")
	p2 := b.period(admin, "June", "2030-06-01", "2030-06-10")
	periods := []*pasched.Period{p1, p2}
	starts := []string{"00:00", "05:30", "06:00", "08:00", "09:00", "12:00", "20:30", "21:00", "21:30", "23:00"}
	ends := []string{"00:00", "06:00", "07:00", "09:00", "09:30", "13:00", "21:30", "22:00", "23:00", "10:00"}
	randShift := func() (int64, string, string, string) {
		p := periods[rng.IntN(2)]
		day := p.StartDate.AddDays(rng.IntN(p.StartDate.DaysUntil(p.EndDate) + 1))
		return p.ID, day.String(), starts[rng.IntN(len(starts))], ends[rng.IntN(len(ends))]
	}
	all := func() []*pasched.Shift {
		shifts, err := sqlstore.FindShifts(b.ctx, b.db, sqlstore.ShiftFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return shifts
	}
	pick := func(status string) *pasched.Shift {
		var c []*pasched.Shift
		for _, sh := range all() {
			if status == "" || sh.Status == status {
				c = append(c, sh)
			}
		}
		if len(c) == 0 {
			return nil
		}
		return c[rng.IntN(len(c))]
	}
	ok := 0
	for step := range steps {
		var err error
		op := rng.IntN(10)
		switch op {
		case 0, 1, 2: // a PA asks
			p, dd, s, e := randShift()
			_, err = b.svc.CreateShift(b.ctx, pas[rng.IntN(len(pas))], input(p, dd, s, e))
		case 3: // the admin creates directly
			p, dd, s, e := randShift()
			in := input(p, dd, s, e)
			in.AdminDirect = true
			_, err = b.svc.CreateShift(b.ctx, admin, in)
		case 4, 5: // approve
			if sh := pick(pasched.ShiftPending); sh != nil {
				_, err = b.svc.ApproveShift(b.ctx, admin, sh.ID, ApproveInput{OverrideOvertime: rng.IntN(2) == 0})
			}
		case 6: // edit: move date, times or period
			if sh := pick(""); sh != nil {
				p, dd, s, e := randShift()
				in := ShiftInput{OverrideOvertime: rng.IntN(2) == 0}
				if rng.IntN(2) == 0 {
					in.PeriodID = &p
					dt := date(dd)
					in.Date = &dt
				}
				if rng.IntN(2) == 0 {
					st, en := clock(s), clock(e)
					in.Start, in.End = &st, &en
				}
				_, err = b.svc.UpdateShift(b.ctx, admin, sh.ID, in)
			}
		case 7: // reject
			if sh := pick(pasched.ShiftPending); sh != nil {
				_, err = b.svc.RejectShift(b.ctx, admin, sh.ID, "no")
			}
		case 8: // the PA cancels
			if sh := pick(pasched.ShiftPending); sh != nil {
				u := &pasched.User{ID: sh.RequestedByID, Role: pasched.RolePA}
				_, err = b.svc.DeleteShift(b.ctx, u, sh.ID)
			}
		case 9: // the admin deletes
			if sh := pick(""); sh != nil {
				_, err = b.svc.DeleteShift(b.ctx, admin, sh.ID)
			}
		}
		if err != nil && code(err) == pasched.EINTERNAL {
			t.Fatalf("step %d op %d: %v", step, op, err)
		}
		if err == nil {
			ok++
		}
		b.checkTables(t)
		if t.Failed() {
			t.Fatalf("tables differ after step %d (op %d)", step, op)
		}
	}
	approved := 0
	for _, sh := range all() {
		if sh.Status == pasched.ShiftApproved {
			approved++
		}
	}
	if ok < steps/2 || approved < 5 {
		t.Fatalf("only %d of %d operations succeeded, %d approved: the test exercises too little", ok, steps, approved)
	}
	// Deleting a period recomputes what its shifts held.
	if err := b.svc.DeletePeriod(b.ctx, admin, p1.ID); err != nil {
		t.Fatal(err)
	}
	b.checkTables(t)
	if !slices.ContainsFunc(all(), func(sh *pasched.Shift) bool { return sh.PeriodID == p2.ID }) {
		t.Log("no shift left in the second period")
	}
}
