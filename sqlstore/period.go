package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"pasched"
)

// periodSelect reads a period with its creator's name and its number of
// shift requests in one query.
const periodSelect = `SELECT p.id, p.name, p.start_date, p.end_date, p.status, p.created_by_id,
	u.first_name, u.last_name, p.created_at, p.updated_at,
	(SELECT COUNT(*) FROM shift_requests s WHERE s.schedule_period_id = p.id)
	FROM schedule_periods p JOIN users u ON u.id = p.created_by_id`

func scanPeriod(r rowScanner, extra ...any) (*pasched.Period, error) {
	var (
		p           pasched.Period
		first, last string
	)
	dest := append([]any{&p.ID, &p.Name, schedDate{&p.StartDate}, schedDate{&p.EndDate}, &p.Status, &p.CreatedByID,
		&first, &last, timestamp{&p.CreatedAt}, timestamp{&p.UpdatedAt}, &p.ShiftCount}, extra...)
	err := r.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "No SchedulePeriod matches the given query.")
	}
	if err != nil {
		return nil, fmt.Errorf("scan period: %w", err)
	}
	p.CreatedByName = pasched.FullName(first, last)
	return &p, nil
}

// FindPeriodByID returns a period, or ENOTFOUND with the seed's 404 text.
func FindPeriodByID(ctx context.Context, q querier, id int64) (*pasched.Period, error) {
	return scanPeriod(q.QueryRowContext(ctx, periodSelect+` WHERE p.id = $1`, id))
}

// PeriodExists reports whether a period with id exists (the WebSocket
// handshake's check, which needs no row).
func PeriodExists(ctx context.Context, q querier, id int64) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM schedule_periods WHERE id = $1`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("period %d exists: %w", id, err)
	}
	return n > 0, nil
}

// FindPeriodForCheck returns a period's own columns, without the creator's
// name and the shift count (which grows with the period): what the rules of
// a shift request need.
func FindPeriodForCheck(ctx context.Context, q querier, id int64) (*pasched.Period, error) {
	var p pasched.Period
	err := q.QueryRowContext(ctx, `SELECT id, name, start_date, end_date, status, created_by_id, created_at, updated_at
		FROM schedule_periods WHERE id = $1`, id).
		Scan(&p.ID, &p.Name, schedDate{&p.StartDate}, schedDate{&p.EndDate}, &p.Status, &p.CreatedByID,
			timestamp{&p.CreatedAt}, timestamp{&p.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "No SchedulePeriod matches the given query.")
	}
	if err != nil {
		return nil, fmt.Errorf("find period %d: %w", id, err)
	}
	return &p, nil
}

// FindPeriodWithSummary returns a period and its coverage_summary counts in
// one query.
func FindPeriodWithSummary(ctx context.Context, q querier, id int64) (*pasched.Period, pasched.PeriodSummary, error) {
	var sum pasched.PeriodSummary
	p, err := scanPeriod(q.QueryRowContext(ctx, `SELECT p.id, p.name, p.start_date, p.end_date, p.status, p.created_by_id,
		u.first_name, u.last_name, p.created_at, p.updated_at,
		(SELECT COUNT(*) FROM shift_requests s WHERE s.schedule_period_id = p.id),
		(SELECT COUNT(*) FROM shift_requests s WHERE s.schedule_period_id = p.id AND s.status = $2),
		(SELECT COUNT(*) FROM shift_requests s WHERE s.schedule_period_id = p.id AND s.status = $3)
		FROM schedule_periods p JOIN users u ON u.id = p.created_by_id WHERE p.id = $1`,
		id, pasched.ShiftApproved, pasched.ShiftPending), &sum.ApprovedShifts, &sum.PendingRequests)
	return p, sum, err
}

// CountPeriods counts every period.
func CountPeriods(ctx context.Context, q querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM schedule_periods`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count periods: %w", err)
	}
	return n, nil
}

