package intel

import "time"

// LocalTime is a periodic job's schedule: every day, or every Weekday when
// Weekly, at Hour:Minute of the wall clock in Loc (TIME_ZONE). It implements
// River's PeriodicSchedule, so a job fires at the configured local time
// whatever the daylight-saving offset: 06:00 in London is 06:00 UTC in
// winter and 05:00 UTC in summer.
//
// On the night the clocks go forward a time inside the gap does not exist;
// the job then fires once the clocks have jumped (02:30 → 03:00). On the
// night they go back a time that occurs twice fires once, at its first
// occurrence.
type LocalTime struct {
	Hour, Minute int
	Weekly       bool
	Weekday      time.Weekday
	Loc          *time.Location
}

// Daily returns the schedule of every day at hour:minute in loc.
func Daily(hour, minute int, loc *time.Location) LocalTime {
	return LocalTime{Hour: hour, Minute: minute, Loc: loc}
}

// Weekly returns the schedule of every day on weekday at hour:minute in loc.
func Weekly(day time.Weekday, hour, minute int, loc *time.Location) LocalTime {
	return LocalTime{Hour: hour, Minute: minute, Weekly: true, Weekday: day, Loc: loc}
}

// Next returns the first firing strictly after t.
func (s LocalTime) Next(t time.Time) time.Time {
	loc := s.Loc
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	y, m, d := l.Date()
	for i := 0; i <= 8; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc) // noon: always exists
		if s.Weekly && day.Weekday() != s.Weekday {
			continue
		}
		at := time.Date(day.Year(), day.Month(), day.Day(), s.Hour, s.Minute, 0, 0, loc)
		if l := at.In(loc); l.Hour() != s.Hour || l.Minute() != s.Minute {
			// The time falls in the gap of a clock change: run when the
			// clocks have jumped, at the top of the next hour.
			at = time.Date(day.Year(), day.Month(), day.Day(), s.Hour+1, 0, 0, 0, loc)
		}
		if at.After(t) {
			return at
		}
	}
	// Unreachable for valid fields; a far future keeps River from spinning.
	return t.AddDate(1, 0, 0)
}
