package sqlstore

import (
	"context"
	"fmt"
	"time"

	"pasched"
	"pasched/schedule"
)

// FeedShift is a shift as a calendar feed shows it.
type FeedShift struct {
	ID            int64
	RequestedByID int64
	PAName        string
	PeriodName    string
	Date          schedule.Date
	Start, End    schedule.TimeOfDay
	Status        string
	Notes         string
	// Revision rises on every change of the row (the SEQUENCE).
	Revision  int
	UpdatedAt time.Time
	// Deleted marks a tombstone: the shift was deleted at UpdatedAt.
	Deleted bool
}

// FeedQuery selects a feed's shifts.
type FeedQuery struct {
	// PA, when set, keeps that PA's shifts; 0: everyone's (an admin's feed).
	PA int64
	// From is the first date shown.
	From schedule.Date
	// Pending adds pending requests (shown tentative).
	Pending bool
	// Since: rejected, cancelled and deleted shifts changed since then are
	// shown cancelled, so subscribed calendars drop them.
	Since time.Time
}

// FindFeedShifts returns the shifts of a feed (approved, optionally
// pending, and recently withdrawn ones) and its tombstones, by date, in two
// queries.
func FindFeedShifts(ctx context.Context, q querier, f FeedQuery) ([]FeedShift, error) {
	var a sqlArgs
	where := "s.date >= " + a.add(schedDateArg(f.From))
	if f.PA != 0 {
		where += " AND s.requested_by_id = " + a.add(f.PA)
	}
	statuses := "s.status = " + a.add(pasched.ShiftApproved)
	if f.Pending {
		statuses += " OR s.status = " + a.add(pasched.ShiftPending)
	}
	if f.PA != 0 {
		// Only a PA's own feed can have shown a request that was then
		// rejected or cancelled; an admin's shows approved shifts only, and
		// an approved shift leaves that status only by deletion.
		statuses += " OR (s.status IN (" + a.add(pasched.ShiftRejected) + ", " + a.add(pasched.ShiftCancelled) +
			") AND s.updated_at >= " + a.add(formatTS(f.Since)) + ")"
	}
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.requested_by_id, u.first_name, u.last_name, p.name, s.date,
		s.start_time, s.end_time, s.status, s.notes, s.revision, s.updated_at
		FROM shift_requests s
		JOIN users u ON u.id = s.requested_by_id
		JOIN schedule_periods p ON p.id = s.schedule_period_id
		WHERE `+where+` AND (`+statuses+`)
		ORDER BY s.date, s.start_time, s.id`, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("find feed shifts: %w", err)
	}
	var out []FeedShift
	for rows.Next() {
		var (
			s           FeedShift
			first, last string
		)
		if err := rows.Scan(&s.ID, &s.RequestedByID, &first, &last, &s.PeriodName, schedDate{&s.Date},
			schedTime{&s.Start}, schedTime{&s.End}, &s.Status, &s.Notes, &s.Revision, schedTS{&s.UpdatedAt}); err != nil {
			rows.Close()
			return nil, fmt.Errorf("find feed shifts: %w", err)
		}
		s.PAName = pasched.FullName(first, last)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find feed shifts: %w", err)
	}

	var b sqlArgs
	where = "t.deleted_at >= " + b.add(formatTS(f.Since)) + " AND t.date >= " + b.add(schedDateArg(f.From))
	if f.PA != 0 {
		where += " AND t.requested_by_id = " + b.add(f.PA)
	} else {
		where += " AND t.status = " + b.add(pasched.ShiftApproved)
	}
	rows, err = q.QueryContext(ctx, `SELECT t.shift_id, t.requested_by_id, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''),
		t.date, t.start_time, t.end_time, t.status, t.revision, t.deleted_at
		FROM shift_tombstones t LEFT JOIN users u ON u.id = t.requested_by_id
		WHERE `+where+` ORDER BY t.date, t.start_time, t.shift_id`, b.vals...)
	if err != nil {
		return nil, fmt.Errorf("find feed tombstones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			s           = FeedShift{Deleted: true}
			first, last string
		)
		if err := rows.Scan(&s.ID, &s.RequestedByID, &first, &last, schedDate{&s.Date}, schedTime{&s.Start}, schedTime{&s.End},
			&s.Status, &s.Revision, timestamp{&s.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("find feed tombstones: %w", err)
		}
		s.PAName = pasched.FullName(first, last)
		out = append(out, s)
	}
	return out, rows.Err()
}

// PeriodSpan is the dates of a schedule period.
type PeriodSpan struct {
	From, To  schedule.Date
	UpdatedAt time.Time
}

// FindPeriodSpans returns the periods that reach into [from, to].
func FindPeriodSpans(ctx context.Context, q querier, from, to schedule.Date) ([]PeriodSpan, error) {
	rows, err := q.QueryContext(ctx, `SELECT start_date, end_date, updated_at FROM schedule_periods
		WHERE end_date >= $1 AND start_date <= $2 ORDER BY start_date`, schedDateArg(from), schedDateArg(to))
	if err != nil {
		return nil, fmt.Errorf("find periods: %w", err)
	}
	defer rows.Close()
	var out []PeriodSpan
	for rows.Next() {
		var p PeriodSpan
		if err := rows.Scan(schedDate{&p.From}, schedDate{&p.To}, schedTS{&p.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("find periods: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ApprovedBetween returns the approved shifts dated from..to, with the
// latest change among them and the shifts deleted since (as a time: zero
// when none), for the uncovered-windows feed.
func ApprovedBetween(ctx context.Context, q querier, from, to schedule.Date) ([]schedule.Shift, time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, requested_by_id, date, start_time, end_time, updated_at FROM shift_requests
		WHERE status = $1 AND date >= $2 AND date <= $3`, pasched.ShiftApproved, schedDateArg(from), schedDateArg(to))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("find approved shifts: %w", err)
	}
	defer rows.Close()
	var (
		out    []schedule.Shift
		latest time.Time
	)
	for rows.Next() {
		var (
			s schedule.Shift
			u time.Time
		)
		if err := rows.Scan(&s.ID, &s.PAID, schedDate{&s.Date}, schedTime{&s.Start}, schedTime{&s.End}, schedTS{&u}); err != nil {
			return nil, time.Time{}, fmt.Errorf("find approved shifts: %w", err)
		}
		out = append(out, s)
		if u.After(latest) {
			latest = u
		}
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, fmt.Errorf("find approved shifts: %w", err)
	}
	// A deletion changes coverage without leaving a row behind.
	var del *time.Time
	if err := q.QueryRowContext(ctx, `SELECT MAX(deleted_at) FROM shift_tombstones WHERE date >= $1 AND date <= $2`,
		schedDateArg(from), schedDateArg(to)).Scan(nullTimestamp{&del}); err != nil {
		return nil, time.Time{}, fmt.Errorf("find deletions: %w", err)
	}
	if del != nil && del.After(latest) {
		latest = *del
	}
	return out, latest, nil
}
