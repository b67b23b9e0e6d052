package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river/rivertype"

	"pasched/mail"
	"pasched/sqlstore"
)

// MessageID is the Message-ID of the email of job id created at created:
// the same on every attempt of the job, different for every job (the job id
// is never reused in a database, and the creation time tells two databases'
// job 42 apart). domain is the right-hand side, the From address's domain.
func MessageID(id int64, created time.Time, domain string) string {
	if domain == "" {
		domain = "pasched.localhost"
	}
	return "job-" + strconv.FormatInt(id, 10) + "-" + strconv.FormatInt(created.UnixMicro(), 36) + "@" + domain
}

// JobOfMessageID returns the job id of a Message-ID made by MessageID
// (angle brackets allowed), or false.
func JobOfMessageID(mid string) (int64, bool) {
	mid = strings.Trim(strings.TrimSpace(mid), "<>")
	rest, ok := strings.CutPrefix(mid, "job-")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	return id, err == nil && id > 0
}

// sentLog is the email_sent table: which email jobs a sender has already
// accepted. Marks are group-committed: a send that finishes while another
// batch is being written joins the next batch, so a burst of emails costs a
// few write transactions, not one each (SQLite has one writer).
type sentLog struct {
	db     *sqlstore.DB
	logger *slog.Logger

	mu  sync.Mutex
	cur *markBatch // the batch new marks join; nil when none is open
	// flushing serialises batch writes; while one is written the next fills.
	flushing sync.Mutex
	// prunedAt is when old marks were last deleted (under flushing).
	prunedAt time.Time
}

type markBatch struct {
	ids  []int64
	mids []string
	done chan struct{}
	err  error
}

// maxMarkBatch bounds one INSERT's rows (SQLite allows 32,766 parameters).
const maxMarkBatch = 500

// sentRetention is how long a mark is kept: far longer than any job can be
// retried (four attempts, the last about 7 minutes after the first) or sit
// running before River's rescuer takes it.
const sentRetention = 7 * 24 * time.Hour

// has reports whether job id's email was already accepted by a sender.
func (l *sentLog) has(ctx context.Context, id int64) (bool, error) {
	var n int
	err := l.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_sent WHERE job_id = $1`, id).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("email %d: read sent mark: %w", id, err)
	}
	return n > 0, nil
}

// mark records that job id's email, Message-ID mid, was accepted, and
// returns once the record is committed.
func (l *sentLog) mark(ctx context.Context, id int64, mid string) error {
	l.mu.Lock()
	b := l.cur
	leader := b == nil || len(b.ids) >= maxMarkBatch
	if leader {
		b = &markBatch{done: make(chan struct{})}
		l.cur = b
	}
	b.ids = append(b.ids, id)
	b.mids = append(b.mids, mid)
	l.mu.Unlock()
	if !leader {
		select {
		case <-b.done:
			return b.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The leader waits for the batch being written, then closes its own to
	// newcomers and writes it.
	l.flushing.Lock()
	l.mu.Lock()
	if l.cur == b {
		l.cur = nil
	}
	ids, mids := b.ids, b.mids
	l.mu.Unlock()
	b.err = l.write(ctx, ids, mids)
	l.flushing.Unlock()
	close(b.done)
	return b.err
}

// write inserts one batch of marks in one statement (a mark already there
// is kept: the first delivery's time is the one that counts), and now and
// then prunes old ones.
//
// One statement, committed on its own, is as atomic as the transaction it
// replaces and one round trip instead of three (BEGIN, INSERT, COMMIT):
// when emails come one by one (an approval's each), a batch holds one or
// two marks and shares little.
func (l *sentLog) write(ctx context.Context, ids []int64, mids []string) error {
	now := time.Now()
	q, args := l.insertMarks(ids, mids, now.UnixMilli())
	if _, err := l.db.SQL().ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("write %d sent marks: %w", len(ids), err)
	}
	if now.Sub(l.prunedAt) > sentPruneEvery {
		// Outside the marks' statement: old marks are gone a little later
		// if this fails, nothing else; the next batch tries again.
		if _, err := l.db.SQL().ExecContext(ctx, `DELETE FROM email_sent WHERE sent_ms < $1`, now.Add(-sentRetention).UnixMilli()); err != nil {
			l.logger.Warn("jobs: delete old sent marks", "err", err)
		} else {
			l.prunedAt = now
		}
	}
	return nil
}

// sentPruneEvery is how often a process deletes the marks older than
// sentRetention: at its first batch, then at most once an hour.
const sentPruneEvery = time.Hour

// insertMarks is the statement that inserts the marks of one batch. On
// PostgreSQL its text is the same for any number of marks (arrays), so the
// connection's prepared statement is reused; SQLite has no arrays and
// prepares each statement anyway.
func (l *sentLog) insertMarks(ids []int64, mids []string, sentMS int64) (string, []any) {
	if l.db.Dialect == sqlstore.Postgres {
		return `INSERT INTO email_sent (job_id, message_id, sent_ms)
			SELECT m.job_id, m.message_id, $3 FROM unnest($1::bigint[], $2::text[]) AS m(job_id, message_id)
			ON CONFLICT (job_id) DO NOTHING`, []any{ids, mids, sentMS}
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO email_sent (job_id, message_id, sent_ms) VALUES `)
	args := make([]any, 0, 3*len(ids))
	for i := range ids {
		if i > 0 {
			q.WriteByte(',')
		}
		n := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d)", n+1, n+2, n+3)
		args = append(args, ids[i], mids[i], sentMS)
	}
	q.WriteString(` ON CONFLICT (job_id) DO NOTHING`)
	return q.String(), args
}

