package scheduling

import (
	"context"
	"fmt"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// Span is the calendar read model of the dates First..Last: every PA's
// approved shifts around them and, for each date, the shifts reaching into
// it, their hours on it and its coverage, worked out once. The calendar
// views (month, week, day) are renderings of a span, with or without a
// PA's filter. A Span is never modified once built: requests share it.
type Span struct {
	First, Last schedule.Date
	// Shifts are the approved shifts dated First-1 through Last+1, by date,
	// start time and id: the day before's overnight shifts reach into First,
	// and the day after's can cover a critical window crossing Last's
	// midnight.
	Shifts []pasched.CalendarShift
	// Days[i] is date First+i.
	Days []SpanDay
	// at[i] is the index in Shifts of the first shift dated First-1+i or
	// later.
	at []int
	memo
}

// SpanDay is one date of a span.
type SpanDay struct {
	Date schedule.Date
	// Entries are the shifts whose interval reaches into the date: the day
	// before's overnight shifts first, then the date's own, in start order.
	Entries []DayEntry
	// Coverage is the date's critical windows, from every PA's approved
	// shifts (never filtered).
	Coverage []schedule.WindowCoverage
	// Status is schedule.CoverageStatus of Coverage.
	Status string
}

// DayEntry is a shift reaching into a date.
type DayEntry struct {
	Shift      int   // index in Span.Shifts
	Hundredths int64 // its hours on the date (schedule.HoursOnDate)
	// FirstHour..LastHour are the hours of the date it overlaps
	// (schedule.DayHours).
	FirstHour, LastHour int
}

// ErrNoSuchUser answers a calendar narrowed to a PA id that names no user.
var ErrNoSuchUser = pasched.Errorf(pasched.ENOTFOUND, "no such user")

type spanKey struct{ first, last schedule.Date }

// CalendarSpan returns the calendar read model of first..last, built from
// the current data (see read.go). pa, when not 0, is the PA the caller
// will narrow the span to: it must name a user (ErrNoSuchUser), which the
// same query as the version check verifies. Codes: ENOTFOUND.
func (s *Service) CalendarSpan(ctx context.Context, first, last schedule.Date, pa int64) (*Span, error) {
	v, exists, err := s.version(ctx, pa)
	if err != nil {
		return nil, fmt.Errorf("calendar %s..%s: %w", first, last, err)
	}
	if pa != 0 && !exists {
		return nil, ErrNoSuchUser
	}
	sp, err := s.spans.get(ctx, spanKey{first, last}, v, func(ctx context.Context) (*Span, error) {
		rows, err := sqlstore.FindCalendarShifts(ctx, s.DB, first.AddDays(-1), last.AddDays(1))
		if err != nil {
			return nil, err
		}
		return newSpan(first, last, rows, s.windows()), nil
	})
	if err != nil {
		return nil, fmt.Errorf("calendar %s..%s: %w", first, last, err)
	}
	return sp, nil
}

// newSpan works out the dates first..last from rows, the approved shifts
// dated first-1 through last+1.
func newSpan(first, last schedule.Date, rows []pasched.CalendarShift, windows []schedule.Window) *Span {
	sp := &Span{First: first, Last: last, Shifts: rows}
	shifts := make([]schedule.Shift, len(rows))
	for i := range rows {
		shifts[i] = rows[i].Shift()
	}
	from := first.AddDays(-1)
	n := from.DaysUntil(last.AddDays(1)) + 1
	sp.at = make([]int, n+1)
	j := 0
	for i := 0; i <= n; i++ {
		day := from.AddDays(i)
		for j < len(rows) && rows[j].Date.Before(day) {
			j++
		}
		sp.at[i] = j
	}
	sp.Days = make([]SpanDay, first.DaysUntil(last)+1)
	for i := range sp.Days {
		day := first.AddDays(i)
		sd := &sp.Days[i]
		sd.Date = day
		// Shifts dated day-1 and day are at[i]..at[i+2]; day-1..day+1 to at[i+3].
		for k := sp.at[i]; k < sp.at[i+2]; k++ {
			hours := schedule.DayHours(day, shifts[k])
			if len(hours) == 0 {
				continue
			}
			sd.Entries = append(sd.Entries, DayEntry{Shift: k, Hundredths: schedule.HoursOnDate(day, shifts[k]),
				FirstHour: hours[0], LastHour: hours[len(hours)-1]})
		}
		sd.Coverage = schedule.CoverDate(day, windows, shifts[sp.at[i]:sp.at[i+3]])
		sd.Status = schedule.CoverageStatus(sd.Coverage)
	}
	return sp
}

// Day returns date d of the span, which must lie in First..Last.
func (sp *Span) Day(d schedule.Date) *SpanDay { return &sp.Days[sp.First.DaysUntil(d)] }

// Dated returns the range lo..hi (hi excluded) of Shifts dated first..last,
// which must lie in First..Last.
func (sp *Span) Dated(first, last schedule.Date) (lo, hi int) {
	base := sp.First.AddDays(-1)
	return sp.at[base.DaysUntil(first)], sp.at[base.DaysUntil(last)+1]
}
