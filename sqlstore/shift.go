package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"pasched"
	"pasched/schedule"
)

// shiftSelect reads a shift with its period's name and its requester's and
// approver's names in one query (no N+1).
const shiftSelect = shiftColumns + shiftFrom

const (
	shiftColumns = `SELECT s.id, s.schedule_period_id, p.name, s.requested_by_id, ru.first_name, ru.last_name, ru.email,
	s.date, s.start_time, s.end_time, CAST(ROUND(s.duration_hours * 100) AS INTEGER), s.status,
	s.notes, s.admin_notes, s.rejected_reason, s.created_at, s.updated_at, s.approved_at,
	s.approved_by_id, au.first_name, au.last_name`
	shiftFrom = `
	FROM shift_requests s
	JOIN schedule_periods p ON p.id = s.schedule_period_id
	JOIN users ru ON ru.id = s.requested_by_id
	LEFT JOIN users au ON au.id = s.approved_by_id`
)

func scanShift(r rowScanner, extra ...any) (*pasched.Shift, error) {
	var (
		s             pasched.Shift
		rFirst, rLast string
		approvedBy    sql.NullInt64
		aFirst, aLast sql.NullString
	)
	dest := append(make([]any, 0, 21+len(extra)), &s.ID, &s.PeriodID, &s.PeriodName, &s.RequestedByID, &rFirst, &rLast,
		&s.RequestedByMail, schedDate{&s.Date}, schedTime{&s.Start}, schedTime{&s.End}, &s.DurationHundredths, &s.Status,
		&s.Notes, &s.AdminNotes, &s.RejectedReason, schedTS{&s.CreatedAt}, schedTS{&s.UpdatedAt}, nullSchedTS{&s.ApprovedAt},
		&approvedBy, &aFirst, &aLast)
	err := r.Scan(append(dest, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "No ShiftRequest matches the given query.")
	}
	if err != nil {
		return nil, fmt.Errorf("scan shift: %w", err)
	}
	s.RequestedByName = pasched.FullName(rFirst, rLast)
	if approvedBy.Valid {
		id := approvedBy.Int64
		s.ApprovedByID = &id
		s.ApprovedByName = pasched.FullName(aFirst.String, aLast.String)
	}
	return &s, nil
}

// FindShiftByID returns a shift, or ENOTFOUND with the seed's 404 text.
func FindShiftByID(ctx context.Context, q querier, id int64) (*pasched.Shift, error) {
	var sh *pasched.Shift
	return sh, ShiftByIDQuery(id, &sh).Run(ctx, q)
}

// ShiftByIDQuery is FindShiftByID as a Query: it reads shift id into *out.
func ShiftByIDQuery(id int64, out **pasched.Shift) Query {
	return Query{SQL: shiftSelect + ` WHERE s.id = $1`, Args: []any{id}, Scan: func(rows Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return fmt.Errorf("scan shift: %w", err)
			}
			return pasched.Errorf(pasched.ENOTFOUND, "No ShiftRequest matches the given query.")
		}
		sh, err := scanShift(rows)
		*out = sh
		return err
	}}
}

// ShiftFilter selects shift requests, as the seed's ShiftRequestViewSet
// queryset and its query parameters do. Zero fields select everything.
type ShiftFilter struct {
	RequestedBy int64  // only this user's requests (a PA's own); 0: everyone's
	Status      string // only this status
	PeriodID    int64  // only this period's
	From, To    *schedule.Date
	// VisibleTo, when set, keeps what that PA may see: their own shifts,
	// and other PAs' approved ones.
	VisibleTo int64
	// Order: "" is the seed's -created_at (newest first); "date" is date,
	// start time (my_schedule, a period's detail).
	Order         string
	Offset, Limit int // Limit 0: no limit
}

