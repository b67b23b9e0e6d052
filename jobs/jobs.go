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

// EmailMaxAttempts is one try and three retries, as the seed's Celery
// tasks (max_retries=3).
const EmailMaxAttempts = 4

// Opts configures the job system.
type Opts struct {
	DB     *sqlstore.DB
	Sender mail.Sender
	// PasswordReset is the use case the password-reset job runs; needed
	// when Work is set.
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
}

// retryPolicy is exponential backoff from a base.
type retryPolicy struct{ base time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := max(job.Attempt-1, 0)
	d := time.Duration(float64(p.base) * math.Pow(2, float64(min(n, 20))))
	return time.Now().Add(d)
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
	Client   *Client
	listener *pgxpool.Pool
	working  bool
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
	if o.Work && o.PasswordReset == nil {
		return nil, errors.New("jobs: workers need Opts.PasswordReset")
	}
	sys := &System{working: o.Work}
	if o.DB.Dialect == sqlstore.Postgres && o.Work {
		pool, err := pgxpool.New(ctx, o.DB.DSN)
		if err != nil {
			return nil, fmt.Errorf("jobs: listener pool: %w", err)
		}
		sys.listener = pool
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &EmailWorker{Sender: o.Sender})
	river.AddWorker(workers, &PasswordResetWorker{DB: o.DB, Reset: o.PasswordReset})
	if o.Register != nil {
		o.Register(workers)
	}
	cfg := &river.Config{
		Logger:            o.Logger,
		Workers:           workers,
		RetryPolicy:       retryPolicy{base: o.RetryBase},
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, 100*time.Millisecond),
		MaxAttempts:       EmailMaxAttempts,
		JobTimeout:        time.Minute,
		PeriodicJobs:      o.Periodic,
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}}
	}
	c, err := river.NewClient(driver(o.DB, sys.listener), cfg)
	if err != nil {
		sys.Close()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	sys.Client = c
	return sys, nil
}

// Start starts the workers (when configured to work).
func (s *System) Start(ctx context.Context) error {
	if !s.working {
		return nil
	}
	return s.Client.Start(ctx)
}

// Stop lets running jobs finish, then stops.
func (s *System) Stop(ctx context.Context) error {
	if !s.working {
		return nil
	}
	return s.Client.Stop(ctx)
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
