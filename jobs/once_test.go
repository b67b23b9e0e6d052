package jobs_test

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched/jobs"
	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// enqueueN commits n email jobs, one transaction each, and returns their ids.
func enqueueN(t *testing.T, db *sqlstore.DB, c *jobs.Client, n int, prefix string) []int64 {
	t.Helper()
	ctx := context.Background()
	ids := make([]int64, 0, n)
	for i := range n {
		m, _ := mail.Verification(fmt.Sprintf("pa%d@example.test", i), "PA", "http://frontend.test/verify-email?token=x")
		err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			res, err := c.InsertTx(ctx, tx.SQL(), jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
				Event: fmt.Sprintf("%s:%d", prefix, i)}, nil)
			if err == nil {
				ids = append(ids, res.Job.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// messageIDs returns how many times each Message-ID was delivered.
func messageIDs(t *testing.T, msgs []smtptest.Received) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, r := range msgs {
		m, err := r.Parse()
		if err != nil {
			t.Fatal(err)
		}
		seen[m.Header.Get("Message-Id")]++
	}
	return seen
}

// waitJobs waits (bounded) until every job of ids is in state.
func waitJobs(t *testing.T, db *sqlstore.DB, ids []int64, state string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := 0
		for _, id := range ids {
			var s string
			if err := db.QueryRowContext(context.Background(), `SELECT state FROM river_job WHERE id = $1`, id).Scan(&s); err != nil {
				t.Fatal(err)
			}
			if s == state {
				n++
			}
		}
		if n == len(ids) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs %s after 60 s", n, len(ids), state)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}

// outageSender is the jobs' sender in TestEmailOutageHangFailRecover: an
// SMTP client with a short timeout while the server hangs or refuses, and
// one with a long timeout once it may deliver. A hung attempt ends only by
// the client's timeout, so a single client's 3 s (the one deliveries need,
// below) held the whole package's test run for 3 s; while nothing can be
// accepted, a timeout cannot cut off a 250, so it may be short.
type outageSender struct {
	mu       sync.RWMutex // held for reading by each Send, for writing by deliver
	cur      mail.Sender
	outage   mail.Sender
	delivery mail.Sender
}

func (s *outageSender) Send(ctx context.Context, m mail.Message) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur.Send(ctx, m)
}

// deliver switches to the long-timeout client once every send through the
// short one has returned, so that none is still under way when the server
// starts accepting.
func (s *outageSender) deliver() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = s.delivery
	s.outage.(io.Closer).Close()
}

func (s *outageSender) Close() error {
	s.outage.(io.Closer).Close()
	return s.delivery.(io.Closer).Close()
}

// TestEmailOutageHangFailRecover: the SMTP server first hangs (accepts and
// never answers), then refuses every delivery (451), then recovers. Every
// email waits with backoff and is delivered exactly once, under its job's
// Message-ID. Backoff and the SMTP timeouts are short here; production's are
// a minute (doubling, capped at 30 min over 12 tries) and 30 s.
func TestEmailOutageHangFailRecover(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		db := sqltest.Open(t, d)
		srv := smtptest.Start(t)
		sender := &outageSender{}
		var err error
		// The outage client's timeout ends each hung attempt; nothing is
		// accepted while it is in use.
		if sender.outage, err = mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: from, Timeout: 300 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		sender.cur = sender.outage
		// The delivery client's timeout must be long enough for a loaded
		// machine to read a 250 that the sink did send: a client that
		// times out after the server accepted has no way to know, and
		// sends again (SMTP's own at-least-once window; 150 ms here once
		// delivered a message twice at load average 20, and 1 s did once
		// under .ci/run's race detector with the package's tests in
		// parallel, load 11).
		if sender.delivery, err = mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: from, Timeout: 3 * time.Second}); err != nil {
			t.Fatal(err)
		}
		sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, TestOnly: true, RetryBase: 20 * time.Millisecond,
			PollInterval: 20 * time.Millisecond, MessageIDDomain: "pa.example.test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		const n = 12
		srv.Hang(true)
		ids := enqueueN(t, db, sys.Client, n, "outage")
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sys.Stop(sctx)
		})
		if err := srv.WaitHung(ctx, n); err != nil {
			t.Fatal(err)
		}
		// Down, answering: every delivery refused for a while.
		srv.FailNext(1<<30, 451)
		srv.Hang(false)
		if err := srv.WaitRejected(ctx, n); err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Messages()); got != 0 {
			t.Fatalf("%d messages accepted while refusing", got)
		}
		sender.deliver()
		srv.FailNext(0, 0)
		if _, err := srv.Wait(ctx, n); err != nil {
			t.Fatal(err)
		}
		waitJobs(t, db, ids, "completed")
		seen := messageIDs(t, srv.Messages())
		if len(seen) != n {
			t.Fatalf("%d distinct messages, want %d: %v", len(seen), n, seen)
		}
		for _, id := range ids {
			var created time.Time
			row, err := sys.Client.JobGet(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			created = row.CreatedAt
			mid := "<" + jobs.MessageID(id, created, "pa.example.test") + ">"
			if seen[mid] != 1 {
				t.Errorf("job %d: %s delivered %d times", id, mid, seen[mid])
			}
			if row.Attempt < 2 {
				t.Errorf("job %d completed after %d attempt; its first hung", id, row.Attempt)
			}
		}
		if s := sys.Emails.Sent.Load(); s != n {
			t.Errorf("sent counter %d, want %d", s, n)
		}
		if f := sys.Emails.Failed.Load(); f < 2*n {
			t.Errorf("failed counter %d, want ≥ %d (%d hung, %d refused)", f, 2*n, srv.Hung(), srv.Rejected())
		}
	})
}

