package schedule

import (
	"time"
)

// dayInterval is the whole of date d, [d 00:00, d+1 00:00).
func dayInterval(d Date) Interval {
	return Interval{d.Midnight(), d.AddDays(1).Midnight()}
}

// OnDate reports whether s's interval intersects date d: true for its own
// date and, for a shift that runs past midnight, the next date.
func OnDate(d Date, s Shift) bool {
	return Overlaps(dayInterval(d), s.Interval())
}

// DayHours returns, in order, the hours h of date d (0..23) whose slot
// [h:00, h+1:00) s's interval overlaps: partial hours count, and so do the
// next date's early hours of an overnight shift. A 21:30–01:15 shift dated
// d gives 21, 22, 23 on d and 0, 1 on the next date.
func DayHours(d Date, s Shift) []int {
	part := intersect(dayInterval(d), s.Interval())
	if part.Empty() {
		return nil
	}
	first := int(part.Start.Sub(d.Midnight()) / time.Hour)
	last := int((part.End.Sub(d.Midnight()) - 1) / time.Hour)
	hours := make([]int, 0, last-first+1)
	for h := first; h <= last; h++ {
		hours = append(hours, h)
	}
	return hours
}

// HoursOnDate returns the hundredths of an hour of s that fall on date d. A
// shift within its date has all of DurationHundredths there; an overnight
// shift has the part before midnight (rounded as DurationHundredths rounds)
// on its date and the rest on the next, so a shift's parts over its dates
// always sum to its DurationHundredths.
func HoursOnDate(d Date, s Shift) int64 {
	switch s.Date.DaysUntil(d) {
	case 0:
		return splitHundredths(s)[0]
	case 1:
		return splitHundredths(s)[1]
	}
	return 0
}

// MonthDates returns every date of month in year, in order; nil for a month
// outside 1..12 or a year outside MinYear..MaxYear.
func MonthDates(year int, month time.Month) []Date {
	first, err := NewDate(year, month, 1)
	if err != nil {
		return nil
	}
	dates := make([]Date, DaysIn(year, month))
	for i := range dates {
		dates[i] = first.AddDays(i)
	}
	return dates
}

// MonthWeeks returns the Mondays of the rows of a Monday-first month
// calendar, as the seed's month view builds it: from the Monday on or before
// the 1st through the week holding the month's last day (4 to 6 rows); nil
// when MonthDates would be.
func MonthWeeks(year int, month time.Month) []Date {
	dates := MonthDates(year, month)
	if dates == nil {
		return nil
	}
	last := dates[len(dates)-1]
	var weeks []Date
	for w := WeekStart(dates[0]); !w.After(last); w = w.AddDays(7) {
		weeks = append(weeks, w)
	}
	return weeks
}
