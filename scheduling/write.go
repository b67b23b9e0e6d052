package scheduling

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// The write path: one transaction per change (sqlstore.DB.WriteTx, which
// rolls back on any error or panic and retries PostgreSQL's serialisation
// failures and deadlocks). A change first takes the locks of what it may
// read or write (lock, lockShift): on PostgreSQL transaction-level
// advisory locks on its PAs and dates, so changes of different PAs on
// different dates run in parallel; on SQLite nothing, since its writes are
// one at a time. It then reads what the rules need, checks, writes, and
// inserts its email jobs at the end of its transaction; its events are
// published after commit. A change that fails leaves nothing.
//
// Group commit (several changes in one transaction, each in a savepoint)
// was measured against this and removed: see the README's Performance
// section.

// wtx is a change's transaction, with its email jobs kept aside so that
// they are inserted in one statement when the change has succeeded.
type wtx struct {
	*sqlstore.Tx
	emails []river.InsertManyParams
}

// write runs fn as one change in its own transaction, with ctx: a request
// cancelled mid-change rolls back that change alone.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *wtx) error) error {
	return s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		w := &wtx{Tx: tx}
		if err := fn(ctx, w); err != nil {
			return err
		}
		if len(w.emails) > 0 && s.Jobs != nil {
			if _, err := s.Jobs.InsertManyFastTx(ctx, tx.SQL(), w.emails); err != nil {
				return fmt.Errorf("enqueue %d emails: %w", len(w.emails), err)
			}
		}
		return nil
	})
}

// lockDates are the dates whose locks a change of a shift dated d takes:
// its rules read the approved shifts dated the day before through the day
// after (overnight shifts reach into the next date), and it rewrites the
// coverage of dates in that range (schedule.AffectedDates,
// schedule.DatesTouched). Two changes whose reads or writes can meet are
// then at most two days apart, and share a date's lock.
func lockDates(d schedule.Date) []schedule.Date {
	return []schedule.Date{d.AddDays(-1), d, d.AddDays(1)}
}

// lock takes the locks of a change of pa's shifts dated dates (see
// sqlstore.ScheduleLocks).
func (w *wtx) lock(ctx context.Context, pa int64, dates ...schedule.Date) error {
	l := sqlstore.ScheduleLocks{PAs: []int64{pa}}
	for _, d := range dates {
		l.Dates = append(l.Dates, lockDates(d)...)
	}
	return w.LockSchedule(ctx, l)
}

// lockAll takes the whole schedule's lock (changes of periods).
func (w *wtx) lockAll(ctx context.Context) error {
	return w.LockSchedule(ctx, sqlstore.ScheduleLocks{All: true})
}

// lockShift takes the locks of a change of stored shift id, and of the
// other dates it may move it to, before the change reads the shift under
// them. Its PA and date are read first without a lock, then again under
// it: if a concurrent edit moved the shift meanwhile, the new date's locks
// are taken too (should that wait in a cycle, PostgreSQL aborts one side
// and WriteTx runs it again). An unknown id takes no lock; the change's own
// read answers it. On SQLite it does nothing.
func (w *wtx) lockShift(ctx context.Context, id int64, dates ...schedule.Date) error {
	if w.Dialect() != sqlstore.Postgres {
		return nil
	}
	held := map[schedule.Date]bool{}
	var pa int64
	for {
		sh, err := sqlstore.FindShiftByID(ctx, w, id)
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if held[sh.Date] && sh.RequestedByID == pa {
			return nil
		}
		pa = sh.RequestedByID
		ds := append([]schedule.Date{sh.Date}, dates...)
		dates = nil
		for _, d := range ds {
			held[d] = true
		}
		if err := w.lock(ctx, pa, ds...); err != nil {
			return err
		}
	}
}
