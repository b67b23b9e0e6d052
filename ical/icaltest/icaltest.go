// Package icaltest reads calendars in tests with a maintained iCalendar
// parser (github.com/arran4/golang-ical), independent of the writer under
// test, and resolves event times through the calendar's own VTIMEZONE (not
// through Go's time zone database, which the writer used).
package icaltest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Event is what tests assert about one VEVENT.
type Event struct {
	UID, Status, Summary, Description string
	Sequence                          int
	// Start and End are resolved to instants through the VTIMEZONE.
	Start, End time.Time
	// StartLocal and EndLocal are the values as written ("20260329T090000").
	StartLocal, EndLocal string
	TZID                 string
	Stamp                time.Time
}

// Parse parses body with the library and returns its events by UID.
func Parse(t testing.TB, body []byte) (*ics.Calendar, map[string]Event) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse calendar: %v\n%s", err, body)
	}
	out := map[string]Event{}
	for _, ev := range cal.Events() {
		e := Event{UID: ev.Id()}
		if p := ev.GetProperty(ics.ComponentPropertyStatus); p != nil {
			e.Status = p.Value
		}
		if p := ev.GetProperty(ics.ComponentPropertySummary); p != nil {
			e.Summary = p.Value
		}
		if p := ev.GetProperty(ics.ComponentPropertyDescription); p != nil {
			e.Description = p.Value
		}
		if p := ev.GetProperty(ics.ComponentPropertySequence); p != nil {
			if e.Sequence, err = strconv.Atoi(p.Value); err != nil {
				t.Fatalf("event %s: SEQUENCE %q", e.UID, p.Value)
			}
		}
		if e.Stamp, err = ev.GetDtStampTime(); err != nil {
			t.Fatalf("event %s: DTSTAMP: %v", e.UID, err)
		}
		for _, x := range []struct {
			prop  ics.ComponentProperty
			local *string
			at    *time.Time
		}{{ics.ComponentPropertyDtStart, &e.StartLocal, &e.Start}, {ics.ComponentPropertyDtEnd, &e.EndLocal, &e.End}} {
			p := ev.GetProperty(x.prop)
			if p == nil {
				t.Fatalf("event %s has no %s", e.UID, x.prop)
			}
			*x.local = p.Value
			if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
				e.TZID = tz[0]
				if *x.at, err = Resolve(cal, tz[0], p.Value); err != nil {
					t.Fatalf("event %s: %v", e.UID, err)
				}
			} else if *x.at, err = time.Parse("20060102T150405Z", p.Value); err != nil {
				t.Fatalf("event %s: %s %q: %v", e.UID, x.prop, p.Value, err)
			}
		}
		if _, dup := out[e.UID]; dup {
			t.Fatalf("UID %s appears twice", e.UID)
		}
		out[e.UID] = e
	}
	return cal, out
}

// observance is one STANDARD or DAYLIGHT block: from onset on, the offset
// is to.
type observance struct {
	onset time.Time // UTC
	to    int       // seconds east of UTC
}

// Resolve turns a local date-time of the time zone tzid into an instant
// with the calendar's VTIMEZONE of that id.
func Resolve(cal *ics.Calendar, tzid, local string) (time.Time, error) {
	var obs []observance
	for _, c := range cal.Components {
		tz, ok := c.(*ics.VTimezone)
		if !ok {
			continue
		}
		if p := tz.GetProperty(ics.ComponentPropertyTzid); p == nil || p.Value != tzid {
			continue
		}
		for _, sub := range tz.SubComponents() {
			var cb *ics.ComponentBase
			switch v := sub.(type) {
			case *ics.Standard:
				cb = &v.ComponentBase
			case *ics.Daylight:
				cb = &v.ComponentBase
			default:
				continue
			}
			start := cb.GetProperty(ics.ComponentPropertyDtStart)
			from := cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom))
			to := cb.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto))
			if start == nil || from == nil || to == nil {
				return time.Time{}, fmt.Errorf("VTIMEZONE %s: observance without DTSTART, TZOFFSETFROM or TZOFFSETTO", tzid)
			}
			wall, err := time.Parse("20060102T150405", start.Value)
			if err != nil {
				return time.Time{}, fmt.Errorf("VTIMEZONE %s: DTSTART %q", tzid, start.Value)
			}
			f, err1 := parseOffset(from.Value)
			o, err2 := parseOffset(to.Value)
			if err1 != nil || err2 != nil {
				return time.Time{}, fmt.Errorf("VTIMEZONE %s: offsets %q %q", tzid, from.Value, to.Value)
			}
			// The onset is local time in the offset before it (RFC 5545).
			obs = append(obs, observance{onset: wall.Add(-time.Duration(f) * time.Second), to: o})
		}
	}
	if len(obs) == 0 {
		return time.Time{}, fmt.Errorf("no VTIMEZONE %q", tzid)
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].onset.Before(obs[j].onset) })
	wall, err := time.Parse("20060102T150405", local)
	if err != nil {
		return time.Time{}, fmt.Errorf("local time %q: %w", local, err)
	}
	// The observance in force is the last one whose onset is not after the
	// instant the local time names under that observance's offset.
	var at time.Time
	found := false
	for _, o := range obs {
		cand := wall.Add(-time.Duration(o.to) * time.Second)
		if !o.onset.After(cand) {
			at, found = cand, true
		}
	}
	if !found {
		return time.Time{}, fmt.Errorf("%s %s is before the VTIMEZONE's first observance", tzid, local)
	}
	return at, nil
}

func parseOffset(s string) (int, error) {
	if len(s) != 5 && len(s) != 7 {
		return 0, fmt.Errorf("bad offset %q", s)
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, fmt.Errorf("bad offset %q", s)
	}
	h, err1 := strconv.Atoi(s[1:3])
	m, err2 := strconv.Atoi(s[3:5])
	sec := 0
	var err3 error
	if len(s) == 7 {
		sec, err3 = strconv.Atoi(s[5:7])
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, fmt.Errorf("bad offset %q", s)
	}
	return sign * (h*3600 + m*60 + sec), nil
}
