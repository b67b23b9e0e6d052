package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"pasched/sqlstore"
)

// A process that runs workers says it is alive every heartbeatEvery; one
// silent for deadAfter is dead, and the jobs it was running are handed
// back to the queue by the others (or by itself once restarted).
//
// Why not River's rescuer alone: it takes a running job back only when the
// job has run longer than RescueStuckJobsAfter (which must exceed
// JobTimeout, so that a slow job of a live process is not run twice), checks
// every 30 s from the leader only, and schedules the job by the retry
// policy (a minute or more). After a kill -9 that is minutes of silence for
// an email whose change committed. A heartbeat tells a dead process from a
// slow job: the jobs of a dead process return within deadAfter plus one
// heartbeatEvery, however recently they started.
//
// DefaultDeadAfter is deadAfter unless Opts.DeadAfter sets it; a process
// beats every fifth of it.
const DefaultDeadAfter = 15 * time.Second

// reclaimer keeps this process's heartbeat and reclaims the jobs of dead ones.
type reclaimer struct {
	db       *sqlstore.DB
	clientID string
	logger   *slog.Logger
	// deadAfter and heartbeatEvery: see DefaultDeadAfter.
	deadAfter, heartbeatEvery time.Duration

	stop chan struct{}
	done sync.WaitGroup
	// okSince is when the heartbeats last started succeeding without a
	// gap: after a database outage every process's heartbeat lapsed, so
	// none reclaims before the others had deadAfter to beat again.
	okSince time.Time
}

// start registers the process (before its River client fetches any job)
// and starts the heartbeat loop; the first reclaim runs at once, so a
// restarted single instance takes its predecessor's jobs back as soon as
// that one's heartbeat is deadAfter old.
func (r *reclaimer) start(ctx context.Context) error {
	if err := r.beat(ctx); err != nil {
		return err
	}
	r.okSince = time.Time{} // a fresh process has no live jobs to mistake
	r.stop = make(chan struct{})
	r.done.Add(1)
	go r.loop()
	return nil
}

func (r *reclaimer) loop() {
	defer r.done.Done()
	t := time.NewTicker(r.heartbeatEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), r.heartbeatEvery)
		if err := r.beat(ctx); err != nil {
			r.logger.Warn("jobs: heartbeat", "err", err)
			r.okSince = time.Now()
		} else if time.Since(r.okSince) >= r.deadAfter {
			r.reclaim(ctx)
		}
		cancel()
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
	}
}

// close stops the loop and removes the process's row: its jobs, if any
// were left running, are reclaimed at once by the others.
func (r *reclaimer) close(ctx context.Context) {
	if r.stop == nil {
		return
	}
	close(r.stop)
	r.done.Wait()
	r.stop = nil
	if _, err := r.db.SQL().ExecContext(ctx, `DELETE FROM job_workers WHERE client_id = $1`, r.clientID); err != nil {
		r.logger.Warn("jobs: unregister worker", "err", err)
	}
}

func (r *reclaimer) beat(ctx context.Context) error {
	_, err := r.db.SQL().ExecContext(ctx, `INSERT INTO job_workers (client_id, heartbeat_ms) VALUES ($1, $2)
ON CONFLICT (client_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms`, r.clientID, time.Now().UnixMilli())
	return err
}

// reclaim makes the running jobs of dead processes available again, first
// in line (their scheduled_at is in the past), and forgets the dead. The
// last entry of attempted_by is the client running the job (River appends
// to it at each fetch); the SQL to read it differs by dialect.
func (r *reclaimer) reclaim(ctx context.Context) {
	horizon := time.Now().Add(-r.deadAfter).UnixMilli()
	// SQLite: attempted_by is a JSON array (stored as JSONB or text);
	// PostgreSQL: a text[].
	runner := `json_extract(attempted_by, '$[#-1]')`
	if r.db.Dialect == sqlstore.Postgres {
		runner = `attempted_by[array_length(attempted_by, 1)]`
	}
	res, err := r.db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available'
WHERE state = 'running' AND `+runner+` <> $1
  AND `+runner+` NOT IN (SELECT client_id FROM job_workers WHERE heartbeat_ms >= $2)`, r.clientID, horizon)
	if err != nil {
		r.logger.Warn("jobs: reclaim jobs of stopped workers", "err", err)
		return
	}
	if n, _ := res.RowsAffected(); n > 0 {
		r.logger.Info("jobs: reclaimed jobs of stopped workers", "jobs", n)
	}
	if _, err := r.db.SQL().ExecContext(ctx, `DELETE FROM job_workers WHERE heartbeat_ms < $1`, horizon); err != nil {
		r.logger.Warn("jobs: forget stopped workers", "err", err)
	}
}
