package coverage

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// countingSchedule fires every interval and tells each call of Next.
type countingSchedule struct {
	every time.Duration
	calls chan struct{}
}

func (c countingSchedule) Next(t time.Time) time.Time {
	select {
	case c.calls <- struct{}{}:
	default:
	}
	return t.Add(c.every)
}

// TestDigestOncePerInstanceGroup: two worker instances on one PostgreSQL
// schema, the check's schedule firing many times for the same local date:
// one check job, one digest email.
func TestDigestOncePerInstanceGroup(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqlstore.Postgres)
	ctx := context.Background()
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: "noreply@pa.example.test", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b := &bundle{t: t, ctx: ctx, db: db, now: start}
	b.admin = b.user(pasched.RoleAdmin, "Ada")
	svc := &Service{DB: db, Windows: schedule.DefaultWindows(), Location: london, Days: 2,
		FrontendURL: "http://frontend.test", Now: b.clock, Logger: slog.New(slog.DiscardHandler)}
	calls := make(chan struct{}, 64)
	sched := Schedules{Stats: svc.DefaultSchedules().Stats, Check: countingSchedule{every: 50 * time.Millisecond, calls: calls}}
	var systems []*jobs.System
	for i := 0; i < 2; i++ {
		sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, TestOnly: true,
			PollInterval: 50 * time.Millisecond, RetryBase: time.Millisecond, Logger: slog.New(slog.DiscardHandler),
			Periodic: svc.PeriodicJobs(sched), Register: svc.Register})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		systems = append(systems, sys)
	}
	svc.Jobs = systems[0].Client
	svc.Scheduling = &scheduling.Service{DB: db, Jobs: systems[0].Client}
	for _, sys := range systems {
		if err := sys.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		for _, sys := range systems {
			if err := sys.Stop(sctx); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(stop)

	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// The leader's schedule fires at least eight times for the same date.
	for i := 0; i < 8; i++ {
		select {
		case <-calls:
		case <-wctx.Done():
			t.Fatalf("the periodic check fired only %d times", i)
		}
	}
	msgs, err := srv.Wait(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A second instance inserting the same date's check is told it is a
	// duplicate.
	res, err := systems[1].Client.Insert(ctx, CheckArgs{Date: "2030-03-04"}, uniqueByDate)
	if err != nil || !res.UniqueSkippedAsDuplicate {
		t.Fatalf("duplicate insert: %+v, %v", res, err)
	}
	stop()
	if n := b.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'coverage_check'`); n != 1 {
		t.Errorf("%d coverage_check jobs", n)
	}
	if n := b.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'coverage_check' AND state = 'completed'`); n != 1 {
		t.Errorf("the check job did not complete")
	}
	if n := b.count(`SELECT COUNT(*) FROM coverage_digests`); n != 1 {
		t.Errorf("%d digests recorded", n)
	}
	msgs = srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d emails sent, want one digest", len(msgs))
	}
	m, err := msgs[0].Parse()
	if err != nil || m.Header.Get("Subject") != "Coverage check: 4 critical windows uncovered in the next 2 days" {
		t.Errorf("digest %v, %v", m, err)
	}
}

// TestPeriodicJobsKeyedByLocalDate: the jobs are keyed by the date in
// TIME_ZONE at firing time, not UTC's.
func TestPeriodicJobsKeyedByLocalDate(t *testing.T) {
	t.Parallel()
	auckland := mustLoc("Pacific/Auckland")
	now := time.Date(2030, 3, 3, 17, 0, 0, 0, time.UTC) // Monday 4 March 06:00 in Auckland (NZDT, +13)
	svc := &Service{Location: auckland, Now: func() time.Time { return now }}
	if got := svc.DefaultSchedules().Check.Next(now.Add(-time.Minute)); !got.Equal(now) {
		t.Errorf("check fires at %v, want %v", got, now)
	}
	if d := svc.LocalDate(now); d.String() != "2030-03-04" {
		t.Errorf("local date %s", d)
	}
	if got := svc.DefaultSchedules().Stats.Next(now.Add(-24 * time.Hour)); !got.Equal(time.Date(2030, 3, 3, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("stats fire at %v (%v local)", got, got.In(auckland))
	}
}

// TestJobsThroughRiver: the weekly statistics and the daily check run as
// River jobs on both engines.
func TestJobsThroughRiver(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		pa := b.user(pasched.RolePA, "Pat")
		srv := smtptest.Start(t)
		sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: "noreply@pa.example.test", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		sys, err := jobs.New(b.ctx, jobs.Opts{DB: b.db, Sender: sender, FrontendURL: "http://frontend.test", Work: true, TestOnly: true,
			PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Register: b.svc.Register})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sys.Close)
		events, cancel := sys.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
		defer cancel()
		if err := sys.Start(b.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sys.Stop(sctx)
		})
		b.setNow(time.Date(2030, 3, 11, 2, 0, 0, 0, time.UTC))
		for _, args := range []river.JobArgs{StatsArgs{Date: "2030-03-11"}, CheckArgs{Date: "2030-03-11"}} {
			if _, err := sys.Client.Insert(b.ctx, args, uniqueByDate); err != nil {
				t.Fatal(err)
			}
		}
		// Other periodic jobs (the web-session cleanup, run on start)
		// complete meanwhile: wait for these two kinds.
		done := map[string]bool{}
		deadline := time.After(30 * time.Second)
		for !done[StatsArgs{}.Kind()] || !done[CheckArgs{}.Kind()] {
			select {
			case ev := <-events:
				if ev.Kind != river.EventKindJobCompleted {
					t.Fatalf("job %s: %v", ev.Job.Kind, ev.Job.Errors)
				}
				done[ev.Job.Kind] = true
			case <-deadline:
				t.Fatalf("jobs done: %v", done)
			}
		}
		st, err := b.svc.Stats(b.ctx, pa, pa.ID)
		if err != nil || !st.LastCalculated.Equal(b.clock()) {
			t.Errorf("stats %+v, %v", st, err)
		}
		if n := b.count(`SELECT COUNT(*) FROM coverage_digests`); n != 1 {
			t.Errorf("%d digests", n)
		}
	})
}
