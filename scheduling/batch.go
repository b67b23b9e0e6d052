package scheduling

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/riverqueue/river"

	"pasched/sqlstore"
)

// maxBatch bounds how many changes share one database transaction.
const maxBatch = 32

// Group commit. Every change to the schedule takes the schedule lock, so
// changes run one at a time anyway (SQLite has a single writer). Instead of
// one transaction each, the changes that arrive while one is running are
// run together, one after another, in the next transaction: each inside a
// savepoint, so a change that fails is undone alone and answers its own
// error, while the others commit. BEGIN, COMMIT, the schedule lock and the
// insertion of the email jobs are paid once per batch. Every change still
// sees the effects of those before it, so the rules hold as if each ran
// alone, and nothing of a change (rows, emails, events) survives unless
// both its savepoint and the batch commit.

// wtx is one change's view of the batch's transaction: its statements run
// in the shared transaction; its events and email jobs are kept aside and
// handed on only if the change succeeds.
type wtx struct {
	*sqlstore.Tx
	after  []func()
	emails []river.InsertManyParams
}

// AfterCommit keeps fn until the change is known to have succeeded (a
// realtime.Broker stages events through it).
func (w *wtx) AfterCommit(fn func()) { w.after = append(w.after, fn) }

// LockSchedule is a no-op: the batch took the lock first.
func (w *wtx) LockSchedule(context.Context) error { return nil }

// writeOp is one change waiting for its batch.
type writeOp struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *wtx) error
	err  error
	wake chan bool // true: lead the next batch; false: done
}

// batcher queues changes; the first to arrive leads: it runs a batch of what
// is queued, then hands the lead to the next change waiting, if any. No
// goroutine outlives a request.
type batcher struct {
	mu      sync.Mutex
	queue   []*writeOp
	running bool
}

// write runs fn as one change of a batch and returns its error. fn gets a
// context that is not cancelled (a statement interrupted inside a SQLite
// transaction would roll back every change of the batch); a change whose
// request is cancelled before its turn does not run.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, tx *wtx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, wake: make(chan bool, 1)}
	b := &s.batch
	b.mu.Lock()
	b.queue = append(b.queue, op)
	if b.running {
		b.mu.Unlock()
		if lead := <-op.wake; !lead {
			return op.err
		}
		b.mu.Lock()
	}
	b.running = true
	n := min(len(b.queue), maxBatch)
	ops := b.queue[:n:n]
	b.queue = append([]*writeOp(nil), b.queue[n:]...)
	b.mu.Unlock()

	s.runBatch(ops)

	for _, o := range ops {
		if o != op {
			o.wake <- false
		}
	}
	b.mu.Lock()
	if len(b.queue) > 0 {
		next := b.queue[0]
		b.mu.Unlock()
		next.wake <- true
	} else {
		b.running = false
		b.mu.Unlock()
	}
	return op.err
}

// runBatch runs ops in one transaction and sets each one's error.
func (s *Service) runBatch(ops []*writeOp) {
	ctx := context.WithoutCancel(ops[0].ctx)
	err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.LockSchedule(ctx); err != nil {
			return err
		}
		var emails []river.InsertManyParams
		for _, op := range ops {
			op.err = nil
			if err := op.ctx.Err(); err != nil {
				op.err = err
				continue
			}
			w := &wtx{Tx: tx}
			if len(ops) > 1 {
				if _, err := tx.ExecContext(ctx, `SAVEPOINT change`); err != nil {
					return err
				}
			}
			op.err = runOp(context.WithoutCancel(op.ctx), op.fn, w)
			if sqlstore.IsRetryable(op.err) {
				return op.err // the whole batch is retried
			}
			if len(ops) > 1 {
				release := `RELEASE SAVEPOINT change`
				if op.err != nil {
					release = `ROLLBACK TO SAVEPOINT change`
				}
				if _, err := tx.ExecContext(ctx, release); err != nil {
					return err
				}
				if op.err != nil {
					if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT change`); err != nil {
						return err
					}
				}
			} else if op.err != nil {
				return op.err
			}
			if op.err == nil {
				for _, f := range w.after {
					tx.AfterCommit(f)
				}
				emails = append(emails, w.emails...)
			}
		}
		if len(emails) > 0 && s.Jobs != nil {
			if _, err := s.Jobs.InsertManyFastTx(ctx, tx.SQL(), emails); err != nil {
				return fmt.Errorf("enqueue %d emails: %w", len(emails), err)
			}
		}
		return nil
	})
	if err != nil {
		for _, op := range ops {
			if len(ops) == 1 || op.err == nil || sqlstore.IsRetryable(op.err) {
				op.err = err
			}
		}
	}
}

// runOp runs one change, turning a panic into an error so that the other
// changes of the batch still get their answers.
func runOp(ctx context.Context, fn func(context.Context, *wtx) error, w *wtx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			slog.Error("panic in a schedule change", "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("schedule change panicked: %v", v)
		}
	}()
	return fn(ctx, w)
}