// FindPeriods returns a page of periods, latest start first (the seed's
// -start_date; ties newest first), names and counts joined in.
func FindPeriods(ctx context.Context, q querier, offset, limit int) ([]*pasched.Period, error) {
	rows, err := q.QueryContext(ctx, periodSelect+` ORDER BY p.start_date DESC, p.id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("find periods: %w", err)
	}
	defer rows.Close()
	out := make([]*pasched.Period, 0, limit)
	for rows.Next() {
		p, err := scanPeriod(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find periods: %w", err)
	}
	return out, nil
}

// CreatePeriod inserts p; its ID and timestamps are set.
func CreatePeriod(ctx context.Context, tx *Tx, p *pasched.Period) error {
	p.CreatedAt, p.UpdatedAt = tx.Now, tx.Now
	err := tx.QueryRowContext(ctx, `INSERT INTO schedule_periods (name, start_date, end_date, status, created_at, updated_at, created_by_id)
		VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id`,
		p.Name, p.StartDate.String(), p.EndDate.String(), p.Status, formatTS(tx.Now), p.CreatedByID).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("create period: %w", err)
	}
	return nil
}

// UpdatePeriod writes p's name, dates and status and stamps updated_at.
func UpdatePeriod(ctx context.Context, tx *Tx, p *pasched.Period) error {
	p.UpdatedAt = tx.Now
	_, err := tx.ExecContext(ctx, `UPDATE schedule_periods SET name = $1, start_date = $2, end_date = $3, status = $4,
		updated_at = $5 WHERE id = $6`, p.Name, p.StartDate.String(), p.EndDate.String(), p.Status, formatTS(tx.Now), p.ID)
	if err != nil {
		return fmt.Errorf("update period %d: %w", p.ID, err)
	}
	return nil
}

// DeletePeriod removes a period and, by cascade, its shifts and weekly rows.
func DeletePeriod(ctx context.Context, tx *Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM schedule_periods WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete period %d: %w", id, err)
	}
	return nil
}

// ActiveEmails returns the emails of the active users of a role, by id.
func ActiveEmails(ctx context.Context, q querier, role string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT email FROM users WHERE role = $1 AND is_active = $2 ORDER BY id`, role, true)
	if err != nil {
		return nil, fmt.Errorf("find %s emails: %w", role, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("find %s emails: %w", role, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PAPeriodStats is what the finalisation email tells one active PA.
type PAPeriodStats struct {
	ID                 int64
	Email, Name        string
	ApprovedShifts     int
	ApprovedHundredths int64
}

// FindPAPeriodStats returns every active PA with their approved shifts and
// hours in a period, in one query, by id.
func FindPAPeriodStats(ctx context.Context, q querier, periodID int64) ([]PAPeriodStats, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.email, u.first_name, u.last_name, COUNT(s.id),
		COALESCE(SUM(CAST(ROUND(s.duration_hours * 100) AS INTEGER)), 0)
		FROM users u LEFT JOIN shift_requests s
			ON s.requested_by_id = u.id AND s.schedule_period_id = $1 AND s.status = $2
		WHERE u.role = $3 AND u.is_active = $4
		GROUP BY u.id, u.email, u.first_name, u.last_name ORDER BY u.id`,
		periodID, pasched.ShiftApproved, pasched.RolePA, true)
	if err != nil {
		return nil, fmt.Errorf("find PA stats of period %d: %w", periodID, err)
	}
	defer rows.Close()
	var out []PAPeriodStats
	for rows.Next() {
		var (
			st          PAPeriodStats
			first, last string
		)
		if err := rows.Scan(&st.ID, &st.Email, &first, &last, &st.ApprovedShifts, &st.ApprovedHundredths); err != nil {
			return nil, fmt.Errorf("find PA stats of period %d: %w", periodID, err)
		}
		st.Name = pasched.FullName(first, last)
		out = append(out, st)
	}
	return out, rows.Err()
}

// MaxHoursPerWeek returns the users' weekly limits from their PA profiles;
// a user without a profile (an admin) gets the default.
func MaxHoursPerWeek(ctx context.Context, q querier, ids []int64) (map[int64]int, error) {
	out := make(map[int64]int, len(ids))
	query := MaxHoursQuery(ids, out)
	if len(ids) == 0 {
		return out, nil
	}
	return out, query.Run(ctx, q)
}

// MaxHoursQuery is MaxHoursPerWeek as a Query: it sets every id's limit in
// out, the default where a PA has no profile.
func MaxHoursQuery(ids []int64, out map[int64]int) Query {
	return userIntQuery(`SELECT user_id, max_hours_per_week FROM pa_profiles WHERE user_id IN (`,
		"weekly limits", ids, pasched.DefaultMaxHoursPerWeek, out)
}

// userIntQuery reads rows of (user id, number), selected by prefix followed
// by the ids' placeholders and ")", into out, which first gets def for
// every id (a user without a row).
func userIntQuery(prefix, what string, ids []int64, def int, out map[int64]int) Query {
	for _, id := range ids {
		out[id] = def
	}
	var a sqlArgs
	return Query{SQL: prefix + a.list(len(ids), func(i int) any { return ids[i] }) + `)`, Args: a.vals, Scan: func(rows Rows) error {
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return fmt.Errorf("find %s: %w", what, err)
			}
			out[id] = n
		}
		return rows.Err()
	}}
}
