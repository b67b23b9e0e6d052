package scheduling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/sqlstore"
)

// The write path. On PostgreSQL, one transaction per change
// (sqlstore.DB.WriteTx, which rolls back on any error or panic and retries
// serialisation failures and deadlocks): a change first takes the locks of
// what it may read or write (lock, lockShift, lockAll), transaction-level
// advisory locks on its PAs and dates, so changes of different PAs on
// different dates run in parallel.
//
// On SQLite, whose writes run one at a time whatever we do, group commit:
// the changes that arrive while a transaction is running are run together
// in the next one, each inside its own savepoint (sqlstore.Tx.Savepoint),
// so BEGIN, COMMIT, the write-ahead log's pages and the insertion of the
// email jobs are paid once per batch. Measured on the API's approval
// benchmark, one transaction per change cost twice the CPU of this (see
// the README's Performance section). What keeps it safe:
//   - a change that fails (error, panic, failing statement) is rolled back
//     to its savepoint alone and answers its own error; if the batch itself
//     cannot commit (its email insert or COMMIT fails), every change of it
//     runs again alone, so only the one at fault fails;
//   - a change whose caller gives up before its turn never runs, and its
//     caller answers at once; one cancelled while it runs is rolled back;
//   - the batch is led by whoever holds a one-slot channel, released by a
//     deferred receive: a panic anywhere frees the writer, and the changes
//     of a batch that panicked answer an error instead of waiting;
//   - a change sees only its savepoint's Tx, whose AfterCommit hooks (the
//     realtime events) join the batch only when the savepoint is released:
//     no event can be published from a change that was rolled back.
// Every change still sees the effects of those before it, so the rules
// hold as if each ran alone.

// wtx is a change's transaction (its savepoint's, in a batch), with its
// email jobs kept aside so that they are inserted in one statement when
// the change, or its batch, has succeeded.
type wtx struct {
	*sqlstore.Tx
	emails []river.InsertManyParams
	// leads holds the reminder lead times loadSnapshot read with the
	// shifts, by PA: scheduleReminder then needs no statement of its own.
	leads map[int64]int
}

// maxBatch bounds how many changes share one transaction.
const maxBatch = 32

// write runs fn as one change and returns its error.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *wtx) error) error {
	if s.DB.Dialect != sqlstore.SQLite {
		return s.writeAlone(ctx, fn)
	}
	return s.batch.do(&writeOp{ctx: ctx, fn: fn, done: make(chan struct{})}, s.runBatch)
}

// writeAlone runs fn in its own transaction, with ctx: a request cancelled
// mid-change rolls back that change alone.
func (s *Service) writeAlone(ctx context.Context, fn func(ctx context.Context, tx *wtx) error) error {
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
		return s.insertEmails(ctx, tx, w.emails)
	})
}

// insertEmails inserts the email jobs of what commits with tx.
func (s *Service) insertEmails(ctx context.Context, tx *sqlstore.Tx, emails []river.InsertManyParams) error {
	if len(emails) == 0 || s.Jobs == nil {
		return nil
	}
	if err := jobs.InsertManyTx(ctx, s.Jobs, s.JobsPGX, tx, emails); err != nil {
		return fmt.Errorf("enqueue %d emails: %w", len(emails), err)
	}
	return nil
}

// runBatch runs ops in one transaction, each in a savepoint, and sets
// each one's error (see the comment at the top of this file).
func (s *Service) runBatch(ops []*writeOp) {
	if len(ops) == 1 {
		ops[0].err = s.writeAlone(ops[0].ctx, ops[0].fn)
		return
	}
	// A statement interrupted by its context inside a SQLite transaction
	// rolls the whole transaction back: changes run without cancellation
	// and check their caller's context between statements' worth of work
	// (runChange).
	ctx := context.WithoutCancel(ops[0].ctx)
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var emails []river.InsertManyParams
		for _, op := range ops {
			w := &wtx{}
			op.err = tx.Savepoint(ctx, func(sp *sqlstore.Tx) error {
				w.Tx = sp
				return runChange(op.ctx, op.fn, w)
			})
			if _, broken := errors.AsType[*sqlstore.SavepointError](op.err); broken {
				return op.err
			}
			if op.err == nil {
				emails = append(emails, w.emails...)
			}
		}
		return s.insertEmails(ctx, tx, emails)
	})
	if err != nil {
		// Nothing of the batch committed, and the answers given so far
		// were computed after changes that are now undone: each change
		// runs again alone, so that only the one at fault fails.
		for _, op := range ops {
			op.err = s.writeAlone(op.ctx, op.fn)
		}
	}
}

