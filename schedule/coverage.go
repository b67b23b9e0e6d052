package schedule

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidWindows is wrapped by the errors of ParseWindows.
var ErrInvalidWindows = errors.New("invalid critical windows")

// MaxWindows bounds how many critical windows ParseWindows accepts.
const MaxWindows = 48

// Coverage statuses, as the seed's CriticalTimeCoverage.coverage_status.
const (
	StatusComplete = "complete"
	StatusPartial  = "partial"
	StatusNone     = "none"
)

// Window is a critical time of every day that a PA must cover, such as the
// morning routine 06:00–09:00. A window whose End is at or before its Start
// crosses midnight and ends on the next day (equal times would span 24
// hours; ParseWindows refuses them).
type Window struct {
	Start TimeOfDay // when the window opens
	End   TimeOfDay // when it closes; at or before Start means on the next day
}

// DefaultWindows returns the seed's critical times: the morning 06:00–09:00
// and the evening 21:00–22:00, in that order.
func DefaultWindows() []Window {
	return []Window{
		{Start: Clock(6, 0, 0), End: Clock(9, 0, 0)},
		{Start: Clock(21, 0, 0), End: Clock(22, 0, 0)},
	}
}

// On returns the real stretch of time w covers on date d.
func (w Window) On(d Date) Interval {
	return Shift{Date: d, Start: w.Start, End: w.End}.Interval()
}

// String formats w as ParseWindows reads it, "06:00-09:00" (seconds shown
// only when not zero).
func (w Window) String() string {
	return windowClock(w.Start) + "-" + windowClock(w.End)
}

func windowClock(t TimeOfDay) string {
	s := fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
	if t.Second() != 0 || t.Microsecond() != 0 {
		s += fmt.Sprintf(":%02d", t.Second())
	}
	return s
}

// FormatWindows formats windows as ParseWindows reads them,
// "06:00-09:00,21:00-22:00".
func FormatWindows(windows []Window) string {
	parts := make([]string, len(windows))
	for i, w := range windows {
		parts[i] = w.String()
	}
	return strings.Join(parts, ",")
}

// ParseWindows reads a comma-separated list of critical windows,
// "06:00-09:00,21:00-22:00": each START-END with times H:MM, HH:MM or
// HH:MM:SS; END may be 24:00 (the same as 00:00); spaces around items and
// times are ignored. A window crosses midnight when END is at or before
// START ("23:00-01:00"). It refuses, with an error wrapping
// ErrInvalidWindows that names the offending window, an empty list, a
// malformed item, a zero-length window, more than MaxWindows windows, and
// windows that overlap one another, also across midnight. The order is kept.
func ParseWindows(s string) ([]Window, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("no windows given, want e.g. 06:00-09:00,21:00-22:00: %w", ErrInvalidWindows)
	}
	items := strings.Split(s, ",")
	if len(items) > MaxWindows {
		return nil, fmt.Errorf("%d windows given, at most %d allowed: %w", len(items), MaxWindows, ErrInvalidWindows)
	}
	windows := make([]Window, 0, len(items))
	for i, item := range items {
		item = strings.TrimSpace(item)
		startStr, endStr, ok := strings.Cut(item, "-")
		if !ok {
			return nil, fmt.Errorf("window %d %q: want START-END such as 06:00-09:00: %w", i+1, item, ErrInvalidWindows)
		}
		start, err := parseWindowClock(strings.TrimSpace(startStr), false)
		if err != nil {
			return nil, fmt.Errorf("window %d %q: start: %v: %w", i+1, item, err, ErrInvalidWindows)
		}
		end, err := parseWindowClock(strings.TrimSpace(endStr), true)
		if err != nil {
			return nil, fmt.Errorf("window %d %q: end: %v: %w", i+1, item, err, ErrInvalidWindows)
		}
		if start == end {
			return nil, fmt.Errorf("window %d %q: start and end are equal: %w", i+1, item, ErrInvalidWindows)
		}
		w := Window{Start: start, End: end}
		for j, o := range windows {
			if windowsClash(o, w) {
				return nil, fmt.Errorf("window %d %q overlaps window %d %q: %w", i+1, item, j+1, o.String(), ErrInvalidWindows)
			}
		}
		windows = append(windows, w)
	}
	return windows, nil
}

