package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"pasched"
	"pasched/schedule"
)

// SavePAStats writes a PA's statistics, creating the row when it is missing
// (a PA made before the row existed).
func SavePAStats(ctx context.Context, tx *Tx, st *pasched.PAStats) error {
	daysJSON := orderedDays(st.MostCommonDays)
	var start, length, lead, streak, last any
	if st.MostCommonStart != nil {
		start = st.MostCommonStart.String()
	}
	if st.AverageShiftHundredths != nil {
		length = schedule.FormatHours(*st.AverageShiftHundredths)
	}
	if st.TypicalRequestDays != nil {
		lead = *st.TypicalRequestDays
	}
	if st.ConsecutiveDays != nil {
		streak = *st.ConsecutiveDays
	}
	if st.LastWorkedDate != nil {
		last = st.LastWorkedDate.String()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO pa_schedule_stats (pa_id, total_shifts_worked, total_hours_worked,
		average_hours_per_week, most_common_days, most_common_start_time, most_common_shift_length,
		preferred_shift_pattern, reliability_score, typical_request_timing, consecutive_days_preference,
		last_worked_date, last_calculated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (pa_id) DO UPDATE SET total_shifts_worked = excluded.total_shifts_worked,
		total_hours_worked = excluded.total_hours_worked, average_hours_per_week = excluded.average_hours_per_week,
		most_common_days = excluded.most_common_days, most_common_start_time = excluded.most_common_start_time,
		most_common_shift_length = excluded.most_common_shift_length,
		preferred_shift_pattern = excluded.preferred_shift_pattern, reliability_score = excluded.reliability_score,
		typical_request_timing = excluded.typical_request_timing,
		consecutive_days_preference = excluded.consecutive_days_preference,
		last_worked_date = excluded.last_worked_date, last_calculated = excluded.last_calculated`,
		st.PAID, st.TotalShiftsWorked, schedule.FormatHours(st.TotalHundredths), schedule.FormatHours(st.AverageWeeklyHundredths),
		daysJSON, start, length, st.Pattern, schedule.FormatHours(st.ReliabilityHundredths), lead, streak, last,
		formatTS(st.LastCalculated))
	if err != nil {
		return fmt.Errorf("save stats of PA %d: %w", st.PAID, err)
	}
	return nil
}

// orderedDays renders most_common_days as a JSON object in the given
// (Monday-first) order.
func orderedDays(days []pasched.DayCount) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, d := range days {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(d.Day)
		fmt.Fprintf(&b, "%s: %d", k, d.Count)
	}
	b.WriteByte('}')
	return b.String()
}

const statsSelect = `SELECT st.pa_id, st.total_shifts_worked, CAST(ROUND(st.total_hours_worked * 100) AS INTEGER),
	CAST(ROUND(st.average_hours_per_week * 100) AS INTEGER), CAST(st.most_common_days AS TEXT),
	st.most_common_start_time, CAST(ROUND(st.most_common_shift_length * 100) AS INTEGER), st.preferred_shift_pattern,
	CAST(ROUND(st.reliability_score * 100) AS INTEGER), st.typical_request_timing, st.consecutive_days_preference,
	st.last_worked_date, st.last_calculated
	FROM pa_schedule_stats st JOIN users u ON u.id = st.pa_id`

var dayOrder = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

func scanStats(r rowScanner) (*pasched.PAStats, error) {
	var (
		st           pasched.PAStats
		days         string
		start        optTime
		length       sql.NullInt64
		lead, streak sql.NullInt64
		last         optDate
	)
	err := r.Scan(&st.PAID, &st.TotalShiftsWorked, &st.TotalHundredths, &st.AverageWeeklyHundredths, &days,
		&start, &length, &st.Pattern, &st.ReliabilityHundredths, &lead, &streak, &last, timestamp{&st.LastCalculated})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "Not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("scan stats: %w", err)
	}
	var m map[string]int
	if err := json.Unmarshal([]byte(days), &m); err != nil {
		return nil, fmt.Errorf("scan stats: most_common_days: %w", err)
	}
	for _, d := range dayOrder {
		if n, ok := m[d]; ok {
			st.MostCommonDays = append(st.MostCommonDays, pasched.DayCount{Day: d, Count: n})
		}
	}
	if start.valid {
		st.MostCommonStart = &start.t
	}
	if length.Valid {
		st.AverageShiftHundredths = &length.Int64
	}
	if lead.Valid {
		v := int(lead.Int64)
		st.TypicalRequestDays = &v
	}
	if streak.Valid {
		v := int(streak.Int64)
		st.ConsecutiveDays = &v
	}
	if last.valid {
		st.LastWorkedDate = &last.d
	}
	return &st, nil
}

// FindPAStats returns a PA's stored statistics (ENOTFOUND for a user who is
// not a PA or has no row).
func FindPAStats(ctx context.Context, q querier, paID int64) (*pasched.PAStats, error) {
	return scanStats(q.QueryRowContext(ctx, statsSelect+` WHERE st.pa_id = $1 AND u.role = $2`, paID, pasched.RolePA))
}

// FindAllPAStats returns the stored statistics of every active PA, by id.
func FindAllPAStats(ctx context.Context, q querier) ([]*pasched.PAStats, error) {
	rows, err := q.QueryContext(ctx, statsSelect+` WHERE u.role = $1 AND u.is_active = $2 ORDER BY st.pa_id`, pasched.RolePA, true)
	if err != nil {
		return nil, fmt.Errorf("find stats: %w", err)
	}
	defer rows.Close()
	var out []*pasched.PAStats
	for rows.Next() {
		st, err := scanStats(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// FindShiftsOfPA returns every shift request of one PA, any status, by id
// (what the pattern statistics are computed from).
func FindShiftsOfPA(ctx context.Context, q querier, paID int64) ([]*pasched.Shift, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.schedule_period_id, s.requested_by_id, s.date, s.start_time,
		s.end_time, s.status, s.created_at FROM shift_requests s WHERE s.requested_by_id = $1 ORDER BY s.id`, paID)
	if err != nil {
		return nil, fmt.Errorf("find shifts of PA %d: %w", paID, err)
	}
	defer rows.Close()
	var out []*pasched.Shift
	for rows.Next() {
		var s pasched.Shift
		if err := rows.Scan(&s.ID, &s.PeriodID, &s.RequestedByID, schedDate{&s.Date}, schedTime{&s.Start},
			schedTime{&s.End}, &s.Status, schedTS{&s.CreatedAt}); err != nil {
			return nil, fmt.Errorf("find shifts of PA %d: %w", paID, err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// optTime scans a nullable TIME (PostgreSQL) or TEXT time (SQLite).
type optTime struct {
	t     schedule.TimeOfDay
	valid bool
}

func (o *optTime) Scan(src any) error {
	if o.valid = src != nil; !o.valid {
		return nil
	}
	return schedTime{&o.t}.Scan(src)
}

// optDate scans a nullable DATE (PostgreSQL) or TEXT date (SQLite).
type optDate struct {
	d     schedule.Date
	valid bool
}

func (o *optDate) Scan(src any) error {
	if o.valid = src != nil; !o.valid {
		return nil
	}
	return schedDate{&o.d}.Scan(src)
}
