package pasched

import (
	"time"

	"pasched/schedule"
)

// Shift patterns of PAStats.Pattern, as the seed's preferred_shift_pattern
// choices.
const (
	PatternMorning = "morning"
	PatternEvening = "evening"
	PatternFullDay = "full_day"
	PatternMixed   = "mixed"
)

// DayCount is how many shifts a PA worked on one day of the week.
type DayCount struct {
	Day   string // lower-case English day name, "monday"
	Count int
}

// PAStats is a PA's scheduling pattern statistics (the seed's
// PAScheduleStats, table pa_schedule_stats), recomputed weekly and on
// demand from the PA's shift requests.
type PAStats struct {
	PAID int64
	// TotalShiftsWorked and TotalHundredths count every approved shift the
	// PA has finished, in real elapsed hours (hundredths).
	TotalShiftsWorked int
	TotalHundredths   int64
	// AverageWeeklyHundredths is the hours of the last twelve weeks / 12.
	AverageWeeklyHundredths int64
	// MostCommonDays counts the last twelve weeks' shifts per day of the
	// week, Monday first, days without shifts left out.
	MostCommonDays []DayCount
	// MostCommonStart is the most frequent start time (the earliest of
	// equals); nil without shifts.
	MostCommonStart *schedule.TimeOfDay
	// AverageShiftHundredths is the seed's most_common_shift_length: the
	// average length of the last twelve weeks' shifts; nil without shifts.
	AverageShiftHundredths *int64
	// Pattern is PatternMorning… or "" without shifts.
	Pattern string
	// ReliabilityHundredths is the share of requests not cancelled, in
	// hundredths of a percent (10000 = 100%).
	ReliabilityHundredths int64
	// TypicalRequestDays is how many days ahead the PA usually asks.
	TypicalRequestDays *int
	// ConsecutiveDays is the average length of runs of consecutive days.
	ConsecutiveDays *int
	// LastWorkedDate is the date of the last finished approved shift.
	LastWorkedDate *schedule.Date
	LastCalculated time.Time
}
