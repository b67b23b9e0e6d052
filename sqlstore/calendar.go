package sqlstore

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"pasched"
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

// CalendarStamp identifies what FindCalendarShifts returns for a span at a
// given moment, so that a cache of its results can be checked with the much
// cheaper StampCalendar: while the stamp of a span is unchanged, so is the
// result.
//
// On SQLite the stamp is a generation of the whole database that moves on
// every commit by any other connection, seen through PRAGMA data_version
// (which SQLite keeps per connection, so each reader connection's last value
// is remembered). It needs nothing of the writers and misses nothing, at the
// price of also moving on writes that do not touch the span.
//
// On PostgreSQL, where several instances share the database, it is a
// fingerprint of the span's approved shifts and their PAs' names: adding a
// shift to the span's approved set or removing one changes the count or the
// sum of ids, an update of one changes the sum of the rows' xmin (every
// update writes a new row version), a rename changes the names' hash.
type CalendarStamp struct {
	gen                   uint64 // SQLite
	count, idSum, xminSum int64  // PostgreSQL
	names                 uint64 // PostgreSQL: FNV-1a of (id, first_name, last_name) of the PAs, by id
}

// StampCalendar returns, in one query, the current CalendarStamp of the
// span from..to and whether a user with id userID exists (false for 0):
// the calendars' ?pa_id= check.
func StampCalendar(ctx context.Context, db *DB, from, to schedule.Date, userID int64) (CalendarStamp, bool, error) {
	if db.Dialect == SQLite {
		return stampSQLite(ctx, db, userID)
	}
	lo, hi := clampDate(from), clampDate(to)
	// Row 0 is the aggregate, then one row per PA with an approved shift in
	// the span, by id. SUM(bigint) is NUMERIC on PostgreSQL, hence the casts.
	rows, err := db.QueryContext(ctx, `SELECT 0, COUNT(*), CAST(COALESCE(SUM(s.id), 0) AS BIGINT),
			CAST(COALESCE(SUM(CAST(CAST(s.xmin AS TEXT) AS BIGINT)), 0) AS BIGINT),
			(SELECT COUNT(*) FROM users WHERE id = $3), '', ''
		FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2
		UNION ALL
		SELECT 1, u.id, 0, 0, 0, u.first_name, u.last_name FROM users u
		WHERE EXISTS (SELECT 1 FROM shift_requests s WHERE s.requested_by_id = u.id
			AND s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2)
		ORDER BY 1, 2`, lo.String(), hi.String(), userID)
	if err != nil {
		return CalendarStamp{}, false, fmt.Errorf("stamp calendar: %w", err)
	}
	defer rows.Close()
	var (
		st          CalendarStamp
		exists      bool
		h           = fnv.New64a()
		kind, n, s  int64
		xmin, users int64
		first, last string
	)
	for rows.Next() {
		if err := rows.Scan(&kind, &n, &s, &xmin, &users, &first, &last); err != nil {
			return CalendarStamp{}, false, fmt.Errorf("stamp calendar: scan: %w", err)
		}
		if kind == 0 {
			st.count, st.idSum, st.xminSum, exists = n, s, xmin, users > 0
			continue
		}
		hashName(h, n, first, last)
	}
	if err := rows.Err(); err != nil {
		return CalendarStamp{}, false, fmt.Errorf("stamp calendar: %w", err)
	}
	st.names = h.Sum64()
	return st, exists, nil
}

func stampSQLite(ctx context.Context, db *DB, userID int64) (CalendarStamp, bool, error) {
	var users int64
	gen, err := observeChanges(ctx, db, stampUserQuery, []any{userID}, &users)
	if err != nil {
		return CalendarStamp{}, false, fmt.Errorf("stamp calendar: %w", err)
	}
	return CalendarStamp{gen: gen}, users > 0, nil
}

// FindCalendarShifts returns, in one query, every APPROVED shift of every PA
// dated from through to (both included), with its PA's name, ordered by date,
// start time and id, and the stamp to keep the result under: on PostgreSQL
// the fingerprint of exactly what it read, on SQLite before, the stamp that
// StampCalendar returned before this call. Dates outside years 1..9999 are
// clamped to that range, so a caller may pass a span's neighbouring days
// without checking them.
func FindCalendarShifts(ctx context.Context, db *DB, from, to schedule.Date, before CalendarStamp) ([]CalendarShift, CalendarStamp, error) {
	lo, hi := clampDate(from), clampDate(to)
	pg := db.Dialect == Postgres
	xmin := "0"
	if pg {
		xmin = "CAST(CAST(s.xmin AS TEXT) AS BIGINT)"
	}
	// Dates are passed as 'YYYY-MM-DD' text: SQLite compares its TEXT dates
	// lexically, PostgreSQL reads the text as a DATE (pgx sends strings in
	// the text format).
	rows, err := db.QueryContext(ctx, `SELECT s.id, s.requested_by_id, u.first_name, u.last_name,
		s.date, s.start_time, s.end_time, s.duration_hours, s.notes, `+xmin+`
		FROM shift_requests s JOIN users u ON u.id = s.requested_by_id
		WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2
		ORDER BY s.date, s.start_time, s.id`, lo.String(), hi.String())
	if err != nil {
		return nil, CalendarStamp{}, fmt.Errorf("find calendar shifts: %w", err)
	}
	defer rows.Close()
	out := make([]CalendarShift, 0, 64)
	var (
		st          CalendarStamp
		names       = map[int64][2]string{}
		first, last string
		dur         decimalHundredths
		version     int64
	)
	for rows.Next() {
		var c CalendarShift
		if err := rows.Scan(&c.ID, &c.PAID, &first, &last, schedDate{&c.Date}, schedTime{&c.Start}, schedTime{&c.End},
			&dur, &c.Notes, &version); err != nil {
			return nil, CalendarStamp{}, fmt.Errorf("find calendar shifts: scan: %w", err)
		}
		c.PAName = pasched.FullName(first, last)
		c.Duration = dur.v
		st.count++
		st.idSum += c.ID
		st.xminSum += version
		if _, ok := names[c.PAID]; !ok && pg {
			names[c.PAID] = [2]string{first, last}
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, CalendarStamp{}, fmt.Errorf("find calendar shifts: %w", err)
	}
	if !pg {
		return out, before, nil
	}
	ids := make([]int64, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := fnv.New64a()
	for _, id := range ids {
		hashName(h, id, names[id][0], names[id][1])
	}
	st.names = h.Sum64()
	return out, st, nil
}

func hashName(h hash.Hash64, id int64, first, last string) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(id))
	h.Write(b[:])
	h.Write([]byte(first))
	h.Write([]byte{0})
	h.Write([]byte(last))
	h.Write([]byte{0})
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
