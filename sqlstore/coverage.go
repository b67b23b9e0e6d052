package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"pasched"
	"pasched/schedule"
)

// coverageWindowJSON is one element of critical_time_coverage.windows.
type coverageWindowJSON struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Covered bool   `json:"covered"`
	ShiftID *int64 `json:"shift_id"`
}

func encodeWindows(ws []schedule.WindowCoverage) string {
	out := make([]coverageWindowJSON, len(ws))
	for i, w := range ws {
		out[i] = coverageWindowJSON{Start: w.Window.Start.String(), End: w.Window.End.String(), Covered: w.Covered}
		if w.ShiftID != 0 {
			id := w.ShiftID
			out[i].ShiftID = &id
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func decodeWindows(s string) ([]schedule.WindowCoverage, error) {
	var in []coverageWindowJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("decode coverage windows: %w", err)
	}
	out := make([]schedule.WindowCoverage, len(in))
	for i, w := range in {
		start, err := schedule.ParseTime(w.Start)
		if err != nil {
			return nil, fmt.Errorf("decode coverage windows: %w", err)
		}
		end, err := schedule.ParseTime(w.End)
		if err != nil {
			return nil, fmt.Errorf("decode coverage windows: %w", err)
		}
		out[i] = schedule.WindowCoverage{Window: schedule.Window{Start: start, End: end}, Covered: w.Covered}
		if w.ShiftID != nil {
			out[i].ShiftID = *w.ShiftID
		}
	}
	return out, nil
}

// FindCoverage returns the stored coverage of the given dates (absent dates
// have no row), in one query.
func FindCoverage(ctx context.Context, q querier, dates []schedule.Date) (map[schedule.Date]*pasched.DayCoverage, error) {
	out := make(map[schedule.Date]*pasched.DayCoverage, len(dates))
	if len(dates) == 0 {
		return out, nil
	}
	return out, CoverageQuery(dates, out).Run(ctx, q)
}

// CoverageQuery is FindCoverage as a Query: it reads into out. dates must
// not be empty.
func CoverageQuery(dates []schedule.Date, out map[schedule.Date]*pasched.DayCoverage) Query {
	var a sqlArgs
	return Query{SQL: `SELECT date, windows, updated_at FROM critical_time_coverage WHERE date IN (` +
		a.list(len(dates), func(i int) any { return schedDateArg(dates[i]) }) + `)`, Args: a.vals,
		Scan: func(rows Rows) error {
			_, err := scanCoverageRows(rows, out)
			return err
		}}
}

// FindCoverageBetween returns the stored coverage rows dated from through
// to, in one query.
func FindCoverageBetween(ctx context.Context, q querier, from, to schedule.Date) (map[schedule.Date]*pasched.DayCoverage, error) {
	rows, err := q.QueryContext(ctx, `SELECT date, windows, updated_at FROM critical_time_coverage
		WHERE date >= $1 AND date <= $2`, schedDateArg(from), schedDateArg(to))
	if err != nil {
		return nil, fmt.Errorf("find coverage: %w", err)
	}
	defer rows.Close()
	return scanCoverageRows(rows, map[schedule.Date]*pasched.DayCoverage{})
}

func scanCoverageRows(rows Rows, out map[schedule.Date]*pasched.DayCoverage) (map[schedule.Date]*pasched.DayCoverage, error) {
	for rows.Next() {
		var (
			c       pasched.DayCoverage
			windows string
		)
		if err := rows.Scan(schedDate{&c.Date}, &windows, timestamp{&c.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("find coverage: %w", err)
		}
		ws, err := decodeWindows(windows)
		if err != nil {
			return nil, err
		}
		c.Windows = ws
		out[c.Date] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find coverage: %w", err)
	}
	return out, nil
}

// SaveCoverage writes a date's row of critical_time_coverage (insert or
// update): the seed's morning and evening columns from the first two
// windows, and every window in the JSON windows column.
func SaveCoverage(ctx context.Context, tx *Tx, c *pasched.DayCoverage) error {
	c.UpdatedAt = tx.Now
	m, e := c.Morning(), c.Evening()
	err := tx.ExecLater(ctx, `INSERT INTO critical_time_coverage (date, morning_covered, evening_covered, windows,
		updated_at, morning_shift_id, evening_shift_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (date) DO UPDATE SET morning_covered = excluded.morning_covered,
		evening_covered = excluded.evening_covered, windows = excluded.windows, updated_at = excluded.updated_at,
		morning_shift_id = excluded.morning_shift_id, evening_shift_id = excluded.evening_shift_id`,
		c.Date.String(), m.Covered, e.Covered, encodeWindows(c.Windows), formatTS(tx.Now),
		nullShiftID(m.ShiftID), nullShiftID(e.ShiftID))
	if err != nil {
		return fmt.Errorf("save coverage of %s: %w", c.Date, err)
	}
	return nil
}

func nullShiftID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// FindWeeklyHours returns the weekly_coverage rows of the given PAs and
// weeks (Mondays), in one query.
func FindWeeklyHours(ctx context.Context, q querier, paIDs []int64, weeks []schedule.Date) ([]pasched.WeeklyHours, error) {
	if len(paIDs) == 0 || len(weeks) == 0 {
		return nil, nil
	}
	var out []pasched.WeeklyHours
	return out, WeeklyHoursQuery(paIDs, weeks, &out).Run(ctx, q)
}

// WeeklyHoursQuery is FindWeeklyHours as a Query: it reads into *out.
// paIDs and weeks must not be empty.
func WeeklyHoursQuery(paIDs []int64, weeks []schedule.Date, out *[]pasched.WeeklyHours) Query {
	var a sqlArgs
	pas := a.list(len(paIDs), func(i int) any { return paIDs[i] })
	ws := a.list(len(weeks), func(i int) any { return schedDateArg(weeks[i]) })
	return Query{SQL: `SELECT id, schedule_period_id, pa_id, week_start_date,
		CAST(ROUND(total_hours * 100) AS INTEGER), exceeds_limit
		FROM weekly_coverage WHERE pa_id IN (` + pas + `) AND week_start_date IN (` + ws + `)
		ORDER BY id`, Args: a.vals, Scan: func(rows Rows) error {
		w, err := scanWeekly(rows)
		*out = w
		return err
	}}
}

// FindAllWeeklyHours returns every weekly_coverage row (tests and repairs).
func FindAllWeeklyHours(ctx context.Context, q querier) ([]pasched.WeeklyHours, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, schedule_period_id, pa_id, week_start_date,
		CAST(ROUND(total_hours * 100) AS INTEGER), exceeds_limit FROM weekly_coverage ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("find weekly hours: %w", err)
	}
	defer rows.Close()
	return scanWeekly(rows)
}

// FindAllCoverage returns every critical_time_coverage row (tests and repairs).
func FindAllCoverage(ctx context.Context, q querier) (map[schedule.Date]*pasched.DayCoverage, error) {
	rows, err := q.QueryContext(ctx, `SELECT date, windows, updated_at FROM critical_time_coverage`)
	if err != nil {
		return nil, fmt.Errorf("find coverage: %w", err)
	}
	defer rows.Close()
	return scanCoverageRows(rows, map[schedule.Date]*pasched.DayCoverage{})
}

func scanWeekly(rows Rows) ([]pasched.WeeklyHours, error) {
	var out []pasched.WeeklyHours
	for rows.Next() {
		var w pasched.WeeklyHours
		if err := rows.Scan(&w.ID, &w.PeriodID, &w.PAID, schedDate{&w.WeekStart}, &w.Hundredths, &w.ExceedsLimit); err != nil {
			return nil, fmt.Errorf("find weekly hours: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find weekly hours: %w", err)
	}
	return out, nil
}

// SaveWeeklyHours inserts or updates the row of (period, PA, week).
func SaveWeeklyHours(ctx context.Context, tx *Tx, w pasched.WeeklyHours) error {
	err := tx.ExecLater(ctx, `INSERT INTO weekly_coverage (week_start_date, total_hours, exceeds_limit, updated_at,
		pa_id, schedule_period_id) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (schedule_period_id, pa_id, week_start_date) DO UPDATE SET total_hours = excluded.total_hours,
		exceeds_limit = excluded.exceeds_limit, updated_at = excluded.updated_at`,
		w.WeekStart.String(), schedule.FormatHours(w.Hundredths), w.ExceedsLimit, formatTS(tx.Now), w.PAID, w.PeriodID)
	if err != nil {
		return fmt.Errorf("save weekly hours of PA %d, week %s: %w", w.PAID, w.WeekStart, err)
	}
	return nil
}

// DeleteWeeklyHours removes weekly_coverage rows by id.
func DeleteWeeklyHours(ctx context.Context, tx *Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var a sqlArgs
	_, err := tx.ExecContext(ctx, `DELETE FROM weekly_coverage WHERE id IN (`+
		a.list(len(ids), func(i int) any { return ids[i] })+`)`, a.vals...)
	if err != nil {
		return fmt.Errorf("delete weekly hours: %w", err)
	}
	return nil
}
