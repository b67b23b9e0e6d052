package sqlstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"pasched/schedule"
)

// CalendarShift is an approved shift as the calendar views show it: the
// seed's CalendarShiftSerializer fields, its PA's name joined in, and the
// parsed date and times the scheduling rules need.
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

// FindCalendarShifts returns, in one query, every APPROVED shift of every PA
// dated from through to (both included), with its PA's name, ordered by date,
// start time and id. Dates outside years 1..9999 are clamped to that range,
// so a caller may pass a span's neighbouring days without checking them.
func FindCalendarShifts(ctx context.Context, q querier, from, to schedule.Date) ([]CalendarShift, error) {
	lo, hi := clampDate(from), clampDate(to)
	// Dates are passed as 'YYYY-MM-DD' text: SQLite compares its TEXT dates
	// lexically, PostgreSQL reads the text as a DATE (pgx sends strings in
	// the text format).
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.requested_by_id, u.first_name, u.last_name,
		s.date, s.start_time, s.end_time, s.duration_hours, s.notes
		FROM shift_requests s JOIN users u ON u.id = s.requested_by_id
		WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2
		ORDER BY s.date, s.start_time, s.id`, lo.String(), hi.String())
	if err != nil {
		return nil, fmt.Errorf("find calendar shifts: %w", err)
	}
	defer rows.Close()
	out := make([]CalendarShift, 0, 64)
	var (
		first, last, date, start, end string
		dur                           decimalHundredths
	)
	for rows.Next() {
		var c CalendarShift
		if err := rows.Scan(&c.ID, &c.PAID, &first, &last, dateText{&date}, timeText{&start}, timeText{&end},
			&dur, &c.Notes); err != nil {
			return nil, fmt.Errorf("find calendar shifts: scan: %w", err)
		}
		c.PAName = fullName(first, last)
		c.Duration = dur.v
		if c.Date, err = parseStoredDate(date); err != nil {
			return nil, fmt.Errorf("find calendar shifts: shift %d: %w", c.ID, err)
		}
		if c.Start, err = parseStoredTime(start); err != nil {
			return nil, fmt.Errorf("find calendar shifts: shift %d: %w", c.ID, err)
		}
		if c.End, err = parseStoredTime(end); err != nil {
			return nil, fmt.Errorf("find calendar shifts: shift %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find calendar shifts: %w", err)
	}
	return out, nil
}

// UserExists reports whether a user with this id exists (the calendars'
// ?pa_id= check).
func UserExists(ctx context.Context, q querier, id int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("find user %d: %w", id, err)
	}
	return n > 0, nil
}

var (
	minDate = schedule.MustDate(schedule.MinYear, time.January, 1)
	maxDate = schedule.MustDate(schedule.MaxYear, time.December, 31)
)

func clampDate(d schedule.Date) schedule.Date {
	switch {
	case d.Before(minDate):
		return minDate
	case d.After(maxDate):
		return maxDate
	}
	return d
}

// fullName is Django's get_full_name: f"{first} {last}".strip().
func fullName(first, last string) string {
	return strings.TrimSpace(first + " " + last)
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

// decimalHundredths scans a two-place decimal column in hundredths: SQLite's
// NUMERIC affinity hands back an INTEGER (3) or REAL (3.5) for the stored
// "3.00" / "3.50", PostgreSQL's NUMERIC arrives as text.
type decimalHundredths struct{ v int64 }

func (d *decimalHundredths) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		d.v = v * 100
	case float64:
		d.v = int64(math.Round(v * 100))
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("scan decimal: unsupported %T", src)
	}
	return nil
}

// parse reads "3", "3.5", "3.50" or "-1.25" exactly (more places are
// rounded half to even, as a DecimalField quantizes).
func (d *decimalHundredths) parse(s string) error {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return fmt.Errorf("scan decimal %q: %w", s, err)
	}
	for _, c := range []byte(frac) {
		if c < '0' || c > '9' {
			return fmt.Errorf("scan decimal %q: bad digits", s)
		}
	}
	f := int64(0)
	for i := 0; i < 2; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	if len(frac) > 2 {
		rest := strings.TrimRight(frac[2:], "0")
		switch {
		case rest == "":
		case rest[0] > '5' || (rest[0] == '5' && len(rest) > 1) || (rest == "5" && f%2 == 1):
			f++
		}
	}
	d.v = w*100 + f
	if neg {
		d.v = -d.v
	}
	return nil
}
