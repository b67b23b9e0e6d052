package sqlstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"pasched"
	"pasched/schedule"
)

// FindCalendarShifts returns, in one query, every APPROVED shift of every PA
// dated from through to (both included), with its PA's name, ordered by date,
// start time and id. Dates outside years 1..9999 are clamped to that range,
// so a caller may pass a span's neighbouring days without checking them.
func FindCalendarShifts(ctx context.Context, db *DB, from, to schedule.Date) ([]pasched.CalendarShift, error) {
	lo, hi := clampDate(from), clampDate(to)
	// Dates are passed as 'YYYY-MM-DD' text: SQLite compares its TEXT dates
	// lexically, PostgreSQL reads the text as a DATE (pgx sends strings in
	// the text format).
	rows, err := db.QueryContext(ctx, `SELECT s.id, s.requested_by_id, u.first_name, u.last_name,
		s.date, s.start_time, s.end_time, s.duration_hours, s.notes
		FROM shift_requests s JOIN users u ON u.id = s.requested_by_id
		WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2
		ORDER BY s.date, s.start_time, s.id`, lo.String(), hi.String())
	if err != nil {
		return nil, fmt.Errorf("find calendar shifts: %w", err)
	}
	defer rows.Close()
	out := make([]pasched.CalendarShift, 0, 64)
	var (
		first, last string
		dur         decimalHundredths
	)
	for rows.Next() {
		var c pasched.CalendarShift
		if err := rows.Scan(&c.ID, &c.PAID, &first, &last, schedDate{&c.Date}, schedTime{&c.Start}, schedTime{&c.End},
			&dur, &c.Notes); err != nil {
			return nil, fmt.Errorf("find calendar shifts: scan: %w", err)
		}
		c.PAName = pasched.FullName(first, last)
		c.Duration = dur.v
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find calendar shifts: %w", err)
	}
	return out, nil
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
