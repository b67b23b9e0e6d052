package api

import (
	"context"
	"fmt"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

func BenchmarkTmpSlots(b *testing.B) {
	sb := newSchedBench(b)
	ctx := context.Background()
	first := mustDate("2032-01-01")
	p := sb.period(fmt.Sprint("Bench "), first.String(), first.AddDays(60).String())
	err := sb.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for k := 0; k < 48*60; k++ {
			st := schedule.Clock(k%48/2, k%2*30, 0)
			en := schedule.Clock((k%48+1)/2%24, (k+1)%2*30, 0)
			now, by := tx.Now, sb.admin.ID
			sh := &pasched.Shift{PeriodID: p.ID, RequestedByID: sb.pas[k%20].ID, Date: first.AddDays(k / 48), Start: st, End: en,
				DurationHundredths: schedule.DurationHundredths(st, en), Status: pasched.ShiftApproved, ApprovedAt: &now, ApprovedByID: &by}
			if err := sqlstore.CreateShift(ctx, tx, sh); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	d := first.AddDays(30)
	from, to := schedule.WeekShiftDates(d)
	q := sqlstore.SlotQuery{Around: []sqlstore.ShiftDates{{From: d.AddDays(-1), To: d.AddDays(1)}}, PAs: []int64{sb.pas[3].ID},
		PARanges: []sqlstore.ShiftDates{{From: from, To: to}}}
	n := 0
	for b.Loop() {
		err := sb.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			got, err := sqlstore.FindSlots(ctx, tx, q)
			n = len(got)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "rows")
}
