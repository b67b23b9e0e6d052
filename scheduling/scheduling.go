// Package scheduling is the use cases of the seed's schedules, shifts and
// coverage apps: schedule periods, shift requests, approvals, coverage and
// weekly hours, finalisation, their emails and their live events.
//
// Contracts:
//
//   - Every change to the schedule is one transaction that first takes the
//     locks of its PA and dates (PostgreSQL advisory locks, write.go;
//     SQLite's single writer), then reads what the rules need (shifts dated
//     the day before through the day after, so overnight shifts count),
//     checks, and writes: two overlapping shifts can never both be
//     approved, whatever the concurrency, while changes of different PAs on
//     dates apart run in parallel.
//   - critical_time_coverage and weekly_coverage are recomputed in the same
//     transaction for every date and week a change reaches (old and new
//     sides of an edit), from the shifts read under the lock.
//   - Emails are River jobs inserted in that transaction; events (domain
//     values, pasched.Event) are staged with Events in it and published
//     only after commit. A change that fails leaves neither.
//   - The read side (read.go): calendar spans and shift list pages are
//     read models kept while the data they were built from is unchanged.
//
// Errors are *pasched.Error with the codes each method lists; the messages
// are the seed's where it has them.
package scheduling

import (
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Service holds what the scheduling use cases need.
type Service struct {
	DB   *sqlstore.DB
	Jobs *jobs.Client
	// JobsPGX, when set, inserts the jobs of PostgreSQL transactions
	// instead of Jobs (jobs.InsertManyTx says why).
	JobsPGX *jobs.PGXClient
	// Events carries live events from the transaction that caused them
	// (realtime.Publisher renders them for the WebSocket); nil: none.
	Events pasched.Events
	// Windows are the critical times of every day (CRITICAL_TIMES).
	Windows []schedule.Window
	// Location is TIME_ZONE: what "today" means.
	Location    *time.Location
	FrontendURL string
	// Now, when set, is the clock reminders are scheduled by (tests fix
	// it); otherwise each transaction's now.
	Now func() time.Time

	// batch queues SQLite's changes for group commit (write.go).
	batch committer
	// spans and pages are the read side's caches (read.go).
	spans readCache[spanKey, *Span]
	pages readCache[listKey, *ShiftListPage]
}
