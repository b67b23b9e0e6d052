package ical

import (
	"fmt"
	"time"
)

// Transition is a change of a time zone's UTC offset.
type Transition struct {
	At         time.Time // the instant of the change (UTC)
	FromOffset int       // seconds east of UTC before it
	ToOffset   int       // seconds east of UTC from it on
	Name       string    // the zone's abbreviation from it on ("BST")
	DST        bool      // daylight saving time from it on
}

// step is how far apart Transitions samples the zone: offsets never change
// twice within it in Go's time zone data for the years a rota spans.
const step = 6 * time.Hour

// Transitions returns loc's offset changes in [from, to), found from Go's
// time zone database by sampling and bisecting to the second.
func Transitions(loc *time.Location, from, to time.Time) []Transition {
	var out []Transition
	prevT := from
	_, prev := from.In(loc).Zone()
	for t := from.Add(step); ; t = t.Add(step) {
		if t.After(to) {
			t = to
		}
		if _, off := t.In(loc).Zone(); off != prev {
			lo, hi := prevT, t // offset at lo is prev, at hi is not
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if !mid.After(lo) {
					mid = lo.Add(time.Second)
				}
				if _, o := mid.In(loc).Zone(); o == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			at := hi.In(loc)
			name, off := at.Zone()
			out = append(out, Transition{At: hi.UTC(), FromOffset: prev, ToOffset: off, Name: name, DST: at.IsDST()})
			prev = off
		}
		prevT = t
		if !t.Before(to) {
			return out
		}
	}
}

// writeTimezone writes the VTIMEZONE of loc for the years from..to
// (inclusive): the offset in force on 1 January of from, then one
// STANDARD or DAYLIGHT component per transition up to the end of to.
func writeTimezone(w *writer, loc *time.Location, from, to int) {
	start := time.Date(from, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-14 * time.Hour)
	end := time.Date(to+1, time.January, 1, 0, 0, 0, 0, time.UTC).Add(14 * time.Hour)
	w.line("BEGIN:VTIMEZONE")
	w.prop("TZID", text(loc.String()))
	first := start.In(loc)
	name, off := first.Zone()
	// The offset in force when the range begins.
	writeObservance(w, first.IsDST(), first, off, off, name)
	for _, tr := range Transitions(loc, start, end) {
		// DTSTART is the local time of the onset in the offset before it.
		onset := tr.At.Add(time.Duration(tr.FromOffset) * time.Second).UTC()
		writeObservance(w, tr.DST, onset, tr.FromOffset, tr.ToOffset, tr.Name)
	}
	w.line("END:VTIMEZONE")
}

func writeObservance(w *writer, dst bool, onset time.Time, from, to int, name string) {
	kind := "STANDARD"
	if dst {
		kind = "DAYLIGHT"
	}
	w.line("BEGIN:" + kind)
	w.prop("DTSTART", localValue(onset))
	w.prop("TZOFFSETFROM", offsetValue(from))
	w.prop("TZOFFSETTO", offsetValue(to))
	if name != "" {
		w.prop("TZNAME", text(name))
	}
	w.line("END:" + kind)
}

// offsetValue writes seconds east of UTC as RFC 5545's UTC-OFFSET
// ("+0100", "-0330", "+053328" with seconds when there are any).
func offsetValue(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
