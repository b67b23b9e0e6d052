package schedule

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrInvalidWeek is wrapped by the errors of ISOWeekStart.
var ErrInvalidWeek = errors.New("invalid ISO week")

// WeekStart returns the Monday of d's Monday–Sunday week (d itself when d is
// a Monday).
func WeekStart(d Date) Date {
	return d.AddDays(-mondayIndex(d))
}

// mondayIndex is Python's date.weekday(): Monday 0 … Sunday 6.
func mondayIndex(d Date) int {
	return (int(d.Weekday()) + 6) % 7
}

// ISOWeek returns the ISO-8601 year and week number of d. Around New Year
// the ISO year may differ from d's calendar year: 2027-01-01 is in week 53
// of 2026, 2029-12-31 in week 1 of 2030.
func ISOWeek(d Date) (year, week int) {
	thursday := d.AddDays(3 - mondayIndex(d))
	return thursday.Year(), (thursday.YearDay()-1)/7 + 1
}

// WeeksInISOYear returns 53 for ISO years that have a week 53 (those whose
// 1 January is a Thursday, or a Wednesday in a leap year) and 52 otherwise.
func WeeksInISOYear(year int) int {
	_, w := ISOWeek(dateOf(year, time.December, 28))
	return w
}

// ISOWeekStart returns the Monday of ISO week week of ISO year year. It
// fails, wrapping ErrInvalidWeek, when year is outside MinYear..MaxYear or
// week is outside 1..WeeksInISOYear(year): week 53 exists only in the years
// that have it.
func ISOWeekStart(year, week int) (Date, error) {
	if year < MinYear || year > MaxYear {
		return Date{}, fmt.Errorf("year %d is out of range %d..%d: %w", year, MinYear, MaxYear, ErrInvalidWeek)
	}
	if n := WeeksInISOYear(year); week < 1 || week > n {
		return Date{}, fmt.Errorf("week %d of %d must be in 1..%d: %w", week, year, n, ErrInvalidWeek)
	}
	// Week 1 is the week that holds 4 January.
	return WeekStart(dateOf(year, time.January, 4)).AddDays(7 * (week - 1)), nil
}

// WeeksTouched returns the Mondays of the weeks that s's interval reaches
// into, in order: one, or two for an overnight shift from a Sunday into a
// Monday.
func WeeksTouched(s Shift) []Date {
	var weeks []Date
	for _, d := range DatesTouched(s) {
		if w := WeekStart(d); !slices.Contains(weeks, w) {
			weeks = append(weeks, w)
		}
	}
	return weeks
}

// WeekShiftDates returns the range of shift dates, from and to inclusive, a
// caller must load to total the week that starts on weekStart's Monday: the
// Sunday before (its overnight shift may run into the Monday) through the
// week's Sunday.
func WeekShiftDates(weekStart Date) (from, to Date) {
	m := WeekStart(weekStart)
	return m.AddDays(-1), m.AddDays(6)
}

// WeeklyHundredths returns the hours, in hundredths, of shifts that fall
// inside the week [Monday 00:00, next Monday 00:00) of weekStart (moved back
// to its Monday, as the seed does). A shift dated inside the week counts in
// full unless it runs past the week's end; an overnight shift from Sunday
// into Monday is split at midnight as HoursOnDate splits it, so the two
// weeks' parts add up to its DurationHundredths.
func WeeklyHundredths(weekStart Date, shifts []Shift) int64 {
	monday := WeekStart(weekStart)
	var total int64
	for _, s := range shifts {
		for i, part := range splitHundredths(s) {
			if d := s.Date.AddDays(i); !d.Before(monday) && d.Before(monday.AddDays(7)) {
				total += part
			}
		}
	}
	return total
}

// ExceedsLimit reports whether totalHundredths is strictly more than
// maxHoursPerWeek hours, as the seed's WeeklyCoverage.check_exceeds_limit:
// exactly at the limit is allowed.
func ExceedsLimit(totalHundredths int64, maxHoursPerWeek int) bool {
	return totalHundredths > int64(maxHoursPerWeek)*100
}

// WeekTotal is a PA's hours in one Monday–Sunday week with a candidate shift
// included.
type WeekTotal struct {
	WeekStart  Date  // the week's Monday
	Hundredths int64 // hours in hundredths, candidate included
	Exceeded   bool  // ExceedsLimit(Hundredths, max)
}

// WeekTotals returns, for every week the candidate touches (WeeksTouched),
// the PA's hours with the candidate added to existing, and whether that
// passes maxHoursPerWeek. existing must hold the PA's approved shifts dated
// from the Sunday before the first touched week through the last touched
// week's Sunday (WeekShiftDates of each); other shifts are ignored, and so
// is any shift with the candidate's own non-zero ID (its stored version,
// when an approved shift is being edited).
func WeekTotals(existing []Shift, candidate Shift, maxHoursPerWeek int) []WeekTotal {
	others := withoutID(existing, candidate.ID)
	var totals []WeekTotal
	for _, w := range WeeksTouched(candidate) {
		h := WeeklyHundredths(w, others) + WeeklyHundredths(w, []Shift{candidate})
		totals = append(totals, WeekTotal{WeekStart: w, Hundredths: h, Exceeded: ExceedsLimit(h, maxHoursPerWeek)})
	}
	return totals
}

// WouldExceed returns the weeks in which adding candidate to existing takes
// the PA past maxHoursPerWeek: none, one, or both weeks of a Sunday-night
// shift. The arguments are as for WeekTotals.
func WouldExceed(existing []Shift, candidate Shift, maxHoursPerWeek int) []WeekTotal {
	var over []WeekTotal
	for _, t := range WeekTotals(existing, candidate, maxHoursPerWeek) {
		if t.Exceeded {
			over = append(over, t)
		}
	}
	return over
}

// withoutID returns shifts without those whose ID is id; id 0 removes none.
func withoutID(shifts []Shift, id int64) []Shift {
	if id == 0 {
		return shifts
	}
	out := make([]Shift, 0, len(shifts))
	for _, s := range shifts {
		if s.ID != id {
			out = append(out, s)
		}
	}
	return out
}
