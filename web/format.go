package web

import (
	"strconv"
	"strings"

	"pasched"
	"pasched/schedule"
)

// Words for dates, times and statuses as the pages say them (en-GB).

// clock is "08:00".
func clock(t schedule.TimeOfDay) string {
	b := make([]byte, 0, 5)
	b = append(b, byte('0'+t.Hour()/10), byte('0'+t.Hour()%10), ':', byte('0'+t.Minute()/10), byte('0'+t.Minute()%10))
	return string(b)
}

// dayMonth is "Tuesday 2 March".
func dayMonth(d schedule.Date) string {
	return d.Weekday().String() + " " + strconv.Itoa(d.Day()) + " " + d.Month().String()
}

// longDate is "Tuesday 2 March 2026".
func longDate(d schedule.Date) string { return dayMonth(d) + " " + strconv.Itoa(d.Year()) }

// monthName is "March 2026".
func monthName(d schedule.Date) string { return d.Month().String() + " " + strconv.Itoa(d.Year()) }

// span is "08:00–14:00", with "(ends next day)" for an overnight shift.
func span(start, end schedule.TimeOfDay) string {
	s := clock(start) + "–" + clock(end)
	if !end.After(start) {
		s += " (ends next day)"
	}
	return s
}

// statusWord is a shift status as a person says it.
func statusWord(status string) string {
	switch status {
	case pasched.ShiftPending:
		return "pending"
	case pasched.ShiftApproved:
		return "approved"
	case pasched.ShiftRejected:
		return "rejected"
	case pasched.ShiftCancelled:
		return "cancelled"
	}
	return strings.ToLower(status)
}

// hours is "7.5" hours from hundredths ("8" for whole hours).
func hours(hundredths int64) string {
	s := schedule.FormatHours(hundredths)
	s = strings.TrimSuffix(s, ".00")
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s
}

// Coverage is a day's critical-time coverage in words, with a class for
// its colour and icon (never the only sign: the words say it all).
type Coverage struct {
	Class, Text string
}

// coverageWords says which critical windows of a day are covered.
func coverageWords(c *pasched.DayCoverage) Coverage {
	var covered, open []string
	for _, w := range c.Windows {
		name := clock(w.Window.Start) + "–" + clock(w.Window.End)
		if w.Covered {
			covered = append(covered, name)
		} else {
			open = append(open, name)
		}
	}
	switch {
	case len(open) == 0:
		return Coverage{"cov-full", "Critical times covered"}
	case len(covered) == 0:
		return Coverage{"cov-none", "Not covered: " + strings.Join(open, ", ")}
	}
	return Coverage{"cov-partial", "Not covered: " + strings.Join(open, ", ") + " (covered: " + strings.Join(covered, ", ") + ")"}
}