// parseWindowClock reads H:MM, HH:MM or HH:MM:SS, and 24:00 when allowed.
func parseWindowClock(s string, allow24 bool) (TimeOfDay, error) {
	fields := strings.Split(s, ":")
	if len(fields) < 2 || len(fields) > 3 {
		return TimeOfDay{}, fmt.Errorf("%q is not a time like 06:00", s)
	}
	var v [3]int
	for i, f := range fields {
		n := len(f)
		if n < 1 || n > 2 || (i > 0 && n != 2) {
			return TimeOfDay{}, fmt.Errorf("%q is not a time like 06:00", s)
		}
		for _, c := range []byte(f) {
			if c < '0' || c > '9' {
				return TimeOfDay{}, fmt.Errorf("%q is not a time like 06:00", s)
			}
		}
		v[i], _ = strconv.Atoi(f)
	}
	if allow24 && v[0] == 24 && v[1] == 0 && v[2] == 0 {
		return TimeOfDay{}, nil
	}
	t, err := NewTime(v[0], v[1], v[2], 0)
	if err != nil {
		return TimeOfDay{}, fmt.Errorf("%q: %v", s, err)
	}
	return t, nil
}

// windowsClash reports whether a and b share an instant on some day,
// counting a window that crosses midnight into the next day's.
func windowsClash(a, b Window) bool {
	d := refDate
	bi := b.On(d)
	for _, off := range []int{-1, 0, 1} {
		if Overlaps(a.On(d.AddDays(off)), bi) {
			return true
		}
	}
	return false
}

// WindowCoverage says whether one critical window of a date is covered.
type WindowCoverage struct {
	Window  Window // the window, as given to CoverDate
	Covered bool   // the union of the approved shifts holds all of it
	// ShiftID names the shift that covers the window's start (the earliest
	// starting such shift, then the lowest ID); 0 when not covered.
	ShiftID int64
}

// CoverDate works out, for each window on date d (in the order given),
// whether the approved shifts cover it: a window is covered when the union
// of the shifts' real intervals holds all of it, so back-to-back shifts can
// cover a window together, and a 21:00–09:00 shift dated d covers d's
// evening and the next date's morning. Pass the approved shifts dated
// NeighbourDates(d) and between; others cannot matter. The result does not
// depend on the order of approved.
func CoverDate(d Date, windows []Window, approved []Shift) []WindowCoverage {
	out := make([]WindowCoverage, len(windows))
	for i, w := range windows {
		out[i] = coverWindow(w, w.On(d), approved)
	}
	return out
}

func coverWindow(w Window, wi Interval, shifts []Shift) WindowCoverage {
	type candidate struct {
		iv Interval
		id int64
	}
	var cs []candidate
	for _, s := range shifts {
		if iv := s.Interval(); Overlaps(iv, wi) {
			cs = append(cs, candidate{iv, s.ID})
		}
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := a.iv.Start.Compare(b.iv.Start); c != 0 {
			return c
		}
		if a.id != b.id {
			if a.id < b.id {
				return -1
			}
			return 1
		}
		return a.iv.End.Compare(b.iv.End)
	})
	wc := WindowCoverage{Window: w}
	reached := wi.Start
	for _, c := range cs {
		if c.iv.Start.After(reached) {
			break // a gap no later shift can fill
		}
		if wc.ShiftID == 0 && c.iv.Contains(wi.Start) {
			wc.ShiftID = c.id
		}
		if c.iv.End.After(reached) {
			reached = c.iv.End
		}
		if !reached.Before(wi.End) {
			wc.Covered = true
			break
		}
	}
	if !wc.Covered {
		wc.ShiftID = 0
	}
	return wc
}

// CoverageStatus sums up a date's coverage as the seed's coverage_status:
// "complete" when every window is covered, "partial" when some are, "none"
// when none is. With no windows at all nothing is missing: "complete".
func CoverageStatus(cs []WindowCoverage) string {
	covered := 0
	for _, c := range cs {
		if c.Covered {
			covered++
		}
	}
	switch {
	case covered == len(cs):
		return StatusComplete
	case covered > 0:
		return StatusPartial
	}
	return StatusNone
}

// AffectedDates returns the dates whose coverage of windows can change when
// s is added, removed or moved away: every date among the day before s.Date
// through the day after whose windows overlap s's interval, in order. A
// 21:00–09:00 shift affects its own evening and the next date's morning.
func AffectedDates(s Shift, windows []Window) []Date {
	iv := s.Interval()
	var dates []Date
	for off := -1; off <= 1; off++ {
		d := s.Date.AddDays(off)
		for _, w := range windows {
			if Overlaps(w.On(d), iv) {
				dates = append(dates, d)
				break
			}
		}
	}
	return dates
}

// InWindow reports whether the hour slot [hour:00, hour+1:00) of a day
// overlaps a critical window, counting the part of a window that crosses
// midnight from the day before; it drives the day timeline's
// is_critical_time. Hours outside 0..23 are never critical.
func InWindow(hour int, windows []Window) bool {
	if hour < 0 || hour > 23 {
		return false
	}
	d := refDate
	slot := Interval{d.Midnight().Add(time.Duration(hour) * time.Hour), d.Midnight().Add(time.Duration(hour+1) * time.Hour)}
	for _, w := range windows {
		if Overlaps(w.On(d), slot) || Overlaps(w.On(d.AddDays(-1)), slot) {
			return true
		}
	}
	return false
}
