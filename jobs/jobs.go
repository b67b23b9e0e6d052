// Package jobs runs pasched's background work on River, on the same database
// as the data (riversqlite on SQLite, database/sql + pgx on PostgreSQL), so a
// job is inserted in the transaction of the change that causes it: no email
// for a change that rolled back, no change without its email.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"pasched/mail"
	"pasched/sqlstore"
)

// Client is River's client over database/sql transactions.
type Client = river.Client[*sql.Tx]

// EmailMaxAttempts is how many times an email is tried. The seed's Celery
// tasks gave up after three retries (max_retries=3, 60 s · 2^n): seven
// minutes, so an SMTP outage of ten lost every email of its first minutes.
// Twelve tries with the delay capped at MaxRetryDelay keep an email
// trying for about three and a half hours.
const EmailMaxAttempts = 12

// MaxRetryDelay caps the doubling delay between two tries.
const MaxRetryDelay = 30 * time.Minute

// Opts configures the job system.
type Opts struct {
	DB     *sqlstore.DB
	Sender mail.Sender
	// FrontendURL builds the links in reminder emails.
	FrontendURL string
	// PasswordReset is the use case the password-reset job runs. Without
	// it such a job fails here and is retried (serve and worker always set
	// it; tests that never reset a password need not).
	PasswordReset PasswordResetter
	// Work starts workers; without it the client only inserts jobs.
	Work bool
	// RetryBase is the first retry's delay, doubled each time (the seed's
	// 60 s · 2^n); tests shorten it.
	RetryBase time.Duration
	// PollInterval is how often workers look for jobs without a
	// notification (SQLite has none).
	PollInterval time.Duration
	Logger       *slog.Logger
	// Periodic are extra periodic jobs (the daily coverage digest…).
	Periodic []*river.PeriodicJob
	// Register adds workers of other packages.
	Register func(w *river.Workers)
	// Policy applies notification settings to emails when they are sent
	// (nil: every email is sent as queued).
	Policy *Policy
	// Location is TIME_ZONE (reminders); nil means UTC.
	Location *time.Location
	// Now is the reminders' clock; nil means time.Now (tests fix it).
	Now func() time.Time
	// MessageIDDomain is the right-hand side of the emails' Message-IDs,
	// normally the domain of DEFAULT_FROM_EMAIL.
	MessageIDDomain string
	// Workers is how many jobs run at once in this process (default
	// DefaultWorkers).
	Workers int
	// DeadAfter is how long a worker process may be silent before the jobs
	// it was running are handed back to the queue (default
	// DefaultDeadAfter; JOBS_DEAD_AFTER in cmd/pasched).
	DeadAfter time.Duration
	// TestOnly is River's: its maintenance services (the scheduler, the
	// periodic jobs) start at once instead of up to a second apart. For
	// tests, which wait on them.
	TestOnly bool
	// EmailRate caps the emails this process sends a second
	// (EMAIL_MAX_RATE): 0 means DefaultEmailRate, negative no cap.
	EmailRate float64
}

// DefaultWorkers is how many jobs a process runs at once. Jobs are almost
// all emails, which wait on the SMTP server, not the CPU; with the fetch
// cooldown below River fetches up to 4,000 jobs a second in at most 40
// queries, and a slow SMTP server holds at most 100 connections
// (README, "Performance": BenchmarkEmailDrain).
const DefaultWorkers = 100

// DefaultEmailRate caps the emails a process sends a second. A burst is
// background work: uncapped, its workers take the cores from interactive
// requests for as long as it lasts. Over SMTP, 1,000 emails cost ≈ 0.3 ms of
// server CPU each and drained in 0.8–1.1 s while the month view fell to
// 0.52–0.77× its idle rate on the 2-core machine (cmd/seedload/wrk.sh,
// load ≈ 7); at 600 a second (in clumps, see pacer) the drain lasts ≈ 1.7 s
// and the month view kept 0.84× (median of 5 rounds, load ≈ 5.5). Issue
// 11's burst of 5,000 still drains within 10 s (8.5 s: BenchmarkEmailDrain),
// which rules out a lower default. Hosted SMTP relays have a send rate of
// their own (exceeding it is answered 454, retried a minute later): set
// EMAIL_MAX_RATE at or below it. README, "Performance".
const DefaultEmailRate = 600

// emailPaceWindow is the window the email rate is counted in: a tenth of a
// second's worth of emails may go at once, so a few (a change's two or
// three) never wait.
const emailPaceWindow = 100 * time.Millisecond

// JobTimeout bounds one run of a job (its context is cancelled then); an
// email's SMTP exchange has 30 s per step (cmd/pasched), so a hanging server
// costs at most this before the retry.
const JobTimeout = 45 * time.Second

// RescueStuckJobsAfter is when River's own rescuer takes back a job that
// has been running that long in a process that is still alive (a dead
// process's jobs are reclaimed much sooner, see reclaimer). It must exceed
// JobTimeout (River refuses otherwise): past it the job's context is
// cancelled and its send aborted, so a job still "running" is really stuck
// and running it again cannot overlap a live send.
const RescueStuckJobsAfter = JobTimeout + time.Minute

// retryPolicy is exponential backoff from a base, capped at 30 base
// delays (MaxRetryDelay with the default base of a minute).
type retryPolicy struct{ base time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	if job.AttemptedAt != nil && time.Since(*job.AttemptedAt) >= RescueStuckJobsAfter {
		// Rescued by River (a run cannot last that long: its context ends
		// at JobTimeout): it has waited long enough already.
		return time.Now()
	}
	n := max(job.Attempt-1, 0)
	d := time.Duration(float64(p.base) * math.Pow(2, float64(min(n, 20))))
	return time.Now().Add(min(d, 30*p.base))
}

