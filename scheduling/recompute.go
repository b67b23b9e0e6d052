package scheduling

import (
	"context"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// RecomputeAll rebuilds critical_time_coverage and weekly_coverage from
// every approved shift, by the same rules as a live change, inside the
// caller's transaction (which must hold the schedule lock on PostgreSQL:
// tx.LockSchedule with All). It stages no event and enqueues no email: it is for
// loading data that already happened (pasched import), not for a change.
func (s *Service) RecomputeAll(ctx context.Context, tx *sqlstore.Tx) error {
	all := sqlstore.ShiftDates{From: schedule.MustDate(1, 1, 1), To: schedule.MustDate(9999, 12, 31)}
	shifts, err := sqlstore.FindSlots(ctx, tx, sqlstore.SlotQuery{Around: []sqlstore.ShiftDates{all}})
	if err != nil {
		return err
	}
	sn := &snapshot{shifts: holdingTime(shifts)}
	e := &effect{added: sn.approved(nil)}
	w := &wtx{Tx: tx}
	return s.recomputeFor(ctx, w, sn, s.coverageDates(e), weeksByPA(e), nil)
}

// holdingTime drops the zero-length shifts a seed database may hold (the
// seed accepted start == end; our rules refuse it): such a shift holds no
// time, so it covers nothing, counts no hours and clashes with nothing.
// Left in, the rules would read it as a 24-hour overnight shift.
func holdingTime(shifts []*pasched.Shift) []*pasched.Shift {
	out := shifts[:0:0]
	for _, sh := range shifts {
		if sh.Start != sh.End {
			out = append(out, sh)
		}
	}
	return out
}
