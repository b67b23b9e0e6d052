// Package scheduling is the use cases of the seed's schedules, shifts and
// coverage apps: schedule periods, shift requests, approvals, coverage and
// weekly hours, finalisation, their emails and their live events.
package scheduling

import (
	"time"

	"pasched/jobs"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Service holds what the scheduling use cases need.
type Service struct {
	DB   *sqlstore.DB
	Jobs *jobs.Client
	// Broker carries live events from the transaction that caused them.
	Broker realtime.Broker
	// Windows are the critical times of every day (CRITICAL_TIMES).
	Windows []schedule.Window
	// Location is TIME_ZONE: what "today" means.
	Location    *time.Location
	FrontendURL string
}
