package pasched

import (
	"time"

	"pasched/schedule"
)

// Statuses of a schedule period. A period is created OPEN or LOCKED, may
// move between the two, and becomes FINALIZED only through finalisation.
const (
	PeriodOpen      = "OPEN"
	PeriodLocked    = "LOCKED"
	PeriodFinalized = "FINALIZED"
)

// ValidPeriodStatus reports whether s is one of the period statuses.
func ValidPeriodStatus(s string) bool {
	return s == PeriodOpen || s == PeriodLocked || s == PeriodFinalized
}

// MaxPeriodDays bounds the length of a schedule period (start and end
// dates included), so finalisation's per-day warnings stay a sane size.
const MaxPeriodDays = 366

// Period is a schedule period: the stretch of dates PAs request shifts in.
type Period struct {
	ID            int64
	Name          string
	StartDate     schedule.Date
	EndDate       schedule.Date
	Status        string
	CreatedByID   int64
	CreatedByName string // the creator's full name
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ShiftCount counts every shift request of the period, whatever its status.
	ShiftCount int
}

// Contains reports whether d lies in the period, ends included.
func (p *Period) Contains(d schedule.Date) bool {
	return !d.Before(p.StartDate) && !d.After(p.EndDate)
}

// PeriodSummary is the seed's coverage_summary of a period.
type PeriodSummary struct {
	ApprovedShifts  int
	PendingRequests int
}
