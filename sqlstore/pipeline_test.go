package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// Pipeline's queries read as one-at-a-time queries would: each sees the
// writes queued before it, each fills its own destination, a shift reads
// the same through pgx as through database/sql, and a failing query fails
// the Pipeline.
func TestPipeline(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		var sh *pasched.Shift
		err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: "pa@example.com", Username: "pa", FirstName: "Pat",
				LastName: "Smith", Role: pasched.RolePA})
			if err != nil {
				return err
			}
			p := &pasched.Period{Name: "Spring", StartDate: schedule.MustDate(2030, 3, 1), EndDate: schedule.MustDate(2030, 3, 31),
				Status: pasched.PeriodOpen, CreatedByID: u.ID}
			if err := sqlstore.CreatePeriod(ctx, tx, p); err != nil {
				return err
			}
			st, en := schedule.Clock(21, 0, 0), schedule.Clock(7, 30, 0)
			sh = &pasched.Shift{PeriodID: p.ID, RequestedByID: u.ID, Date: schedule.MustDate(2030, 3, 4), Start: st, End: en,
				DurationHundredths: schedule.DurationHundredths(st, en), Status: pasched.ShiftPending, Notes: "é"}
			return sqlstore.CreateShift(ctx, tx, sh)
		})
		if err != nil {
			t.Fatal(err)
		}
		want, err := sqlstore.FindShiftByID(ctx, db, sh.ID)
		if err != nil {
			t.Fatal(err)
		}

		insert := `INSERT INTO audit_log (at, actor_name, kind, summary) VALUES ($1, $2, $3, $4)`
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "pipe", "s"); err != nil {
				return err
			}
			var (
				got    *pasched.Shift
				n      int
				limits = map[int64]int{}
			)
			count := sqlstore.Query{SQL: `SELECT count(*) FROM audit_log WHERE kind = 'pipe'`, Scan: func(r sqlstore.Rows) error {
				r.Next()
				return r.Scan(&n)
			}}
			if err := tx.Pipeline(ctx, count, sqlstore.ShiftByIDQuery(sh.ID, &got), sqlstore.MaxHoursQuery([]int64{sh.RequestedByID}, limits)); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("a pipelined query saw %d queued rows, want 1", n)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pipelined shift\n%+v\nwant (FindShiftByID)\n%+v", got, want)
			}
			if limits[sh.RequestedByID] != pasched.DefaultMaxHoursPerWeek {
				t.Errorf("limits %v", limits)
			}
			var missing *pasched.Shift
			err := tx.Pipeline(ctx, count, sqlstore.ShiftByIDQuery(sh.ID+1000, &missing))
			if e, ok := errors.AsType[*pasched.Error](err); !ok || e.Code != pasched.ENOTFOUND {
				t.Errorf("pipelined read of a missing shift: %v, want ENOTFOUND", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
