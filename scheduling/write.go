package scheduling

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// The write path: one transaction per change (sqlstore.DB.WriteTx, which
// rolls back on any error or panic and retries PostgreSQL's serialisation
// failures and deadlocks). A change first takes the locks of what it may
// read or write (lock, lockShift, lockAll): on PostgreSQL transaction-level
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
	for attempt := 0; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		if !errors.Is(err, errShiftMoved) || attempt >= 5 {
			return err
		}
	}
}

func (s *Service) writeOnce(ctx context.Context, fn func(ctx context.Context, tx *wtx) error) error {
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

// errShiftMoved: a concurrent change moved the shift between lockShift's
// read and the change's own read under the locks; write runs the change
// again.
var errShiftMoved = errors.New("shift moved while its locks were taken")

// shiftLock is what lockShift locked: the PA and date of the shift as read
// just before the locks were granted.
type shiftLock struct {
	pg    bool // PostgreSQL: locks were taken
	found bool
	pa    int64
	date  schedule.Date
}

// lockShift takes the locks of a change of stored shift id, and of the
// other dates it may move it to, in one statement (sqlstore.Tx.LockShift),
// before the change reads the shift under them; the change then checks
// with covers that they cover the shift it read. On SQLite it does
// nothing.
func (w *wtx) lockShift(ctx context.Context, id int64, dates ...schedule.Date) (shiftLock, error) {
	if w.Dialect() != sqlstore.Postgres {
		return shiftLock{}, nil
	}
	var extra []schedule.Date
	for _, d := range dates {
		extra = append(extra, lockDates(d)...)
	}
	pa, date, found, err := w.LockShift(ctx, id, extra)
	return shiftLock{pg: true, found: found, pa: pa, date: date}, err
}

// covers reports errShiftMoved unless the locks were taken for sh as the
// change read it under them.
func (l shiftLock) covers(sh *pasched.Shift) error {
	if !l.pg || (l.found && sh.RequestedByID == l.pa && sh.Date == l.date) {
		return nil
	}
	return errShiftMoved
}
