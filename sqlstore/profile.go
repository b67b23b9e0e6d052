package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"pasched"
)

// FindPAProfile returns a PA's profile (ENOTFOUND for a user without one).
func FindPAProfile(ctx context.Context, q querier, userID int64) (*pasched.PAProfile, error) {
	var (
		p          pasched.PAProfile
		start, end sql.NullString
		days       string
	)
	err := q.QueryRowContext(ctx, `SELECT user_id, preferred_start_time, preferred_end_time, preferred_days, max_hours_per_week,
		notes, created_at, updated_at FROM pa_profiles WHERE user_id = $1`, userID).
		Scan(&p.UserID, &start, &end, &days, &p.MaxHoursPerWeek, &p.Notes, timestamp{&p.CreatedAt}, timestamp{&p.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "PA profile not found")
	}
	if err != nil {
		return nil, fmt.Errorf("find PA profile of user %d: %w", userID, err)
	}
	if start.Valid {
		v := timeText(start.String)
		p.PreferredStartTime = &v
	}
	if end.Valid {
		v := timeText(end.String)
		p.PreferredEndTime = &v
	}
	if err := json.Unmarshal([]byte(days), &p.PreferredDays); err != nil {
		// A hand-edited or imported row with something else than a list of
		// day names: treat it as no preference rather than fail the page.
		p.PreferredDays = nil
	}
	return &p, nil
}

// timeText normalises a stored time to "HH:MM:SS" (PostgreSQL's time type
// reads back that way; SQLite keeps what was written).
func timeText(s string) string {
	if len(s) >= 8 {
		return s[:8]
	}
	return s
}

// SavePAProfile writes a PA's preferences, limit and notes.
func SavePAProfile(ctx context.Context, tx *Tx, p *pasched.PAProfile) error {
	days, err := json.Marshal(p.PreferredDays)
	if err != nil {
		return err
	}
	if p.PreferredDays == nil {
		days = []byte("[]")
	}
	_, err = tx.ExecContext(ctx, `UPDATE pa_profiles SET preferred_start_time = $1, preferred_end_time = $2, preferred_days = $3,
		max_hours_per_week = $4, notes = $5, updated_at = $6 WHERE user_id = $7`,
		nullString(p.PreferredStartTime), nullString(p.PreferredEndTime), string(days), p.MaxHoursPerWeek, p.Notes, formatTS(tx.Now), p.UserID)
	if err != nil {
		return fmt.Errorf("save PA profile of user %d: %w", p.UserID, err)
	}
	p.UpdatedAt = tx.Now
	return nil
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// FindWeeklyHoursOfPA returns every weekly_coverage row of one PA, oldest
// week first.
func FindWeeklyHoursOfPA(ctx context.Context, q querier, paID int64) ([]pasched.WeeklyHours, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, schedule_period_id, pa_id, week_start_date,
		CAST(ROUND(total_hours * 100) AS INTEGER), exceeds_limit FROM weekly_coverage WHERE pa_id = $1
		ORDER BY week_start_date, id`, paID)
	if err != nil {
		return nil, fmt.Errorf("find weekly hours of PA %d: %w", paID, err)
	}
	defer rows.Close()
	return scanWeekly(rows)
}
