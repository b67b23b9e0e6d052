package scheduling

import (
	"testing"

	"pasched"
	"pasched/realtime"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestMovedShiftAnnouncedInBothPeriods: an edit that moves an approved shift
// to another period tells the sockets of the period it left (shift.updated
// and the coverage alert of the date it vacated), not only the new one.
func TestMovedShiftAnnouncedInBothPeriods(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		mar := b.period(admin, "March", "2030-03-01", "2030-03-31")
		apr := b.period(admin, "April", "2030-04-01", "2030-04-30")
		in := input(mar.ID, "2030-03-02", "06:00", "09:00")
		in.AdminDirect = true
		sh, err := b.svc.CreateShift(b.ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		b.rec.take()

		move := input(apr.ID, "2030-04-02", "06:00", "09:00")
		if _, err := b.svc.UpdateShift(b.ctx, admin, sh.ID, move); err != nil {
			t.Fatal(err)
		}
		rooms := map[int64][]string{}
		for _, ev := range b.rec.take() {
			rooms[ev.PeriodID] = append(rooms[ev.PeriodID], types(t, []realtime.Event{ev})[0])
		}
		for _, p := range []int64{mar.ID, apr.ID} {
			got := rooms[p]
			if len(got) == 0 || got[0] != EventShiftUpdated {
				t.Fatalf("period %d heard %v, want shift.updated first", p, got)
			}
			if !contains(got, EventCoverageAlert) {
				t.Fatalf("period %d heard %v, want a coverage.alert too", p, got)
			}
		}
	})
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
