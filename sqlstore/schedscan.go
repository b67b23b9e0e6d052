package sqlstore

import (
	"strconv"
	"strings"
	"time"

	"pasched/schedule"
)

// schedDate scans a DATE (PostgreSQL) or TEXT date (SQLite) into a
// schedule.Date.
type schedDate struct{ d *schedule.Date }

func (s schedDate) Scan(src any) error {
	return scanStored(s.d, src, "date", schedule.DateOf, parseStoredDate)
}

// schedTime scans a TIME (PostgreSQL) or TEXT time (SQLite) into a
// schedule.TimeOfDay.
type schedTime struct{ t *schedule.TimeOfDay }

func (s schedTime) Scan(src any) error {
	return scanStored(s.t, src, "time", schedule.TimeOf, parseStoredTime)
}

// parseStoredDate reads a stored "YYYY-MM-DD" without the cost of the
// DRF-compatible parser, falling back to it for anything unusual.
func parseStoredDate(s string) (schedule.Date, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := atoiDigits(s[0:4])
		m, ok2 := atoiDigits(s[5:7])
		d, ok3 := atoiDigits(s[8:10])
		if ok1 && ok2 && ok3 {
			return schedule.NewDate(y, time.Month(m), d)
		}
	}
	return schedule.ParseDate(s)
}

// parseStoredTime reads a stored "HH:MM:SS[.ffffff]" likewise.
func parseStoredTime(s string) (schedule.TimeOfDay, error) {
	if len(s) >= 8 && s[2] == ':' && s[5] == ':' {
		h, ok1 := atoiDigits(s[0:2])
		m, ok2 := atoiDigits(s[3:5])
		sec, ok3 := atoiDigits(s[6:8])
		us, ok4 := 0, true
		switch {
		case len(s) == 8:
		case len(s) == 15 && s[8] == '.':
			us, ok4 = atoiDigits(s[9:])
		default:
			ok4 = false
		}
		if ok1 && ok2 && ok3 && ok4 {
			return schedule.NewTime(h, m, sec, us)
		}
	}
	return schedule.ParseTime(s)
}

// atoiDigits parses a short run of ASCII digits.
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, len(s) > 0
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

// schedTS scans a timestamp like timestamp does, reading the store's own
// text form ("2006-01-02T15:04:05.000000Z", SQLite) without time.Parse.
type schedTS struct{ t *time.Time }

func (s schedTS) Scan(src any) error {
	if v, ok := src.(string); ok {
		if t, ok := parseStoredTS(v); ok {
			*s.t = t
			return nil
		}
	}
	return timestamp(s).Scan(src)
}

// nullSchedTS is schedTS for a nullable column.
type nullSchedTS struct{ t **time.Time }

func (s nullSchedTS) Scan(src any) error {
	if src == nil {
		*s.t = nil
		return nil
	}
	var t time.Time
	if err := (schedTS{&t}).Scan(src); err != nil {
		return err
	}
	*s.t = &t
	return nil
}

// parseStoredTS reads exactly tsLayout.
func parseStoredTS(v string) (time.Time, bool) {
	if len(v) != len(tsLayout) || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != '.' || v[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		x := 0
		for _, c := range []byte(v[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int(c-'0')
		}
		return x, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	s, ok6 := num(17, 2)
	us, ok7 := num(20, 6)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, us*1000, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 30 February
	}
	return t, true
}