// TestEmailReclaimedOnce: jobs left running by a process that died (its
// client id no longer heartbeats) are taken back at once by a starting
// process. The one whose email had been accepted before the crash (its
// mark is there) completes without sending; the other is sent once.
func TestEmailReclaimedOnce(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		db := sqltest.Open(t, d)
		srv := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: from, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, TestOnly: true, PollInterval: 20 * time.Millisecond,
			MessageIDDomain: "pa.example.test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		ids := enqueueN(t, db, sys.Client, 2, "crash")
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		// What a kill -9 leaves: both running, attempt 1, by a client that
		// is gone; the first one's email was accepted and marked.
		byDead := `json_array('dead-client')`
		if d == sqlstore.Postgres {
			byDead = `ARRAY['dead-client']`
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = scheduled_at, attempted_by = `+byDead); err != nil {
			t.Fatal(err)
		}
		row, err := sys.Client.JobGet(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO email_sent (job_id, message_id, sent_ms) VALUES ($1, $2, $3)`,
			ids[0], jobs.MessageID(ids[0], row.CreatedAt, "pa.example.test"), time.Now().UnixMilli()); err != nil {
			t.Fatal(err)
		}
		events, cancelSub := sys.Client.Subscribe(river.EventKindJobCompleted)
		defer cancelSub()
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sys.Stop(sctx)
		})
		for range 2 {
			select {
			case <-events:
			case <-ctx.Done():
				t.Fatal("reclaimed jobs not completed within 60 s")
			}
		}
		waitJobs(t, db, ids, "completed")
		msgs := srv.Messages()
		seen := messageIDs(t, msgs)
		want := "<" + jobs.MessageID(ids[1], mustCreated(t, sys, ids[1]), "pa.example.test") + ">"
		if len(msgs) != 1 || seen[want] != 1 {
			t.Fatalf("delivered %v, want only %s", seen, want)
		}
		if sys.Emails.Skipped.Load() != 1 || sys.Emails.Sent.Load() != 1 {
			t.Fatalf("skipped %d, sent %d; want 1 and 1", sys.Emails.Skipped.Load(), sys.Emails.Sent.Load())
		}
		var marks int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM email_sent`).Scan(&marks); err != nil || marks != 2 {
			t.Fatalf("%d marks (%v), want 2", marks, err)
		}
	})
}

func mustCreated(t *testing.T, sys *jobs.System, id int64) time.Time {
	t.Helper()
	row, err := sys.Client.JobGet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return row.CreatedAt
}

func TestMessageIDRoundTrip(t *testing.T) {
	t.Parallel()
	for _, id := range []int64{1, 42, 1 << 40} {
		mid := jobs.MessageID(id, time.Unix(1700000000, 123456000), "example.com")
		got, ok := jobs.JobOfMessageID("<" + mid + ">")
		if !ok || got != id {
			t.Errorf("JobOfMessageID(%q) = %d, %v", mid, got, ok)
		}
	}
	for _, bad := range []string{"", "<abc@x>", "job-x-1@y", "job--1@y", "job-0-1@y"} {
		if _, ok := jobs.JobOfMessageID(bad); ok {
			t.Errorf("JobOfMessageID(%q) accepted", bad)
		}
	}
}

// TestEmailBurstReusedConnectionsOnce: a burst sent by River's workers over
// the SMTP backend's reused connections, the server dropping its idle
// connections twice mid-burst (a restart, its idle timeout): every email is
// delivered exactly once under its job's Message-ID, every job completes,
// and the burst takes far fewer connections than messages.
func TestEmailBurstReusedConnectionsOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		db := sqltest.Open(t, d)
		srv := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: from, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		const workers, n = 6, 150
		sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, Workers: workers, RetryBase: 20 * time.Millisecond,
			PollInterval: 20 * time.Millisecond, MessageIDDomain: "pa.example.test", Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		var ids []int64
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			for i := range n {
				m, _ := mail.Verification(fmt.Sprintf("pa%d@example.test", i), "PA", "http://frontend.test/verify-email?token=x")
				res, err := sys.Client.InsertTx(ctx, tx.SQL(), jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
					Event: fmt.Sprintf("burst:%d", i)}, nil)
				if err != nil {
					return err
				}
				ids = append(ids, res.Job.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sys.Stop(sctx)
		})
		// Drop what is idle once a third and two thirds have arrived (again
		// on each later message until a drop closes something).
		dropped := 0
		for _, at := range []int{n / 3, 2 * n / 3} {
			for got := at; ; got++ {
				if _, err := srv.Wait(ctx, got); err != nil {
					t.Fatal(err)
				}
				if k := srv.DropIdle(); k > 0 || got == n {
					dropped += k
					break
				}
			}
		}
		waitJobs(t, db, ids, "completed")
		seen := messageIDs(t, srv.Messages())
		if len(srv.Messages()) != n || len(seen) != n {
			t.Fatalf("%d messages, %d distinct; want %d", len(srv.Messages()), len(seen), n)
		}
		for _, id := range ids {
			mid := "<" + jobs.MessageID(id, mustCreated(t, sys, id), "pa.example.test") + ">"
			if seen[mid] != 1 {
				t.Errorf("job %d: %s delivered %d times", id, mid, seen[mid])
			}
		}
		if dropped == 0 {
			t.Error("no connection was idle to drop mid-burst")
		}
		if conns := srv.Accepted(); conns > 2*workers+dropped {
			t.Errorf("%d connections for %d emails (%d dropped), want at most %d", conns, n, dropped, 2*workers+dropped)
		}
		t.Logf("%d connections, %d dropped mid-burst, %d sends failed and retried", srv.Accepted(), dropped, sys.Emails.Failed.Load())
	})
}

// TestEmailRateCapsSends: EmailRate caps the sends of a process: at one an
// hour, one email of three goes; the other two wait, running, until their
// jobs are cancelled, and are not sent.
func TestEmailRateCapsSends(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := sqltest.Open(t, sqlstore.SQLite)
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: from, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, PollInterval: 20 * time.Millisecond,
		EmailRate: 1.0 / 3600, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sys.Close)
	ids := enqueueN(t, db, sys.Client, 3, "capped")
	if err := sys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The delivered one completes; the other two run, held by the cap.
	for states := ""; states != "completed running running"; {
		var got []string
		for _, id := range ids {
			row, err := sys.Client.JobGet(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(row.State))
		}
		sort.Strings(got)
		states = strings.Join(got, " ")
		if ctx.Err() != nil {
			t.Fatalf("jobs %s, want one completed and two running", states)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if err := sys.Client.StopAndCancel(sctx); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 || sys.Emails.Sent.Load() != 1 {
		t.Fatalf("%d messages delivered (%d counted sent), want 1", n, sys.Emails.Sent.Load())
	}
}

// TestEmailRunAgainAfterSendSendsNothing: a job whose email went out (its
// mark written by the send itself) and that River runs again — a crash
// after the mark, before River recorded the completion — completes
// without sending a second message.
func TestEmailRunAgainAfterSendSendsNothing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		b := setup(t, d)
		ids := enqueueN(t, b.db, b.sys.Client, 1, "again")
		b.wait(t, "email")
		waitJobs(t, b.db, ids, "completed")
		if n := b.count(t, `SELECT COUNT(*) FROM email_sent WHERE job_id = $1`, ids[0]); n != 1 {
			t.Fatalf("%d marks for job %d after its send, want 1", n, ids[0])
		}
		if _, err := b.db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available', finalized_at = NULL WHERE id = $1`, ids[0]); err != nil {
			t.Fatal(err)
		}
		b.wait(t, "email")
		waitJobs(t, b.db, ids, "completed")
		if got := len(b.smtp.Messages()); got != 1 {
			t.Fatalf("%d messages delivered, want 1", got)
		}
		if s, k := b.sys.Emails.Sent.Load(), b.sys.Emails.Skipped.Load(); s != 1 || k != 1 {
			t.Fatalf("sent %d, skipped %d; want 1 and 1", s, k)
		}
	})
}
