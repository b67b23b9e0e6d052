package pasched

import (
	"time"

	"pasched/schedule"
)

// DayCoverage is one date's row of critical_time_coverage: whether each
// configured critical window of the date is covered by approved shifts. The
// seed's morning and evening are the first two windows.
type DayCoverage struct {
	Date    schedule.Date
	Windows []schedule.WindowCoverage
	// UpdatedAt is when the row was last written (zero for one not stored).
	UpdatedAt time.Time
}

// window returns the i-th window's coverage, or an uncovered zero value.
func (c *DayCoverage) window(i int) schedule.WindowCoverage {
	if i < len(c.Windows) {
		return c.Windows[i]
	}
	return schedule.WindowCoverage{}
}

// Morning is the first window (the seed's morning_covered / morning_shift).
func (c *DayCoverage) Morning() schedule.WindowCoverage { return c.window(0) }

// Evening is the second window (the seed's evening_covered / evening_shift).
func (c *DayCoverage) Evening() schedule.WindowCoverage { return c.window(1) }

// Status is the seed's coverage_status: complete, partial or none.
func (c *DayCoverage) Status() string { return schedule.CoverageStatus(c.Windows) }

// SameAs reports whether c and o say the same about the same windows.
func (c *DayCoverage) SameAs(o *DayCoverage) bool {
	if len(c.Windows) != len(o.Windows) {
		return false
	}
	for i := range c.Windows {
		if c.Windows[i] != o.Windows[i] {
			return false
		}
	}
	return true
}

// WeeklyHours is one row of weekly_coverage: a PA's approved hours in one
// Monday–Sunday week. There is a row for every period in which the PA has an
// approved shift reaching into that week; each carries the PA's whole-week
// total (all periods), so ExceedsLimit always compares the real week with the
// PA's max_hours_per_week.
type WeeklyHours struct {
	ID           int64
	PeriodID     int64
	PAID         int64
	WeekStart    schedule.Date // the Monday
	Hundredths   int64         // total_hours in hundredths
	ExceedsLimit bool
}
