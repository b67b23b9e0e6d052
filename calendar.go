package pasched

import "pasched/schedule"

// CalendarShift is an approved shift as the calendar views show it: the
// seed's CalendarShiftSerializer fields, its PA's name, and the parsed date
// and times the scheduling rules need.
type CalendarShift struct {
	ID     int64
	PAID   int64
	PAName string // Django's get_full_name: "first last", trimmed
	Date   schedule.Date
	Start  schedule.TimeOfDay
	End    schedule.TimeOfDay
	// Duration is the stored duration_hours in hundredths of an hour.
	Duration int64
	Notes    string
}

// Shift returns what the scheduling rules need to know of c.
func (c *CalendarShift) Shift() schedule.Shift {
	return schedule.Shift{ID: c.ID, PAID: c.PAID, Date: c.Date, Start: c.Start, End: c.End}
}
