package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"pasched/sqlstore"
)

// WebSessionCleanupEvery is how often the rows of ended web sessions are
// deleted. An ended session is refused whether or not its row is there;
// this only keeps the table small.
const WebSessionCleanupEvery = time.Hour

// WebSessionCleanupArgs is the periodic job that deletes ended web sessions.
type WebSessionCleanupArgs struct{}

// Kind names the job.
func (WebSessionCleanupArgs) Kind() string { return "web_session_cleanup" }

// WebSessionCleanupWorker deletes the sessions whose idle or absolute expiry
// has passed.
type WebSessionCleanupWorker struct {
	river.WorkerDefaults[WebSessionCleanupArgs]
	DB *sqlstore.DB
}

// Work deletes the ended sessions.
func (w *WebSessionCleanupWorker) Work(ctx context.Context, _ *river.Job[WebSessionCleanupArgs]) error {
	_, err := DeleteExpiredWebSessions(ctx, w.DB)
	return err
}

// DeleteExpiredWebSessions deletes the ended web sessions now and returns
// how many.
func DeleteExpiredWebSessions(ctx context.Context, db *sqlstore.DB) (int64, error) {
	var n int64
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		n, err = sqlstore.DeleteExpiredWebSessions(ctx, tx, tx.Now)
		return err
	})
	return n, err
}

// webSessionCleanup is the periodic job, first run at start.
func webSessionCleanup() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(WebSessionCleanupEvery),
		func() (river.JobArgs, *river.InsertOpts) { return WebSessionCleanupArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true, ID: "web_session_cleanup"})
}
