package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ImportTables are the tables a seed import writes, in an order that
// satisfies their foreign keys. critical_time_coverage and weekly_coverage
// are not among them: they are recomputed, never copied.
var ImportTables = []string{
	"users", "pa_profiles", "pa_schedule_stats", "email_verification_tokens", "password_reset_tokens",
	"outstanding_tokens", "blacklisted_tokens", "schedule_periods", "shift_requests",
}

// ScheduleEmpty reports whether the database holds no user, period or
// shift: an import must not merge into a deployment in use.
func ScheduleEmpty(ctx context.Context, q querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM schedule_periods)
		+ (SELECT COUNT(*) FROM shift_requests)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count rows: %w", err)
	}
	return n == 0, nil
}

// WipeForImport deletes every user and everything that hangs off them
// (profiles, tokens, sessions, periods, shifts, coverage, weekly hours), in
// tx: `pasched import --force` replaces the data instead of merging.
func WipeForImport(ctx context.Context, tx *Tx) error {
	for _, t := range []string{"critical_time_coverage", "weekly_coverage", "shift_requests", "schedule_periods",
		"blacklisted_tokens", "outstanding_tokens", "password_reset_tokens", "email_verification_tokens",
		"pa_schedule_stats", "pa_profiles", "users"} {
		// Tables of other features (web sessions, ...) go with their user
		// through ON DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
			return fmt.Errorf("wipe %s: %w", t, err)
		}
	}
	return nil
}

// InsertRows inserts rows into one of ImportTables, ids included. Values
// are what both drivers take for the column: timestamps as FormatTimestamp
// text, dates "YYYY-MM-DD", times "HH:MM:SS", decimals as text, JSON as
// text, booleans as bool.
func InsertRows(ctx context.Context, tx *Tx, table string, cols []string, rows [][]any) error {
	if !slices.Contains(ImportTables, table) {
		return fmt.Errorf("insert rows: %s is not an import table", table)
	}
	marks := make([]string, len(cols))
	for i := range cols {
		marks[i] = fmt.Sprintf("$%d", i+1)
		// PostgreSQL infers a parameter's type from its column; JSONB
		// takes JSON text only through an explicit cast.
		if tx.Dialect() == Postgres && (cols[i] == "preferred_days" || cols[i] == "most_common_days") {
			marks[i] += "::jsonb"
		}
	}
	q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, q, r...); err != nil {
			return fmt.Errorf("insert into %s (id %v): %w", table, r[0], err)
		}
	}
	return nil
}

// ResetSequences makes the id generators of tables continue after their
// largest id, so rows created after an import with explicit ids get new
// ones: PostgreSQL's serial sequences; SQLite's sqlite_sequence (which
// AUTOINCREMENT never lets go backwards, so after a --force wipe it would
// otherwise keep the old, higher counter, harmless but surprising).
func ResetSequences(ctx context.Context, tx *Tx, tables []string) error {
	for _, t := range tables {
		if !slices.Contains(ImportTables, t) {
			return fmt.Errorf("reset sequence: %s is not an import table", t)
		}
		var q string
		if tx.Dialect() == Postgres {
			q = `SELECT setval(pg_get_serial_sequence('` + t + `', 'id'), COALESCE((SELECT MAX(id) FROM ` + t + `), 1),
				(SELECT MAX(id) FROM ` + t + `) IS NOT NULL)`
		} else {
			q = `UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX(id), 0) FROM ` + t + `) WHERE name = '` + t + `'`
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset sequence of %s: %w", t, err)
		}
	}
	return nil
}

// FormatTimestamp is how a timestamp argument is written to either engine.
func FormatTimestamp(t time.Time) string { return formatTS(t) }