// driver returns River's driver for the store's engine.
func driver(db *sqlstore.DB, listener *pgxpool.Pool) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == sqlstore.SQLite {
		return riversqlite.New(db.SQL())
	}
	if listener != nil {
		return riverdatabasesql.NewWithPgxListener(db.SQL(), listener)
	}
	return riverdatabasesql.New(db.SQL())
}

// System is the River client and what it holds open.
type System struct {
	Client *Client
	// PGX inserts jobs faster inside PostgreSQL transactions (see
	// InsertManyTx); nil on SQLite.
	PGX      *PGXClient
	listener *pgxpool.Pool
	working  bool
	reclaim  *reclaimer
	sender   mail.Sender
	// Emails counts sends, failures and skipped re-sends.
	Emails *EmailStats
}

// New builds the River client with every worker registered.
func New(ctx context.Context, o Opts) (*System, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = DefaultDeadAfter
	}
	if o.Work && o.Sender == nil {
		// A worker without a sender would panic on the first email job
		// (a digest, a reminder) instead of delivering it.
		return nil, errors.New("jobs: workers need a mail sender")
	}
	sys := &System{working: o.Work, Emails: &EmailStats{}, sender: o.Sender}
	if o.DB.Dialect == sqlstore.Postgres && o.Work {
		pool, err := pgxpool.New(ctx, o.DB.DSN)
		if err != nil {
			return nil, fmt.Errorf("jobs: listener pool: %w", err)
		}
		sys.listener = pool
	}
	workers := river.NewWorkers()
	ew := &EmailWorker{Sender: o.Sender, sent: &sentLog{db: o.DB, logger: o.Logger}, domain: o.MessageIDDomain,
		stats: sys.Emails, logger: o.Logger, Policy: o.Policy}
	if o.EmailRate == 0 {
		o.EmailRate = DefaultEmailRate
	}
	if o.EmailRate > 0 {
		ew.pace = newPacer(o.EmailRate, emailPaceWindow)
	}
	river.AddWorker(workers, ew)
	river.AddWorker(workers, &ReminderWorker{DB: o.DB, Location: o.Location, FrontendURL: o.FrontendURL, Now: o.Now})
	// Registered even without a use case: River refuses to insert a kind
	// its client has no worker for.
	river.AddWorker(workers, &PasswordResetWorker{DB: o.DB, Reset: o.PasswordReset})
	river.AddWorker(workers, &WebSessionCleanupWorker{DB: o.DB})
	if o.Register != nil {
		o.Register(workers)
	}
	cfg := &river.Config{
		Logger:            o.Logger,
		Workers:           workers,
		RetryPolicy:       retryPolicy{base: o.RetryBase},
		FetchPollInterval: o.PollInterval,
		// River fetches at most every FetchCooldown, up to the free
		// workers: with its default 100 ms and 8 workers a burst drained at
		// about 80 a second. Measured: 5 ms with 50 workers cost 50% more
		// CPU per email than 25 ms with 100 (many small fetches, each a
		// statement SQLite parses anew); an idle queue pays nothing either
		// way (fetches follow notifications and the poll interval).
		FetchCooldown:        min(o.PollInterval, 25*time.Millisecond),
		MaxAttempts:          EmailMaxAttempts,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
		TestOnly:             o.TestOnly,
		PeriodicJobs:         append([]*river.PeriodicJob{webSessionCleanup()}, o.Periodic...),
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}}
	}
	c, err := river.NewClient(driver(o.DB, sys.listener), cfg)
	if err != nil {
		sys.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	sys.Client = c
	if o.DB.Dialect == sqlstore.Postgres {
		if sys.PGX, err = newPGXClient(workers); err != nil {
			sys.Close()
			return nil, fmt.Errorf("jobs: %w", err)
		}
	}
	if o.Work {
		sys.reclaim = &reclaimer{db: o.DB, clientID: c.ID(), logger: o.Logger, deadAfter: o.DeadAfter, heartbeatEvery: o.DeadAfter / 5}
	}
	return sys, nil
}

// Start starts the workers (when configured to work).
func (s *System) Start(ctx context.Context) error {
	if !s.working {
		return nil
	}
	// Registered before River fetches a job, so no other process takes
	// this one's jobs for a dead process's.
	if err := s.reclaim.start(ctx); err != nil {
		return fmt.Errorf("jobs: register worker: %w", err)
	}
	if err := s.Client.Start(ctx); err != nil {
		s.reclaim.close(context.WithoutCancel(ctx))
		return err
	}
	return nil
}

// Stop lets running jobs finish, then stops, and closes the sender's idle
// connections (the SMTP backend keeps them between messages).
func (s *System) Stop(ctx context.Context) error {
	if !s.working {
		return nil
	}
	err := s.Client.Stop(ctx)
	s.reclaim.close(ctx)
	if c, ok := s.sender.(io.Closer); ok {
		c.Close()
	}
	return err
}

// Close releases the listener pool.
func (s *System) Close() {
	if s.listener != nil {
		s.listener.Close()
	}
}

// EnqueueEmail inserts an email job in tx. event names what caused it
// (for logs; one event, one job).
func EnqueueEmail(ctx context.Context, c *Client, tx *sqlstore.Tx, m mail.Message, event string) error {
	if len(m.To) == 0 {
		return nil
	}
	_, err := c.InsertTx(ctx, tx.SQL(), EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: event}, nil)
	if err != nil {
		return fmt.Errorf("enqueue email %s: %w", event, err)
	}
	return nil
}
