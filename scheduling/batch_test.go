package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/mail"
	"pasched/sqlstore"
)

// queued waits (bounded) until n changes wait in c's queue: the batch the
// test is about is then made of them.
func queued(t *testing.T, c *committer, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.queue)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d changes queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdWriter starts a change that keeps the writer until release is
// closed, and returns once it runs: changes written meanwhile queue up and
// run as one batch when it ends.
func holdWriter(t *testing.T, b *bundle) (release chan struct{}, done <-chan error) {
	started, release, errc := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		errc <- b.svc.write(b.ctx, func(ctx context.Context, tx *wtx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	return release, errc
}

// periodChange creates a period named name, stages its event and queues
// its email, then fails with fail() if fail is set.
func periodChange(b *bundle, admin *pasched.User, name string, fail func() error) func(context.Context, *wtx) error {
	return func(ctx context.Context, tx *wtx) error {
		p := &pasched.Period{Name: name, StartDate: date("2030-01-01"), EndDate: date("2030-01-02"), Status: pasched.PeriodOpen, CreatedByID: admin.ID}
		if err := sqlstore.CreatePeriod(ctx, tx.Tx, p); err != nil {
			return err
		}
		if err := b.svc.stage(ctx, tx, pasched.Event{Kind: pasched.EventPeriodFinalized, PeriodID: p.ID, Period: p, Message: name}); err != nil {
			return err
		}
		if err := b.svc.enqueue(ctx, tx, mail.Message{To: []string{name + "@example.com"}, Subject: name, Text: name}, name); err != nil {
			return err
		}
		if fail != nil {
			return fail()
		}
		return nil
	}
}

// outcome is what committed: period names with their creation stamps,
// event messages and email subjects, each sorted.
func outcome(t *testing.T, b *bundle) (periods map[string]string, events, emails []string) {
	t.Helper()
	periods = map[string]string{}
	rows, err := b.db.QueryContext(b.ctx, `SELECT name, created_at FROM schedule_periods`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, at string
		if err := rows.Scan(&n, &at); err != nil {
			t.Fatal(err)
		}
		periods[n] = at
	}
	rows.Close()
	for _, ev := range b.rec.take() {
		var m struct{ Message string }
		if err := json.Unmarshal(ev.Full, &m); err != nil {
			t.Fatal(err)
		}
		events = append(events, m.Message)
	}
	for _, j := range b.emailJobs() {
		emails = append(emails, j.Subject)
	}
	slices.Sort(events)
	slices.Sort(emails)
	return periods, events, emails
}

// TestGroupCommitIsolatesChanges (SQLite): six changes queued behind a
// running one form one batch. The one that fails, the one that panics and
// the one whose caller gives up while it waits leave no row, event or
// email; the cancelled caller answers at once, before the batch runs; the
// others commit together, in one transaction (one creation stamp), with
// their events and emails.
func TestGroupCommitIsolatesChanges(t *testing.T) {
	t.Parallel()
	b := setup(t, sqlstore.SQLite)
	admin := b.user(pasched.RoleAdmin, "Ada")
	boom := errors.New("boom")
	release, held := holdWriter(t, b)

	cancelled, cancel := context.WithCancel(b.ctx)
	changes := []struct {
		ctx context.Context
		fn  func(context.Context, *wtx) error
	}{
		{b.ctx, periodChange(b, admin, "one", nil)},
		{b.ctx, periodChange(b, admin, "fails", func() error { return boom })},
		{b.ctx, periodChange(b, admin, "panics", func() error { panic("oops") })},
		{cancelled, periodChange(b, admin, "cancelled", nil)},
		{b.ctx, func(ctx context.Context, tx *wtx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
			return err
		}},
		{b.ctx, periodChange(b, admin, "two", nil)},
	}
	errcs := make([]chan error, len(changes))
	for i, c := range changes {
		errcs[i] = make(chan error, 1)
		go func() { errcs[i] <- b.svc.write(c.ctx, c.fn) }()
		queued(t, &b.svc.batch, i+1)
	}
	cancel()
	if err := <-errcs[3]; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled change answered %v while the writer was held", err)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	errs := make([]error, len(changes))
	for i := range changes {
		if i != 3 {
			errs[i] = <-errcs[i]
		}
	}
	if errs[0] != nil || errs[5] != nil {
		t.Fatalf("good changes failed: %v, %v", errs[0], errs[5])
	}
	if !errors.Is(errs[1], boom) || errs[2] == nil || !strings.Contains(errs[2].Error(), "oops") || errs[4] == nil {
		t.Fatalf("failed changes answered %v / %v / %v", errs[1], errs[2], errs[4])
	}
	periods, events, emails := outcome(t, b)
	if len(periods) != 2 || periods["one"] == "" || periods["one"] != periods["two"] {
		t.Fatalf("periods %v: want one and two, committed together", periods)
	}
	if strings.Join(events, ",") != "one,two" || strings.Join(emails, ",") != "one,two" {
		t.Fatalf("events %v, emails %v", events, emails)
	}
}

// unknownJob is a job kind no worker is registered for: River refuses to
// insert it.
type unknownJob struct{}

func (unknownJob) Kind() string { return "no_such_kind" }

// TestGroupCommitBatchFailureRerunsAlone (SQLite): a change whose email
// job cannot be inserted makes its batch fail at the end, after every
// change ran; the batch is undone and each change runs again alone, so
// only that change fails and the others commit with their events and
// emails.
func TestGroupCommitBatchFailureRerunsAlone(t *testing.T) {
	t.Parallel()
	b := setup(t, sqlstore.SQLite)
	admin := b.user(pasched.RoleAdmin, "Ada")
	release, held := holdWriter(t, b)
	fns := []func(context.Context, *wtx) error{
		periodChange(b, admin, "one", nil),
		periodChange(b, admin, "bad email", func() error { return nil }),
		periodChange(b, admin, "two", nil),
	}
	bad := fns[1]
	fns[1] = func(ctx context.Context, tx *wtx) error {
		if err := bad(ctx, tx); err != nil {
			return err
		}
		tx.emails = append(tx.emails, river.InsertManyParams{Args: unknownJob{}})
		return nil
	}
	errcs := make([]chan error, len(fns))
	for i, fn := range fns {
		errcs[i] = make(chan error, 1)
		go func() { errcs[i] <- b.svc.write(b.ctx, fn) }()
		queued(t, &b.svc.batch, i+1)
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-errcs[0]; err != nil {
		t.Fatalf("one: %v", err)
	}
	if err := <-errcs[1]; err == nil || !strings.Contains(err.Error(), "enqueue") {
		t.Fatalf("the change with the bad email answered %v", err)
	}
	if err := <-errcs[2]; err != nil {
		t.Fatalf("two: %v", err)
	}
	periods, events, emails := outcome(t, b)
	if len(periods) != 2 || periods["one"] == "" || periods["two"] == "" {
		t.Fatalf("periods %v", periods)
	}
	if strings.Join(events, ",") != "one,two" || strings.Join(emails, ",") != "one,two" {
		t.Fatalf("events %v, emails %v", events, emails)
	}
}

// TestCommitterPanicFreesWriter: a panic in the batch machinery (outside
// any change) reaches the caller that led the batch; the other changes of
// that batch answer an error instead of waiting for ever, and the next
// change runs.
func TestCommitterPanicFreesWriter(t *testing.T) {
	t.Parallel()
	var c committer
	first, release := make(chan struct{}), make(chan struct{})
	run := func(ops []*writeOp) {
		for _, op := range ops {
			switch op.ctx.Value(opName{}) {
			case "hold":
				close(first)
				<-release
			case "panic":
				panic("batch broke")
			}
		}
	}
	op := func(name string) *writeOp {
		return &writeOp{ctx: context.WithValue(context.Background(), opName{}, name), done: make(chan struct{})}
	}
	do := func(o *writeOp) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = errors.New("leader panicked")
			}
		}()
		return c.do(o, run)
	}
	holdErr := make(chan error, 1)
	go func() { holdErr <- do(op("hold")) }()
	<-first
	errs := make(chan error, 2)
	for _, name := range []string{"panic", "bystander"} {
		go func() { errs <- do(op(name)) }()
	}
	queued(t, &c, 2)
	close(release)
	if err := <-holdErr; err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 2 {
		got = append(got, (<-errs).Error())
	}
	slices.Sort(got)
	if got[0] != "leader panicked" || got[1] != errBatchAborted.Error() {
		t.Fatalf("the panicking batch answered %q", got)
	}
	// Bounded: a writer left held would make this answer the deadline.
	after := op("after")
	ctx, cancel := context.WithTimeout(after.ctx, 30*time.Second)
	defer cancel()
	after.ctx = ctx
	if err := do(after); err != nil {
		t.Fatalf("a change after the panic: %v", err)
	}
}

type opName struct{}
