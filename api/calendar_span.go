package api

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// calendarAPI serves the calendar views with a cache of the spans of shifts
// they show.
//
// Reading a month's 600-odd shifts costs SQLite over a millisecond, so a
// span once loaded is kept with its sqlstore.CalendarStamp and reused while
// StampCalendar (one cheap query, which also checks ?pa_id=) answers the
// same stamp; otherwise it is reloaded with FindCalendarShifts. A request
// therefore runs one query when the span is unchanged and two when it may
// have changed, whatever its size. The stamp comes from the database, so
// several instances sharing a PostgreSQL stay right.
type calendarAPI struct {
	s     *Server
	cache spanCache
}

// spanCacheSize bounds the spans kept: a few months, weeks and days each.
const spanCacheSize = 64

type spanKey struct{ first, last schedule.Date }

// spanCache is a small FIFO cache of loaded spans.
type spanCache struct {
	mu    sync.Mutex
	m     map[spanKey]*spanData
	order []spanKey
}

func (c *spanCache) get(k spanKey) *spanData {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *spanCache) put(k spanKey, d *spanData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[spanKey]*spanData, spanCacheSize)
	}
	if _, ok := c.m[k]; !ok {
		if len(c.order) >= spanCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = d
}

// spanData is the approved shifts around a run of dates, first..last, with
// what every view needs of each date worked out once. It is never modified
// after newSpanData, so requests share it.
type spanData struct {
	first, last schedule.Date
	stamp       sqlstore.CalendarStamp
	rows        []sqlstore.CalendarShift
	out         []calShift // rows as CalendarShiftSerializer renders them
	// at[i] is the index in rows of the first shift dated first-1+i or later.
	at []int
	// days[i] is date first+i.
	days []spanDay
}

// spanDay is one date of a span.
type spanDay struct {
	date    string // "2030-03-02"
	entries []dayEntry
	// coverage is from every PA's approved shifts (never filtered).
	coverage []schedule.WindowCoverage
	status   string
}

// dayEntry is a shift whose interval reaches into a date: the day before's
// overnight shifts first, then the date's own, in start order.
type dayEntry struct {
	k          int   // index in rows
	hundredths int64 // its hours on the date (schedule.HoursOnDate)
	// firstHour..lastHour are the hours of the date it overlaps (schedule.DayHours).
	firstHour, lastHour int
}

// newSpanData works out the dates first..last from rows, the approved
// shifts dated first-1 through last+1: the day before's overnight shifts
// reach into first, and the day after's can cover a critical window that
// crosses last's midnight.
func newSpanData(first, last schedule.Date, rows []sqlstore.CalendarShift, st sqlstore.CalendarStamp,
	windows []schedule.Window) (*spanData, error) {
	d := &spanData{first: first, last: last, stamp: st, rows: rows, out: make([]calShift, len(rows))}
	shifts := make([]schedule.Shift, len(rows))
	for i := range rows {
		shifts[i] = rows[i].Shift()
		c := &d.out[i]
		*c = calShift{ID: rows[i].ID, PAID: rows[i].PAID, PAName: rows[i].PAName, Date: rows[i].Date.String(),
			StartTime: rows[i].Start.String(), EndTime: rows[i].End.String(),
			DurationHours: schedule.FormatHours(rows[i].Duration), Notes: rows[i].Notes, Status: "APPROVED"}
		raw, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("render shift %d: %w", rows[i].ID, err)
		}
		c.raw = raw
	}
	from := first.AddDays(-1)
	n := from.DaysUntil(last.AddDays(1)) + 1
	d.at = make([]int, n+1)
	j := 0
	for i := 0; i <= n; i++ {
		day := from.AddDays(i)
		for j < len(rows) && rows[j].Date.Before(day) {
			j++
		}
		d.at[i] = j
	}
	d.days = make([]spanDay, first.DaysUntil(last)+1)
	for i := range d.days {
		day := first.AddDays(i)
		sd := &d.days[i]
		sd.date = day.String()
		// Shifts dated day-1 and day are at[i]..at[i+2]; day-1..day+1 to at[i+3].
		for k := d.at[i]; k < d.at[i+2]; k++ {
			hours := schedule.DayHours(day, shifts[k])
			if len(hours) == 0 {
				continue
			}
			sd.entries = append(sd.entries, dayEntry{k: k, hundredths: schedule.HoursOnDate(day, shifts[k]),
				firstHour: hours[0], lastHour: hours[len(hours)-1]})
		}
		sd.coverage = schedule.CoverDate(day, windows, shifts[d.at[i]:d.at[i+3]])
		sd.status = schedule.CoverageStatus(sd.coverage)
	}
	return d, nil
}

// span is a spanData as one request sees it: with ?pa_id= applied.
type span struct {
	*spanData
	pa int64 // only this PA's shifts are listed; 0 for all
}

// loadSpan returns the dates first..last for a request, from the cache when
// their stamp is unchanged. A given ?pa_id= must name a user.
func (c *calendarAPI) loadSpan(ctx context.Context, first, last schedule.Date, pa int64, paGiven bool) (span, error) {
	db := c.s.DB
	from, to := first.AddDays(-1), last.AddDays(1)
	st, exists, err := sqlstore.StampCalendar(ctx, db, from, to, pa)
	if err != nil {
		return span{}, err
	}
	if paGiven && !exists {
		return span{}, newViewError(pasched.EINVALID, fmt.Sprintf("Invalid pa_id: no user with id %d", pa))
	}
	key := spanKey{first, last}
	if d := c.cache.get(key); d != nil && d.stamp == st {
		return span{d, pa}, nil
	}
	rows, st, err := sqlstore.FindCalendarShifts(ctx, db, from, to, st)
	if err != nil {
		return span{}, err
	}
	d, err := newSpanData(first, last, rows, st, c.s.windows())
	if err != nil {
		return span{}, err
	}
	c.cache.put(key, d)
	return span{d, pa}, nil
}

// windows are the critical times coverage is worked out for.
func (s *Server) windows() []schedule.Window {
	if s.Scheduling == nil || s.Scheduling.Windows == nil {
		return schedule.DefaultWindows()
	}
	return s.Scheduling.Windows
}

// day returns date d of the span.
func (sp span) day(d schedule.Date) *spanDay { return &sp.days[sp.first.DaysUntil(d)] }

// listed reports whether row k is shown under the request's ?pa_id=.
func (sp span) listed(k int) bool { return sp.pa == 0 || sp.rows[k].PAID == sp.pa }

// shifts returns d's listed shifts, in order, never nil (it renders as []).
func (sp span) shifts(d *spanDay) []*calShift {
	out := make([]*calShift, 0, len(d.entries))
	for _, e := range d.entries {
		if sp.listed(e.k) {
			out = append(out, &sp.out[e.k])
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
		if sp.listed(e.k) {
			h += e.hundredths
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
		if !sp.listed(e.k) {
			continue
		}
		for h := e.firstHour; h <= e.lastHour; h++ {
			hs[h] = append(hs[h], &sp.out[e.k])
		}
	}
	return hs
}

// dated counts the listed shifts dated first..last (the seed's
// total_shifts).
func (sp span) dated(first, last schedule.Date) int {
	base := sp.first.AddDays(-1)
	n := 0
	for k := sp.at[base.DaysUntil(first)]; k < sp.at[base.DaysUntil(last)+1]; k++ {
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
	for k := range sp.rows {
		if sp.rows[k].ID == id {
			return &sp.out[k]
		}
	}
	return nil
}