// runChange runs one change of a batch: not at all if its caller has
// given up, and undone if the caller gives up while it runs; a panic
// becomes its error, so that the other changes still commit.
func runChange(ctx context.Context, fn func(context.Context, *wtx) error, w *wtx) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			slog.Error("panic in a schedule change", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("schedule change panicked: %v", v)
		}
	}()
	if err := fn(context.WithoutCancel(ctx), w); err != nil {
		return err
	}
	return ctx.Err()
}

// writeOp is one change waiting for, or in, a batch.
type writeOp struct {
	ctx   context.Context
	fn    func(context.Context, *wtx) error
	state atomic.Int32 // opQueued, then opRunning or opCancelled
	err   error        // set before done is closed
	done  chan struct{}
}

const (
	opQueued int32 = iota
	opRunning
	opCancelled
)

// errBatchAborted answers the changes of a batch whose leader panicked.
var errBatchAborted = errors.New("the batch of this change was aborted by a panic; nothing of it was written")

// committer queues changes and runs them in batches. No goroutine of its
// own: the caller that takes lead runs what is queued, then gives lead
// back; callers still queued take it in turn.
type committer struct {
	once  sync.Once
	lead  chan struct{} // one slot: held while a batch runs
	mu    sync.Mutex
	queue []*writeOp
}

// do queues op and returns its error once run (by this caller, leading a
// batch, or by another), or its context's error if it is cancelled before
// a batch takes it. run runs a batch and sets each op's err.
func (c *committer) do(op *writeOp, run func([]*writeOp)) error {
	c.once.Do(func() { c.lead = make(chan struct{}, 1) })
	c.mu.Lock()
	c.queue = append(c.queue, op)
	c.mu.Unlock()
	for {
		select {
		case <-op.done:
			return op.err
		case c.lead <- struct{}{}:
			c.runQueued(run)
		case <-op.ctx.Done():
			if op.state.CompareAndSwap(opQueued, opCancelled) {
				return op.ctx.Err() // no batch will run it
			}
			<-op.done // already running: its answer is coming
			return op.err
		}
	}
}

// runQueued runs a batch of the queue's oldest changes; the caller holds
// lead, which it gives back even if run panics.
func (c *committer) runQueued(run func([]*writeOp)) {
	c.mu.Lock()
	n := min(len(c.queue), maxBatch)
	taken := c.queue[:n:n]
	c.queue = append([]*writeOp(nil), c.queue[n:]...)
	c.mu.Unlock()
	var ops []*writeOp
	for _, op := range taken {
		if op.state.CompareAndSwap(opQueued, opRunning) {
			ops = append(ops, op)
		}
	}
	finished := false
	defer func() {
		if !finished {
			for _, op := range ops {
				op.err = errBatchAborted
			}
		}
		for _, op := range ops {
			close(op.done)
		}
		<-c.lead
	}()
	if len(ops) > 0 {
		run(ops)
	}
	finished = true
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

// lockAndLoad takes the locks of a change of stored shift id (as
// lockShift) and reads the shift under them, in one round trip on
// PostgreSQL (sqlstore.Tx.Pipeline).
func (w *wtx) lockAndLoad(ctx context.Context, id int64) (*pasched.Shift, shiftLock, error) {
	if w.Dialect() != sqlstore.Postgres {
		sh, err := sqlstore.FindShiftByID(ctx, w, id)
		return sh, shiftLock{}, err
	}
	var (
		l  sqlstore.ShiftLock
		sh *pasched.Shift
	)
	if err := w.Pipeline(ctx, w.LockShiftQuery(id, nil, &l), sqlstore.ShiftByIDQuery(id, &sh)); err != nil {
		return nil, shiftLock{}, err
	}
	return sh, shiftLock{pg: true, found: l.Found, pa: l.PA, date: l.Date}, nil
}

// covers reports errShiftMoved unless the locks were taken for sh as the
// change read it under them.
func (l shiftLock) covers(sh *pasched.Shift) error {
	if !l.pg || (l.found && sh.RequestedByID == l.pa && sh.Date == l.date) {
		return nil
	}
	return errShiftMoved
}
