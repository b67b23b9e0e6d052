package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
)

// calendarAPI serves the calendar views from the scheduling read side
// (scheduling.Service.CalendarSpan: one cheap version query when the span
// is unchanged, two when it changed, whatever its size), rendering each
// span's shifts once (spanRendering, kept in the span's memo).
type calendarAPI struct {
	s *Server
}

// spanRendering is what the calendar views render of a span once, and
// share between the requests it serves.
type spanRendering struct {
	out  []calShift // Span.Shifts as CalendarShiftSerializer renders them
	days []spanDay  // Span.Days with their dates as strings
}

// spanRenderingKey is spanRendering's key in a span's memo.
type spanRenderingKey struct{}

func renderSpan(sp *scheduling.Span) *spanRendering {
	r := &spanRendering{out: make([]calShift, len(sp.Shifts)), days: make([]spanDay, len(sp.Days))}
	for i := range sp.Shifts {
		s := &sp.Shifts[i]
		c := &r.out[i]
		*c = calShift{ID: s.ID, PAID: s.PAID, PAName: s.PAName, Date: s.Date.String(),
			StartTime: s.Start.String(), EndTime: s.End.String(),
			DurationHours: schedule.FormatHours(s.Duration), Notes: s.Notes, Status: pasched.ShiftApproved}
		// Marshal cannot fail on strings and integers.
		c.raw, _ = json.Marshal(c)
	}
	for i := range sp.Days {
		d := &sp.Days[i]
		r.days[i] = spanDay{date: d.Date.String(), entries: d.Entries, coverage: d.Coverage, status: d.Status}
	}
	return r
}

// spanDay is one date of a span, as the views read it.
type spanDay struct {
	date     string // "2030-03-02"
	entries  []scheduling.DayEntry
	coverage []schedule.WindowCoverage
	status   string
}

// span is a read model as one request sees it: with ?pa_id= applied.
type span struct {
	*scheduling.Span
	*spanRendering
	pa int64 // only this PA's shifts are listed; 0 for all
}

// loadSpan returns the dates first..last for a request. A given ?pa_id=
// must name a user.
func (c *calendarAPI) loadSpan(ctx context.Context, first, last schedule.Date, pa int64, paGiven bool) (span, error) {
	noUser := newViewError(pasched.EINVALID, fmt.Sprintf("Invalid pa_id: no user with id %d", pa))
	if paGiven && pa <= 0 {
		return span{}, noUser // ids start at 1
	}
	sp, err := c.s.Scheduling.CalendarSpan(ctx, first, last, pa)
	if errors.Is(err, scheduling.ErrNoSuchUser) {
		return span{}, noUser
	}
	if err != nil {
		return span{}, err
	}
	r := sp.Memo(spanRenderingKey{}, func() any { return renderSpan(sp) }).(*spanRendering)
	return span{sp, r, pa}, nil
}

// windows are the critical times coverage is worked out for.
func (s *Server) windows() []schedule.Window {
	if s.Scheduling == nil || s.Scheduling.Windows == nil {
		return schedule.DefaultWindows()
	}
	return s.Scheduling.Windows
}

// day returns date d of the span.
func (sp span) day(d schedule.Date) *spanDay { return &sp.days[sp.First.DaysUntil(d)] }

// listed reports whether shift k is shown under the request's ?pa_id=.
func (sp span) listed(k int) bool { return sp.pa == 0 || sp.Shifts[k].PAID == sp.pa }

// shifts returns d's listed shifts, in order, never nil (it renders as []).
func (sp span) shifts(d *spanDay) []*calShift {
	out := make([]*calShift, 0, len(d.entries))
	for _, e := range d.entries {
		if sp.listed(e.Shift) {
			out = append(out, &sp.out[e.Shift])
		}
	}
	return out
}

// hours is d's total_hours as the seed's JSON has it: the integer 0 when no
// shift is listed, else the float of the sum of the listed shifts' hours on
// d.
func (sp span) hours(d *spanDay) json.Number {
	var h int64
	any := false
	for _, e := range d.entries {
		if sp.listed(e.Shift) {
			h += e.Hundredths
			any = true
		}
	}
	if !any {
		return "0"
	}
	return pyFloat(float64(h) / 100)
}

// byHour returns the listed shifts of d overlapping each of its hours.
func (sp span) byHour(d *spanDay) [24][]*calShift {
	var hs [24][]*calShift
	for _, e := range d.entries {
		if !sp.listed(e.Shift) {
			continue
		}
		for h := e.FirstHour; h <= e.LastHour; h++ {
			hs[h] = append(hs[h], &sp.out[e.Shift])
		}
	}
	return hs
}

// dated counts the listed shifts dated first..last (the seed's
// total_shifts).
func (sp span) dated(first, last schedule.Date) int {
	lo, hi := sp.Dated(first, last)
	n := 0
	for k := lo; k < hi; k++ {
		if sp.listed(k) {
			n++
		}
	}
	return n
}

// byID returns the rendered shift with this id, or nil.
func (sp span) byID(id int64) *calShift {
	if id == 0 {
		return nil
	}
	for k := range sp.Shifts {
		if sp.Shifts[k].ID == id {
			return &sp.out[k]
		}
	}
	return nil
}