func (f ShiftFilter) where(a *sqlArgs) string {
	var conds []string
	if f.RequestedBy != 0 {
		conds = append(conds, "s.requested_by_id = "+a.add(f.RequestedBy))
	}
	if f.Status != "" {
		conds = append(conds, "s.status = "+a.add(f.Status))
	}
	if f.PeriodID != 0 {
		conds = append(conds, "s.schedule_period_id = "+a.add(f.PeriodID))
	}
	if f.VisibleTo != 0 {
		conds = append(conds, "(s.requested_by_id = "+a.add(f.VisibleTo)+" OR s.status = "+a.add(pasched.ShiftApproved)+")")
	}
	if f.From != nil {
		conds = append(conds, "s.date >= "+a.add(schedDateArg(*f.From)))
	}
	if f.To != nil {
		conds = append(conds, "s.date <= "+a.add(schedDateArg(*f.To)))
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// CountShifts counts the shifts f selects (ignoring its paging).
func CountShifts(ctx context.Context, q querier, f ShiftFilter) (int, error) {
	var a sqlArgs
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_requests s`+f.where(&a), a.vals...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count shifts: %w", err)
	}
	return n, nil
}

// FindShifts returns the shifts f selects, names joined in, in one query.
func FindShifts(ctx context.Context, q querier, f ShiftFilter) ([]*pasched.Shift, error) {
	var a sqlArgs
	query := shiftSelect + f.where(&a)
	if f.Order == "date" {
		query += ` ORDER BY s.date, s.start_time, s.id`
	} else {
		query += ` ORDER BY s.created_at DESC, s.id DESC`
	}
	if f.Limit > 0 {
		query += ` LIMIT ` + a.add(f.Limit) + ` OFFSET ` + a.add(f.Offset)
	}
	rows, err := q.QueryContext(ctx, query, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("find shifts: %w", err)
	}
	defer rows.Close()
	out := make([]*pasched.Shift, 0, max(f.Limit, 8))
	for rows.Next() {
		s, err := scanShift(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find shifts: %w", err)
	}
	return out, nil
}

// ShiftPage is one page of a paginated list of shifts.
type ShiftPage struct {
	Shifts []*pasched.Shift
	// Count is how many shifts the filter selects in all.
	Count int
	// Offset is where the page starts (for a last page, as computed).
	Offset int
	// Beyond is set when a page past the first has no shift: it is past
	// the end and Count is unknown.
	Beyond bool
}

// FindShiftPage returns, in one query, the page of f (its Order, Limit >
// 0 and Offset) with the count of the whole filter; with last set, the last
// page of that size instead (offset worked out from the count in the same
// query, the first page when there is no shift).
func FindShiftPage(ctx context.Context, q querier, f ShiftFilter, last bool) (ShiftPage, error) {
	if f.Limit <= 0 {
		return ShiftPage{}, errors.New("find shift page: no page size")
	}
	var a sqlArgs
	where := f.where(&a)
	// One WHERE for the page and the count (its placeholders used twice).
	// The count is an uncorrelated subquery: both engines run it once.
	count := `(SELECT COUNT(*) FROM shift_requests s` + where + `)`
	query := shiftColumns + `, ` + count + shiftFrom + where
	if f.Order == "date" {
		query += ` ORDER BY s.date, s.start_time, s.id`
	} else {
		query += ` ORDER BY s.created_at DESC, s.id DESC`
	}
	size := a.add(f.Limit)
	if last {
		query += ` LIMIT ` + size + ` OFFSET (SELECT CASE WHEN COUNT(*) = 0 THEN 0 ELSE (COUNT(*) - 1) / ` + size + ` * ` + size +
			` END FROM shift_requests s` + where + `)`
	} else {
		query += ` LIMIT ` + size + ` OFFSET ` + a.add(f.Offset)
	}
	rows, err := q.QueryContext(ctx, query, a.vals...)
	if err != nil {
		return ShiftPage{}, fmt.Errorf("find shift page: %w", err)
	}
	defer rows.Close()
	p := ShiftPage{Shifts: make([]*pasched.Shift, 0, f.Limit), Offset: f.Offset}
	for rows.Next() {
		var total int64
		s, err := scanShift(rows, &total)
		if err != nil {
			return ShiftPage{}, err
		}
		p.Count = int(total)
		p.Shifts = append(p.Shifts, s)
	}
	if err := rows.Err(); err != nil {
		return ShiftPage{}, fmt.Errorf("find shift page: %w", err)
	}
	switch {
	case len(p.Shifts) == 0 && (last || f.Offset == 0):
		p.Offset = 0 // nothing at all
	case len(p.Shifts) == 0:
		p.Beyond = true
	case last:
		p.Offset = (p.Count - 1) / f.Limit * f.Limit
	}
	return p, nil
}

// CreateShift inserts s (its ID, created_at and updated_at are set from
// the transaction) and returns its id.
func CreateShift(ctx context.Context, tx *Tx, s *pasched.Shift) error {
	s.CreatedAt, s.UpdatedAt = tx.Now, tx.Now
	err := tx.QueryRowContext(ctx, `INSERT INTO shift_requests (date, start_time, end_time, duration_hours, status,
		notes, admin_notes, rejected_reason, created_at, updated_at, approved_at, approved_by_id, requested_by_id, schedule_period_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13) RETURNING id`,
		s.Date.String(), s.Start.String(), s.End.String(), schedule.FormatHours(s.DurationHundredths), s.Status,
		s.Notes, s.AdminNotes, s.RejectedReason, formatTS(tx.Now), formatTSPtr(s.ApprovedAt), nullID(s.ApprovedByID),
		s.RequestedByID, s.PeriodID).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("create shift: %w", err)
	}
	return nil
}

// UpdateShift writes every mutable column of s and stamps its updated_at.
// It raises the shift's revision itself: the trigger that otherwise does
// (migration 0050) then has nothing to do, where on SQLite it would update
// the row a second time (and move the schedule version twice); on
// PostgreSQL the trigger sets the same value.
func UpdateShift(ctx context.Context, tx *Tx, s *pasched.Shift) error {
	s.UpdatedAt = tx.Now
	// ExecLater: on PostgreSQL the update travels with the transaction's
	// next statement (an approval's coverage reads), one round trip fewer.
	err := tx.ExecLater(ctx, `UPDATE shift_requests SET schedule_period_id = $1, date = $2, start_time = $3,
		end_time = $4, duration_hours = $5, status = $6, notes = $7, admin_notes = $8, rejected_reason = $9,
		updated_at = $10, approved_at = $11, approved_by_id = $12, revision = revision + 1 WHERE id = $13`,
		s.PeriodID, s.Date.String(), s.Start.String(), s.End.String(), schedule.FormatHours(s.DurationHundredths),
		s.Status, s.Notes, s.AdminNotes, s.RejectedReason, formatTS(tx.Now), formatTSPtr(s.ApprovedAt),
		nullID(s.ApprovedByID), s.ID)
	if err != nil {
		return fmt.Errorf("update shift %d: %w", s.ID, err)
	}
	return nil
}

// DeleteShift removes a shift.
func DeleteShift(ctx context.Context, tx *Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM shift_requests WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete shift %d: %w", id, err)
	}
	return nil
}

// RejectPendingShifts rejects every pending request of a period with reason
// and returns how many it rejected.
func RejectPendingShifts(ctx context.Context, tx *Tx, periodID int64, reason string) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE shift_requests SET status = $1, rejected_reason = $2, updated_at = $3
		WHERE schedule_period_id = $4 AND status = $5`,
		pasched.ShiftRejected, reason, formatTS(tx.Now), periodID, pasched.ShiftPending)
	if err != nil {
		return 0, fmt.Errorf("reject pending shifts of period %d: %w", periodID, err)
	}
	return res.RowsAffected()
}

func nullID(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

// SlotQuery selects the shifts that scheduling rules need around a change:
// approved shifts of anyone dated in Around, approved shifts of the users in
// PAs dated in PARanges, and pending shifts of PendingOf dated in
// PendingRange. Each shift comes once.
type SlotQuery struct {
	Around       []ShiftDates
	PAs          []int64
	PARanges     []ShiftDates
	PendingOf    int64
	PendingRange *ShiftDates
}

// FindSlots returns the shifts q selects with what the rules need (id,
// period, PA, date, times, status; no names: see FindUserName), in one
// query, ordered by id.
func FindSlots(ctx context.Context, db querier, q SlotQuery) ([]*pasched.Shift, error) {
	var out []*pasched.Shift
	query, ok := SlotsQuery(q, &out)
	if !ok {
		return nil, nil
	}
	return out, query.Run(ctx, db)
}

// SlotsQuery is FindSlots as a Query: it reads into *out. ok is false when
// q selects nothing (no query to run).
func SlotsQuery(q SlotQuery, out *[]*pasched.Shift) (query Query, ok bool) {
	var a sqlArgs
	ranges := func(rs []ShiftDates) string {
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = "(s.date >= " + a.add(schedDateArg(r.From)) + " AND s.date <= " + a.add(schedDateArg(r.To)) + ")"
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	}
	var approved []string
	if len(q.Around) > 0 {
		approved = append(approved, ranges(q.Around))
	}
	if len(q.PAs) > 0 && len(q.PARanges) > 0 {
		pas := a.list(len(q.PAs), func(i int) any { return q.PAs[i] })
		approved = append(approved, "(s.requested_by_id IN ("+pas+") AND "+ranges(q.PARanges)+")")
	}
	var conds []string
	if len(approved) > 0 {
		conds = append(conds, "(s.status = "+a.add(pasched.ShiftApproved)+" AND ("+strings.Join(approved, " OR ")+"))")
	}
	if q.PendingOf != 0 && q.PendingRange != nil {
		conds = append(conds, "(s.status = "+a.add(pasched.ShiftPending)+" AND s.requested_by_id = "+a.add(q.PendingOf)+
			" AND "+ranges([]ShiftDates{*q.PendingRange})+")")
	}
	if len(conds) == 0 {
		return Query{}, false
	}
	return Query{SQL: `SELECT s.id, s.schedule_period_id, s.requested_by_id,
		s.date, s.start_time, s.end_time, s.status
		FROM shift_requests s WHERE ` + strings.Join(conds, " OR "), Args: a.vals, Scan: func(rows Rows) error {
		for rows.Next() {
			var s pasched.Shift
			if err := rows.Scan(&s.ID, &s.PeriodID, &s.RequestedByID,
				schedDate{&s.Date}, schedTime{&s.Start}, schedTime{&s.End}, &s.Status); err != nil {
				return fmt.Errorf("find shifts around: %w", err)
			}
			*out = append(*out, &s)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("find shifts around: %w", err)
		}
		// Sorted here rather than by SQL: over the OR of index ranges SQLite
		// sorts in a temporary b-tree, about a tenth slower.
		slices.SortFunc(*out, func(x, y *pasched.Shift) int { return cmp.Compare(x.ID, y.ID) })
		return nil
	}}, true
}

// FindUserName returns a user's full name (Django's get_full_name), for
// the messages that name another PA.
func FindUserName(ctx context.Context, q querier, id int64) (string, error) {
	var first, last string
	if err := q.QueryRowContext(ctx, `SELECT first_name, last_name FROM users WHERE id = $1`, id).Scan(&first, &last); err != nil {
		return "", fmt.Errorf("find name of user %d: %w", id, err)
	}
	return pasched.FullName(first, last), nil
}
