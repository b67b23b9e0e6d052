package coverage

import (
	"reflect"
	"testing"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestStatsStoredAndIdempotent(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		pa := b.user(pasched.RolePA, "Pat")
		other := b.user(pasched.RolePA, "Olly")
		b.setNow(time.Date(2030, 2, 20, 9, 0, 0, 0, time.UTC))
		p := b.period("2030-03-01", "2030-03-31")
		b.approved(pa, p, "2030-03-04", "06:00", "09:00")
		b.approved(pa, p, "2030-03-05", "22:00", "06:00") // a night
		b.approved(pa, p, "2030-03-06", "06:00", "09:00")
		b.request(pa, p, "2030-03-07", "06:00", "09:00")
		if _, err := b.sched.DeleteShift(b.ctx, pa, b.request(pa, p, "2030-03-08", "06:00", "09:00").ID); err != nil {
			t.Fatal(err)
		}
		b.setNow(time.Date(2030, 3, 11, 2, 0, 0, 0, time.UTC))

		// Before any calculation: the row made with the PA, at its defaults.
		st, err := b.svc.Stats(b.ctx, pa, pa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.TotalShiftsWorked != 0 || st.ReliabilityHundredths != 10000 || st.Pattern != "" {
			t.Errorf("fresh stats %+v", st)
		}

		got, err := b.svc.RecalculateStats(b.ctx, b.admin, pa.ID)
		if err != nil {
			t.Fatal(err)
		}
		shifts, err := sqlstore.FindShiftsOfPA(b.ctx, b.db, pa.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := intel.ComputeStats(pa.ID, shifts, b.clock(), london)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("recalculated %+v\nwant %+v", *got, want)
		}
		if got.TotalShiftsWorked != 3 || got.TotalHundredths != 1400 || got.ReliabilityHundredths != 8000 ||
			got.Pattern != pasched.PatternMorning || got.ConsecutiveDays == nil || *got.ConsecutiveDays != 3 {
			t.Errorf("unexpected figures %+v", got)
		}
		stored, err := b.svc.Stats(b.ctx, pa, pa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, got) {
			t.Errorf("stored %+v\nwant  %+v", stored, got)
		}
		// Idempotent: the job over everyone changes nothing but the time.
		b.setNow(b.clock().Add(time.Hour))
		if n, err := b.svc.RecalculateAll(b.ctx); err != nil || n != 2 {
			t.Fatalf("RecalculateAll = %d, %v", n, err)
		}
		again, _ := b.svc.Stats(b.ctx, b.admin, pa.ID)
		again.LastCalculated = got.LastCalculated
		if !reflect.DeepEqual(again, got) {
			t.Errorf("second run %+v\nfirst %+v", again, got)
		}
		all, err := b.svc.AllStats(b.ctx, b.admin)
		if err != nil || len(all) != 2 || all[1].PAID != other.ID {
			t.Errorf("AllStats = %v, %v", all, err)
		}

		for _, tc := range []struct {
			name string
			err  error
			want string
		}{
			{"another PA reads", func() error { _, err := b.svc.Stats(b.ctx, other, pa.ID); return err }(), pasched.EFORBIDDEN},
			{"a PA recalculates", func() error { _, err := b.svc.RecalculateStats(b.ctx, pa, pa.ID); return err }(), pasched.EFORBIDDEN},
			{"a PA lists", func() error { _, err := b.svc.AllStats(b.ctx, pa); return err }(), pasched.EFORBIDDEN},
			{"an admin is no PA", func() error { _, err := b.svc.RecalculateStats(b.ctx, b.admin, b.admin.ID); return err }(), pasched.ENOTFOUND},
			{"nobody", func() error { _, err := b.svc.Stats(b.ctx, b.admin, 999); return err }(), pasched.ENOTFOUND},
		} {
			if code(tc.err) != tc.want {
				t.Errorf("%s: %v, want %s", tc.name, tc.err, tc.want)
			}
		}
	})
}
