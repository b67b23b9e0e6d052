package intel

import (
	"slices"
	"time"

	"pasched/schedule"
)

// Gap is a critical window on one date that the approved shifts do not fully
// cover.
type Gap struct {
	Date   schedule.Date
	Window schedule.Window
	// Slots are the uncovered stretches of the window, in order, each as a
	// shift-shaped slot (its date is the date the stretch starts on, which
	// is the next date for the after-midnight part of a window crossing
	// midnight). Nobody has an approved shift in a slot, so a slot can be
	// offered as it is.
	Slots []schedule.Shift
	// UncoveredMinutes is the slots' total length in whole minutes, a part
	// of a minute counting as one.
	UncoveredMinutes int
}

// FindGaps returns the gaps of windows on the dates from through to
// (included), given the approved shifts dated the day before from through
// the day after to. Only what lies after notBefore counts (a wall-clock
// instant on schedule's timeline, see Wall): a window already under way is
// reported for the part still to come, and a past one not at all. Windows
// are covered as schedule.CoverDate says (the union of the shifts, overnight
// shifts included).
func FindGaps(from, to schedule.Date, windows []schedule.Window, approved []schedule.Shift, notBefore time.Time) []Gap {
	var ivs []schedule.Interval
	for _, s := range approved {
		ivs = append(ivs, s.Interval())
	}
	slices.SortFunc(ivs, func(a, b schedule.Interval) int { return a.Start.Compare(b.Start) })
	var gaps []Gap
	for d := from; !d.After(to); d = d.AddDays(1) {
		for _, w := range windows {
			wi := w.On(d)
			if wi.Start.Before(notBefore) {
				wi.Start = notBefore
			}
			if wi.Empty() {
				continue
			}
			g := Gap{Date: d, Window: w}
			var missing time.Duration
			for _, piece := range subtract(wi, ivs) {
				g.Slots = append(g.Slots, slotOf(piece))
				missing += piece.Duration()
			}
			if len(g.Slots) == 0 {
				continue
			}
			g.UncoveredMinutes = int((missing + time.Minute - 1) / time.Minute)
			gaps = append(gaps, g)
		}
	}
	return gaps
}

// subtract returns the parts of w that none of ivs (sorted by start) holds.
func subtract(w schedule.Interval, ivs []schedule.Interval) []schedule.Interval {
	var out []schedule.Interval
	at := w.Start
	for _, iv := range ivs {
		if !iv.End.After(at) || iv.Empty() {
			continue
		}
		if !iv.Start.Before(w.End) {
			break
		}
		if iv.Start.After(at) {
			out = append(out, schedule.Interval{Start: at, End: iv.Start})
		}
		at = iv.End
		if !at.Before(w.End) {
			return out
		}
	}
	if at.Before(w.End) {
		out = append(out, schedule.Interval{Start: at, End: w.End})
	}
	return out
}

// slotOf turns a stretch shorter than a day into a shift-shaped slot.
func slotOf(iv schedule.Interval) schedule.Shift {
	return schedule.Shift{Date: schedule.DateOf(iv.Start), Start: schedule.TimeOf(iv.Start), End: schedule.TimeOf(iv.End)}
}

// Wall returns now's wall-clock reading in loc as an instant of schedule's
// timeline (where a date's midnight is Date.Midnight, in UTC), to compare
// with shift and window intervals.
func Wall(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// SlotMinutes is a slot's wall-clock length in whole minutes (rounded up).
func SlotMinutes(s schedule.Shift) int {
	return int((s.Interval().Duration() + time.Minute - 1) / time.Minute)
}
