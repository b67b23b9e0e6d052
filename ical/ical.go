// Package ical writes iCalendar (RFC 5545) calendars for subscription
// feeds: events with a stable UID, a SEQUENCE, a STATUS and a DTSTAMP, their
// times on the wall clock of one time zone described by a VTIMEZONE that is
// generated from Go's time zone database for the years the events span.
//
// It only writes: feeds are read by calendar applications (and, in the
// tests, by a maintained parser). Output is deterministic for the same
// input, so a hash of it is a good ETag.
package ical

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Statuses of an event (RFC 5545 §3.8.1.11).
const (
	StatusConfirmed = "CONFIRMED"
	StatusTentative = "TENTATIVE"
	StatusCancelled = "CANCELLED"
)

// Calendar is one feed.
type Calendar struct {
	// ProdID names the product that wrote it (PRODID).
	ProdID string
	// Name is shown by calendar applications (X-WR-CALNAME, NAME of RFC 7986).
	Name string
	// Location is the time zone of every event's wall-clock times; UTC
	// (or nil) writes times in UTC form without a VTIMEZONE.
	Location *time.Location
	// RefreshInterval, when set, suggests how often to poll
	// (REFRESH-INTERVAL of RFC 7986, X-PUBLISHED-TTL).
	RefreshInterval time.Duration
	Events          []Event
}

// Event is one VEVENT.
type Event struct {
	UID      string
	Sequence int
	Status   string
	// Start and End are wall-clock times in the calendar's Location: only
	// their year, month, day, hour, minute and second are read, whatever
	// their own location. End after Start on the next date is how an
	// overnight shift is one event across midnight.
	Start, End time.Time
	// Stamp is DTSTAMP and LAST-MODIFIED: when the event last changed.
	Stamp       time.Time
	Summary     string
	Description string
}

// Write renders c as RFC 5545 text: CRLF line ends, lines folded at 75
// octets, text values escaped.
func (c *Calendar) Write() []byte {
	w := &writer{}
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.prop("PRODID", text(c.ProdID))
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	if c.Name != "" {
		w.prop("NAME", text(c.Name))
		w.prop("X-WR-CALNAME", text(c.Name))
	}
	loc := c.Location
	utc := loc == nil || isUTC(loc)
	if !utc {
		w.prop("X-WR-TIMEZONE", loc.String())
	}
	if c.RefreshInterval > 0 {
		d := durationValue(c.RefreshInterval)
		w.prop("REFRESH-INTERVAL;VALUE=DURATION", d)
		w.prop("X-PUBLISHED-TTL", d)
	}
	if !utc && len(c.Events) > 0 {
		from, to := c.Events[0].Start.Year(), c.Events[0].End.Year()
		for _, e := range c.Events {
			from, to = min(from, e.Start.Year()), max(to, e.End.Year())
		}
		writeTimezone(w, loc, from, to)
	}
	for _, e := range c.Events {
		w.line("BEGIN:VEVENT")
		w.prop("UID", text(e.UID))
		w.prop("DTSTAMP", utcValue(e.Stamp))
		w.prop("LAST-MODIFIED", utcValue(e.Stamp))
		w.prop("SEQUENCE", fmt.Sprint(e.Sequence))
		if utc {
			w.prop("DTSTART", utcValue(wall(e.Start, time.UTC)))
			w.prop("DTEND", utcValue(wall(e.End, time.UTC)))
		} else {
			w.prop("DTSTART;TZID="+paramValue(loc.String()), localValue(e.Start))
			w.prop("DTEND;TZID="+paramValue(loc.String()), localValue(e.End))
		}
		if e.Status != "" {
			w.prop("STATUS", e.Status)
		}
		w.prop("SUMMARY", text(e.Summary))
		if e.Description != "" {
			w.prop("DESCRIPTION", text(e.Description))
		}
		// Shifts are busy time unless cancelled.
		if e.Status == StatusCancelled {
			w.line("TRANSP:TRANSPARENT")
		} else {
			w.line("TRANSP:OPAQUE")
		}
		w.line("END:VEVENT")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

func isUTC(loc *time.Location) bool {
	return loc == time.UTC || loc.String() == "UTC"
}

// wall reads t's wall clock in loc.
func wall(t time.Time, loc *time.Location) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}

func utcValue(t time.Time) string   { return t.UTC().Format("20060102T150405Z") }
func localValue(t time.Time) string { return t.Format("20060102T150405") }

// durationValue writes d as an RFC 5545 duration (whole minutes).
func durationValue(d time.Duration) string {
	m := int(d / time.Minute)
	switch {
	case m%(24*60) == 0:
		return fmt.Sprintf("P%dD", m/(24*60))
	case m%60 == 0:
		return fmt.Sprintf("PT%dH", m/60)
	}
	return fmt.Sprintf("PT%dM", m)
}

// text escapes a TEXT value (RFC 5545 §3.3.11).
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			if r < 0x20 || r == 0x7f {
				continue // control characters are not allowed in values
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue quotes a parameter value when it holds a character that needs
// it (time zone names hold none, but a Location may be named anything).
func paramValue(s string) string {
	if strings.ContainsAny(s, `;:,`) {
		return `"` + strings.ReplaceAll(s, `"`, "") + `"`
	}
	return s
}

// writer builds content lines.
type writer struct{ buf bytes.Buffer }

func (w *writer) prop(name, value string) { w.line(name + ":" + value) }

// line writes one content line folded at 75 octets (RFC 5545 §3.1), never
// inside a UTF-8 sequence.
func (w *writer) line(s string) {
	const limit = 75
	first := true
	for len(s) > 0 {
		n := limit
		if !first {
			n = limit - 1 // the leading space counts
			w.buf.WriteByte(' ')
		}
		if len(s) <= n {
			w.buf.WriteString(s)
			break
		}
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		w.buf.WriteString(s[:n])
		w.buf.WriteString("\r\n")
		s = s[n:]
		first = false
	}
	w.buf.WriteString("\r\n")
}
