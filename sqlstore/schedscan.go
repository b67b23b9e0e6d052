package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"pasched/schedule"
)

// schedFullName is Django's get_full_name: "first last", stripped.
func schedFullName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
}

// schedDate scans a DATE (PostgreSQL) or TEXT date (SQLite) into a
// schedule.Date.
type schedDate struct{ d *schedule.Date }

func (s schedDate) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.d = schedule.DateOf(v)
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("scan date: unsupported %T", src)
}

func (s schedDate) parse(v string) error {
	d, err := schedParseDate(v)
	if err != nil {
		return err
	}
	*s.d = d
	return nil
}

// schedParseDate reads "YYYY-MM-DD" (what the store writes) quickly, and
// anything else through schedule.ParseDate.
func schedParseDate(v string) (schedule.Date, error) {
	if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
		y, e1 := strconv.Atoi(v[:4])
		m, e2 := strconv.Atoi(v[5:7])
		d, e3 := strconv.Atoi(v[8:10])
		if e1 == nil && e2 == nil && e3 == nil {
			if date, err := schedule.NewDate(y, time.Month(m), d); err == nil {
				return date, nil
			}
		}
	}
	d, err := schedule.ParseDate(v)
	if err != nil {
		return schedule.Date{}, fmt.Errorf("scan date: %w", err)
	}
	return d, nil
}

// schedTime scans a TIME (PostgreSQL) or TEXT time (SQLite) into a
// schedule.TimeOfDay.
type schedTime struct{ t *schedule.TimeOfDay }

func (s schedTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.t = schedule.TimeOf(v)
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	}
	return fmt.Errorf("scan time: unsupported %T", src)
}

func (s schedTime) parse(v string) error {
	if len(v) == 8 && v[2] == ':' && v[5] == ':' {
		h, e1 := strconv.Atoi(v[:2])
		m, e2 := strconv.Atoi(v[3:5])
		sec, e3 := strconv.Atoi(v[6:8])
		if e1 == nil && e2 == nil && e3 == nil {
			if t, err := schedule.NewTime(h, m, sec, 0); err == nil {
				*s.t = t
				return nil
			}
		}
	}
	t, err := schedule.ParseTime(v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*s.t = t
	return nil
}

// ShiftDates is a range of shift dates, both ends included.
type ShiftDates struct{ From, To schedule.Date }

var (
	schedMinDate = schedule.MustDate(schedule.MinYear, time.January, 1)
	schedMaxDate = schedule.MustDate(schedule.MaxYear, time.December, 31)
)

// schedDateArg is d as a query argument, clamped to years 1..9999 so that a
// neighbouring day of the first or last date still makes valid SQL.
func schedDateArg(d schedule.Date) string {
	switch {
	case d.Before(schedMinDate):
		d = schedMinDate
	case d.After(schedMaxDate):
		d = schedMaxDate
	}
	return d.String()
}

// sqlArgs collects a query's arguments and names their placeholders.
type sqlArgs struct{ vals []any }

func (a *sqlArgs) add(v any) string {
	a.vals = append(a.vals, v)
	return "$" + strconv.Itoa(len(a.vals))
}

// list returns "$i, $j, …" for vs.
func (a *sqlArgs) list(n int, v func(i int) any) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v(i)))
	}
	return b.String()
}
