package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestSentMarks: concurrent marks are all recorded (group-committed), a
// mark written again keeps the first delivery's Message-ID and time, and
// marks older than sentRetention are deleted at a process's first batch
// and then at most every sentPruneEvery.
func TestSentMarks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx := context.Background()
		db := sqltest.Open(t, d)
		put := func(id int64, mid string, at time.Time) {
			t.Helper()
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO email_sent (job_id, message_id, sent_ms) VALUES ($1, $2, $3)`,
				id, mid, at.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		row := func(id int64) (mid string, ms int64, ok bool) {
			t.Helper()
			err := db.QueryRowContext(ctx, `SELECT message_id, sent_ms FROM email_sent WHERE job_id = $1`, id).Scan(&mid, &ms)
			if err != nil {
				return "", 0, false
			}
			return mid, ms, true
		}
		now := time.Now()
		put(1, "old", now.Add(-sentRetention-time.Hour))
		put(2, "recent", now.Add(-sentRetention+time.Hour))
		l := &sentLog{db: db, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}

		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for id := int64(100); id < 140; id++ {
			wg.Go(func() { errs <- l.mark(ctx, id, fmt.Sprintf("mid-%d", id)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for id := int64(100); id < 140; id++ {
			if mid, _, ok := row(id); !ok || mid != fmt.Sprintf("mid-%d", id) {
				t.Fatalf("job %d: mark %q, %v", id, mid, ok)
			}
			if has, err := l.has(ctx, id); err != nil || !has {
				t.Fatalf("has(%d) = %v, %v", id, has, err)
			}
		}
		if has, err := l.has(ctx, 99); err != nil || has {
			t.Fatalf("has(99) = %v, %v; want false", has, err)
		}
		if _, _, ok := row(1); ok {
			t.Fatal("a mark older than the retention survived the first batch")
		}
		if _, _, ok := row(2); !ok {
			t.Fatal("a mark younger than the retention was deleted")
		}

		// The first delivery's mark counts.
		_, first, _ := row(100)
		if err := l.mark(ctx, 100, "other"); err != nil {
			t.Fatal(err)
		}
		if mid, ms, _ := row(100); mid != "mid-100" || ms != first {
			t.Fatalf("mark written again: %q at %d, want mid-100 at %d", mid, ms, first)
		}

		// Pruning is rare: not at every batch, again once sentPruneEvery
		// has passed.
		put(3, "old", now.Add(-sentRetention-time.Hour))
		if err := l.mark(ctx, 200, "mid-200"); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := row(3); !ok {
			t.Fatal("old marks deleted again within sentPruneEvery")
		}
		l.prunedAt = time.Now().Add(-sentPruneEvery - time.Minute)
		if err := l.mark(ctx, 201, "mid-201"); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := row(3); ok {
			t.Fatal("old marks not deleted once sentPruneEvery had passed")
		}
		if _, _, ok := row(201); !ok {
			t.Fatal("mark 201 missing")
		}
	})
}
