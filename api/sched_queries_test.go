package api

import (
	"context"
	"fmt"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// seedShifts inserts n shifts of the given PAs straight into the store,
// spread over March 2030 away from the 15th–17th, every third approved.
func seedShifts(t testing.TB, db *sqlstore.DB, period *pasched.Period, admin *pasched.User, pas []*pasched.User, n int) {
	t.Helper()
	ctx := context.Background()
	days := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range n {
			pa := pas[i%len(pas)]
			day := schedule.MustDate(2030, 3, days[(i/len(pas))%len(days)])
			start := schedule.Clock(i%3*8, 0, 0)
			end := schedule.Clock(i%3*8+7, 0, 0)
			sh := &pasched.Shift{PeriodID: period.ID, RequestedByID: pa.ID, Date: day, Start: start, End: end,
				DurationHundredths: schedule.DurationHundredths(start, end), Status: pasched.ShiftPending}
			if i%3 == 0 {
				now, by := tx.Now, admin.ID
				sh.Status, sh.ApprovedAt, sh.ApprovedByID = pasched.ShiftApproved, &now, &by
			}
			if err := sqlstore.CreateShift(ctx, tx, sh); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScheduleQueryCounts asserts that list, retrieve, create and approve
// run the same, small number of queries with 10 and with 200 shifts.
func TestScheduleQueryCounts(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		measure := func(n int) map[string]int64 {
			f := newSchedFix(t, d)
			var pas []*pasched.User
			for i := range 20 {
				pas = append(pas, f.pa(fmt.Sprintf("pa%d@example.com", i), "PA", fmt.Sprint(i)))
			}
			p, err := f.sched.FindPeriodDetail(context.Background(), f.admin, f.mar)
			if err != nil {
				t.Fatal(err)
			}
			seedShifts(t, f.db, p.Period, f.admin, pas, n)
			pending := f.request(f.bob, f.mar, "2030-03-16", "06:00", "09:00")
			count := func(method, path string, body any, as *pasched.User, status int) int64 {
				before := f.db.Queries()
				if r := f.do(method, path, body, as); r.Status != status {
					t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
				}
				return f.db.Queries() - before
			}
			return map[string]int64{
				"list":     count("GET", "/api/shifts/", nil, f.admin, 200),
				"list PA":  count("GET", "/api/shifts/", nil, pas[0], 200),
				"periods":  count("GET", "/api/schedule-periods/", nil, f.alice, 200),
				"period":   count("GET", fmt.Sprintf("/api/schedule-periods/%d/", f.mar), nil, f.alice, 200),
				"retrieve": count("GET", shiftPath(pending, ""), nil, f.admin, 200),
				"create": count("POST", "/api/shifts/", map[string]any{"schedule_period": f.mar, "date": "2030-03-16",
					"start_time": "10:00", "end_time": "12:00"}, f.alice, 201),
				"approve": count("POST", shiftPath(pending, "approve"), map[string]any{}, f.admin, 200),
			}
		}
		small, large := measure(10), measure(200)
		// Bounds: authentication is one query; BEGIN and COMMIT count one each.
		bounds := map[string]int64{"list": 3, "list PA": 3, "periods": 3, "period": 3, "retrieve": 2, "create": 8, "approve": 14}
		for k, n := range small {
			if large[k] != n {
				t.Errorf("%s: %d queries with 10 shifts, %d with 200", k, n, large[k])
			}
			if n > bounds[k] {
				t.Errorf("%s: %d queries, want at most %d", k, n, bounds[k])
			}
		}
		t.Logf("queries per request: %v", small)
	})
}