// EmailStats counts the email jobs of a System since it started.
type EmailStats struct {
	// Sent is how many messages a sender accepted; Failed how many
	// attempts failed (each retry counts); Skipped how many re-runs found
	// their message already sent and completed without sending.
	Sent, Failed, Skipped atomic.Uint64
}

// markAttempts bounds how long a delivered email's mark is retried (the
// database may be briefly away); giving up is logged, and the job still
// completes (River's completer retries on its own).
const markAttempts = 8

// sendOnce delivers the email of job unless an earlier run of the job
// already did. The first attempt cannot have been sent before, so only a
// re-run reads its mark. The mark is written just after the sender accepts
// the message, with a context that the job's timeout does not cancel: the
// only window left is a crash (or a database outage longer than the mark's
// retries) between the SMTP server's 250 and the mark's commit, a few
// milliseconds of group commit.
func (w *EmailWorker) sendOnce(ctx context.Context, job *rivertype.JobRow, a EmailArgs) error {
	if job.Attempt > 1 {
		done, err := w.sent.has(ctx, job.ID)
		if err != nil {
			return err
		}
		if done {
			w.stats.Skipped.Add(1)
			w.logger.Info("jobs: email already sent; completing without sending", "job_id", job.ID, "event", a.Event, "attempt", job.Attempt)
			return nil
		}
	}
	if w.pace != nil {
		if err := w.pace.wait(ctx); err != nil {
			return fmt.Errorf("email %d: wait for the send rate: %w", job.ID, err)
		}
	}
	mid := MessageID(job.ID, job.CreatedAt, w.domain)
	err := w.Sender.Send(ctx, mail.Message{To: a.To, Subject: a.Subject, Text: a.Text, HTML: a.HTML, ID: mid,
		ListUnsubscribe: a.listUnsubscribe})
	switch {
	case errors.Is(err, mail.ErrAlreadyDelivered):
		// The sender itself knows the Message-ID (the file backend): the
		// crash fell between delivery and mark.
		w.stats.Skipped.Add(1)
		w.logger.Info("jobs: email already delivered by the sender; marking it sent", "job_id", job.ID, "event", a.Event, "attempt", job.Attempt)
	case err != nil:
		w.stats.Failed.Add(1)
		return err
	default:
		w.stats.Sent.Add(1)
	}
	mctx := context.WithoutCancel(ctx)
	delay := 50 * time.Millisecond
	for i := 1; ; i++ {
		err := w.sent.mark(mctx, job.ID, mid)
		if err == nil {
			return nil
		}
		if i == markAttempts {
			w.logger.Error("jobs: email sent but its mark not written; a crash before River completes the job would send it again",
				"job_id", job.ID, "event", a.Event, "err", err)
			return nil
		}
		time.Sleep(delay)
		delay = min(2*delay, 2*time.Second)
	}
}
