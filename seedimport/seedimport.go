// Package seedimport moves a deployment of the seed (the Django backend)
// into pasched: it reads the seed's database, PostgreSQL as its settings
// use or SQLite as its development setup does, and loads it into ours in
// one transaction.
//
// Contracts:
//
//   - Ids are kept (old links still work) and the id sequences continue
//     after them.
//   - Users keep their Django password hashes (they sign in with their old
//     passwords; accounts rehashes on login), role, verification state and
//     timestamps; PA profiles and schedule stats, periods, shifts of every
//     status with approver and timestamps, the one-time email tokens and
//     simplejwt's outstanding and blacklisted tokens are copied.
//   - Coverage and weekly hours are recomputed by our rules
//     (scheduling.RecomputeAll), never copied: the seed's are wrong for
//     overnight shifts.
//   - Rows our rules would refuse (a zero-length shift, overlapping
//     approved shifts the seed let through, a shift dated outside its
//     period, ...) are imported as they are, status kept, and listed in the
//     Report. Nothing is dropped or altered.
//   - The target must hold no user, period or shift, unless Opts.Force,
//     which replaces what is there.
//
// Not imported: Django's groups, permissions, sessions and admin log, and
// Celery beat's schedule (pasched has its own jobs).
package seedimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for a PostgreSQL seed
	_ "modernc.org/sqlite"             // the "sqlite" driver, for a SQLite seed

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// ErrNotEmpty is Import's answer when the target already holds data and
// Opts.Force is not set.
var ErrNotEmpty = errors.New("the target database already holds users, periods or shifts; use --force to replace them")

// Opts tune an import.
type Opts struct {
	// Force replaces the target's users, periods and shifts.
	Force bool
}

// Report says what an import did.
type Report struct {
	// Rows counts the rows copied per table (our table names).
	Rows map[string]int
	// Findings are the rows our rules would refuse or flag, in table and
	// id order.
	Findings []Finding
	// Coverage and Weeks count the recomputed critical_time_coverage and
	// weekly_coverage rows.
	Coverage, Weeks int
}

// Finding is one imported row our rules would have refused (or, for
// overtime, flagged).
type Finding struct {
	Table  string `json:"table"`
	ID     int64  `json:"id"`
	Status string `json:"status,omitempty"` // the row's status, kept
	Rule   string `json:"rule"`             // zero_length, double_booking, own_overlap, outside_period, period_dates, duration, overtime
	Detail string `json:"detail"`
}

// Rules named in findings.
const (
	RuleZeroLength    = "zero_length"
	RuleDoubleBooking = "double_booking"
	RuleOwnOverlap    = "own_overlap"
	RuleOutsidePeriod = "outside_period"
	RulePeriodDates   = "period_dates"
	RuleDuration      = "duration"
	RuleOvertime      = "overtime"
)

// Import reads the seed database at sourceURL (dj-database-url style:
// sqlite:///relative.db, sqlite:////abs.db, postgres://…) and loads it into
// sched.DB in one transaction. The source is only read.
func Import(ctx context.Context, sourceURL string, sched *scheduling.Service, opts Opts) (*Report, error) {
	src, dialect, err := openSource(ctx, sourceURL)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	r := &reader{db: src, dialect: dialect}
	data, err := r.readAll(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Rows: map[string]int{}}
	dst := sched.DB
	err = dst.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := tx.LockSchedule(ctx, sqlstore.ScheduleLocks{All: true}); err != nil {
			return err
		}
		empty, err := sqlstore.ScheduleEmpty(ctx, tx)
		if err != nil {
			return err
		}
		if !empty {
			if !opts.Force {
				return ErrNotEmpty
			}
			if err := sqlstore.WipeForImport(ctx, tx); err != nil {
				return err
			}
		}
		for _, t := range data {
			if err := sqlstore.InsertRows(ctx, tx, t.name, t.cols, t.rows); err != nil {
				return err
			}
			rep.Rows[t.name] = len(t.rows)
		}
		if err := sqlstore.ResetSequences(ctx, tx, sqlstore.ImportTables); err != nil {
			return err
		}
		if err := sched.RecomputeAll(ctx, tx); err != nil {
			return fmt.Errorf("recompute coverage and weekly hours: %w", err)
		}
		cov, err := sqlstore.FindAllCoverage(ctx, tx)
		if err != nil {
			return err
		}
		weeks, err := sqlstore.FindAllWeeklyHours(ctx, tx)
		if err != nil {
			return err
		}
		rep.Coverage, rep.Weeks = len(cov), len(weeks)
		rep.Findings = append(checkRules(data), overtime(weeks)...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}

// openSource opens the seed's database read-only.
func openSource(ctx context.Context, u string) (*sql.DB, sqlstore.Dialect, error) {
	var (
		db      *sql.DB
		dialect sqlstore.Dialect
		err     error
	)
	switch {
	case strings.HasPrefix(u, "sqlite://"):
		// sqlite:///rel.db → "rel.db"; sqlite:////abs.db → "/abs.db" (dj-database-url).
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite://"), "/")
		if path == "" {
			return nil, "", errors.New("import: --from sqlite:// needs a file path")
		}
		if _, err := os.Stat(path); err != nil {
			return nil, "", fmt.Errorf("import: %w", err)
		}
		dialect = sqlstore.SQLite
		db, err = sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(10000)")
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		dialect = sqlstore.Postgres
		db, err = sql.Open("pgx", u)
	default:
		return nil, "", fmt.Errorf("import: --from must start with sqlite:// or postgres://")
	}
	if err != nil {
		return nil, "", fmt.Errorf("import: open source: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("import: open source: %w", err)
	}
	return db, dialect, nil
}

// column is one column of a seed table and how to carry it over.
type column struct {
	name string // in the seed and in ours, unless to is set
	to   string // our column's name, when it differs
	kind kind
}

type kind int

const (
	kText kind = iota
	kInt
	kBool
	kTimestamp
	kDecimal
	kUUID
)

// table is a seed table and the columns we copy.
type table struct {
	seed, ours string
	cols       []column
}

// seedTables are the seed's tables (Django's db_table names, and simplejwt's
// app_model names) in foreign-key order, with their columns.
var seedTables = []table{
	{"users", "users", []column{{"id", "", kInt}, {"password", "", kText}, {"last_login", "", kTimestamp},
		{"is_superuser", "", kBool}, {"username", "", kText}, {"first_name", "", kText}, {"last_name", "", kText},
		{"is_staff", "", kBool}, {"is_active", "", kBool}, {"date_joined", "", kTimestamp}, {"email", "", kText},
		{"phone_number", "", kText}, {"role", "", kText}, {"is_email_verified", "", kBool}}},
	{"pa_profiles", "pa_profiles", []column{{"id", "", kInt}, {"preferred_start_time", "", kText},
		{"preferred_end_time", "", kText}, {"preferred_days", "", kText}, {"max_hours_per_week", "", kInt},
		{"notes", "", kText}, {"created_at", "", kTimestamp}, {"updated_at", "", kTimestamp}, {"user_id", "", kInt}}},
	{"pa_schedule_stats", "pa_schedule_stats", []column{{"id", "", kInt}, {"total_shifts_worked", "", kInt},
		{"total_hours_worked", "", kDecimal}, {"average_hours_per_week", "", kDecimal}, {"most_common_days", "", kText},
		{"most_common_start_time", "", kText}, {"most_common_shift_length", "", kDecimal},
		{"preferred_shift_pattern", "", kText}, {"reliability_score", "", kDecimal}, {"typical_request_timing", "", kInt},
		{"consecutive_days_preference", "", kInt}, {"last_worked_date", "", kText}, {"last_calculated", "", kTimestamp},
		{"pa_id", "", kInt}}},
	{"email_verification_tokens", "email_verification_tokens", []column{{"id", "", kInt}, {"token", "", kUUID},
		{"created_at", "", kTimestamp}, {"expires_at", "", kTimestamp}, {"used", "", kBool}, {"user_id", "", kInt}}},
	{"password_reset_tokens", "password_reset_tokens", []column{{"id", "", kInt}, {"token", "", kUUID},
		{"created_at", "", kTimestamp}, {"expires_at", "", kTimestamp}, {"used", "", kBool}, {"user_id", "", kInt}}},
	{"token_blacklist_outstandingtoken", "outstanding_tokens", []column{{"id", "", kInt}, {"jti", "", kText},
		{"token", "", kText}, {"created_at", "", kTimestamp}, {"expires_at", "", kTimestamp}, {"user_id", "", kInt}}},
	{"token_blacklist_blacklistedtoken", "blacklisted_tokens", []column{{"id", "", kInt},
		{"blacklisted_at", "", kTimestamp}, {"token_id", "", kInt}}},
	{"schedule_periods", "schedule_periods", []column{{"id", "", kInt}, {"name", "", kText}, {"start_date", "", kText},
		{"end_date", "", kText}, {"status", "", kText}, {"created_at", "", kTimestamp}, {"updated_at", "", kTimestamp},
		{"created_by_id", "", kInt}}},
	{"shift_requests", "shift_requests", []column{{"id", "", kInt}, {"date", "", kText}, {"start_time", "", kText},
		{"end_time", "", kText}, {"duration_hours", "", kDecimal}, {"status", "", kText}, {"notes", "", kText},
		{"admin_notes", "", kText}, {"rejected_reason", "", kText}, {"created_at", "", kTimestamp},
		{"updated_at", "", kTimestamp}, {"approved_at", "", kTimestamp}, {"approved_by_id", "", kInt},
		{"requested_by_id", "", kInt}, {"schedule_period_id", "", kInt}}},
}

// tableData is a table's rows, converted for our database.
type tableData struct {
	name string
	cols []string
	rows [][]any
}

type reader struct {
	db      *sql.DB
	dialect sqlstore.Dialect
}

// readAll reads every seed table, in one read transaction so the copy is
// consistent even if the seed is still running.
func (r *reader) readAll(ctx context.Context) ([]tableData, error) {
	tx, err := r.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: r.isolation()})
	if err != nil {
		return nil, fmt.Errorf("import: read source: %w", err)
	}
	defer tx.Rollback()
	var out []tableData
	for _, t := range seedTables {
		d, err := r.read(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (r *reader) isolation() sql.IsolationLevel {
	if r.dialect == sqlstore.Postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// expr is the SELECT expression that reads c as text the same way from
// both engines.
func (r *reader) expr(c column) string {
	if r.dialect == sqlstore.Postgres {
		if c.kind == kTimestamp {
			// Django's timestamptz, in UTC whatever the session's zone.
			return `to_char(` + c.name + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
		}
		return c.name + `::text`
	}
	return `CAST(` + c.name + ` AS TEXT)`
}

func (r *reader) read(ctx context.Context, tx *sql.Tx, t table) (tableData, error) {
	d := tableData{name: t.ours}
	exprs := make([]string, len(t.cols))
	for i, c := range t.cols {
		exprs[i] = r.expr(c)
		to := c.name
		if c.to != "" {
			to = c.to
		}
		d.cols = append(d.cols, to)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(exprs, ", ")+` FROM `+t.seed+` ORDER BY id`)
	if err != nil {
		return d, fmt.Errorf("import: read %s: %w", t.seed, err)
	}
	defer rows.Close()
	for rows.Next() {
		raw := make([]sql.NullString, len(t.cols))
		ptrs := make([]any, len(raw))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return d, fmt.Errorf("import: read %s: %w", t.seed, err)
		}
		row := make([]any, len(raw))
		for i, c := range t.cols {
			v, err := convert(c.kind, raw[i])
			if err != nil {
				return d, fmt.Errorf("import: %s id %s, %s: %w", t.seed, raw[0].String, c.name, err)
			}
			row[i] = v
		}
		d.rows = append(d.rows, row)
	}
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("import: read %s: %w", t.seed, err)
	}
	return d, nil
}

// convert turns a seed value read as text into what sqlstore.InsertRows
// takes.
func convert(k kind, v sql.NullString) (any, error) {
	if !v.Valid {
		return nil, nil
	}
	s := v.String
	switch k {
	case kInt:
		return strconv.ParseInt(s, 10, 64)
	case kBool:
		switch s {
		case "1", "true", "t":
			return true, nil
		case "0", "false", "f":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean: %q", s)
	case kTimestamp:
		t, err := parseTimestamp(s)
		if err != nil {
			return nil, err
		}
		return sqlstore.FormatTimestamp(t), nil
	case kDecimal:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return nil, fmt.Errorf("not a decimal: %q", s)
		}
		return s, nil
	case kUUID:
		// Django keeps a UUIDField as 32 hex digits on SQLite and as uuid
		// on PostgreSQL; ours is the dashed form on both.
		if len(s) == 32 {
			s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
		}
		return strings.ToLower(s), nil
	}
	return s, nil
}

// parseTimestamp reads Django's stored datetimes: naive UTC text on SQLite
// ("2026-12-06 05:02:53.346524", microseconds optional), or what expr makes
// of a timestamptz.
func parseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02T15:04:05.999999", "2006-01-02 15:04:05.999999-07:00", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
}

// importedShift is what the rule checks need of a shift row.
type importedShift struct {
	id, pa, period int64
	status         string
	rule           schedule.Shift
	duration       string
}

// checkRules lists the rows our rules would have refused.
func checkRules(data []tableData) []Finding {
	var (
		periods = map[int64][2]schedule.Date{}
		shifts  []importedShift
		out     []Finding
	)
	for _, t := range data {
		col := func(name string) int {
			for i, c := range t.cols {
				if c == name {
					return i
				}
			}
			panic("seedimport: no column " + name)
		}
		switch t.name {
		case "schedule_periods":
			for _, r := range t.rows {
				id := r[0].(int64)
				start, err1 := schedule.ParseDate(r[col("start_date")].(string))
				end, err2 := schedule.ParseDate(r[col("end_date")].(string))
				if err1 != nil || err2 != nil {
					out = append(out, Finding{Table: t.name, ID: id, Status: r[col("status")].(string), Rule: RulePeriodDates,
						Detail: fmt.Sprintf("unreadable dates %v..%v", r[col("start_date")], r[col("end_date")])})
					continue
				}
				periods[id] = [2]schedule.Date{start, end}
				if end.Before(start) {
					out = append(out, Finding{Table: t.name, ID: id, Status: r[col("status")].(string), Rule: RulePeriodDates,
						Detail: fmt.Sprintf("ends %s before it starts %s", end, start)})
				}
			}
		case "shift_requests":
			for _, r := range t.rows {
				sh := importedShift{id: r[0].(int64), pa: r[col("requested_by_id")].(int64),
					period: r[col("schedule_period_id")].(int64), status: r[col("status")].(string),
					duration: r[col("duration_hours")].(string)}
				d, err1 := schedule.ParseDate(r[col("date")].(string))
				st, err2 := schedule.ParseTime(r[col("start_time")].(string))
				en, err3 := schedule.ParseTime(r[col("end_time")].(string))
				if err := errors.Join(err1, err2, err3); err != nil {
					out = append(out, Finding{Table: t.name, ID: sh.id, Status: sh.status, Rule: RuleZeroLength,
						Detail: "unreadable date or time: " + err.Error()})
					continue
				}
				sh.rule = schedule.Shift{ID: sh.id, PAID: sh.pa, Date: d, Start: st, End: en}
				shifts = append(shifts, sh)
			}
		}
	}
	for i, sh := range shifts {
		if p, ok := periods[sh.period]; ok && (sh.rule.Date.Before(p[0]) || sh.rule.Date.After(p[1])) {
			out = append(out, Finding{Table: "shift_requests", ID: sh.id, Status: sh.status, Rule: RuleOutsidePeriod,
				Detail: fmt.Sprintf("dated %s, outside its period %d (%s to %s)", sh.rule.Date, sh.period, p[0], p[1])})
		}
		if sh.rule.Start == sh.rule.End {
			out = append(out, Finding{Table: "shift_requests", ID: sh.id, Status: sh.status, Rule: RuleZeroLength,
				Detail: fmt.Sprintf("%s %s–%s lasts zero hours; kept, but it covers nothing and counts no hours", sh.rule.Date, sh.rule.Start, sh.rule.End)})
			continue
		}
		if want := schedule.DurationHundredths(sh.rule.Start, sh.rule.End); !sameHundredths(sh.duration, want) {
			out = append(out, Finding{Table: "shift_requests", ID: sh.id, Status: sh.status, Rule: RuleDuration,
				Detail: fmt.Sprintf("duration_hours %s, our rules make it %s", sh.duration, schedule.FormatHours(want))})
		}
		// Against every earlier shift: each clash is reported once, on the
		// later row.
		for _, o := range shifts[:i] {
			if o.rule.Start == o.rule.End || !schedule.Overlaps(sh.rule.Interval(), o.rule.Interval()) {
				continue
			}
			switch {
			case sh.pa != o.pa && sh.status == pasched.ShiftApproved && o.status == pasched.ShiftApproved:
				out = append(out, Finding{Table: "shift_requests", ID: sh.id, Status: sh.status, Rule: RuleDoubleBooking,
					Detail: fmt.Sprintf("%s %s–%s overlaps approved shift %d of PA %d (%s %s–%s)",
						sh.rule.Date, sh.rule.Start, sh.rule.End, o.id, o.pa, o.rule.Date, o.rule.Start, o.rule.End)})
			case sh.pa == o.pa && occupies(sh.status) && occupies(o.status):
				out = append(out, Finding{Table: "shift_requests", ID: sh.id, Status: sh.status, Rule: RuleOwnOverlap,
					Detail: fmt.Sprintf("%s %s–%s overlaps the same PA's %s shift %d (%s %s–%s)",
						sh.rule.Date, sh.rule.Start, sh.rule.End, strings.ToLower(o.status), o.id, o.rule.Date, o.rule.Start, o.rule.End)})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func occupies(status string) bool {
	return status == pasched.ShiftPending || status == pasched.ShiftApproved
}

// sameHundredths compares a decimal read as text with hundredths.
func sameHundredths(dec string, h int64) bool {
	f, err := strconv.ParseFloat(dec, 64)
	if err != nil {
		return false
	}
	return int64(f*100+0.5) == h
}

// overtime flags the recomputed weeks over a PA's limit (approved in the
// seed, which never checked; pasched refuses them without an override).
func overtime(weeks []pasched.WeeklyHours) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, w := range weeks {
		key := fmt.Sprintf("%d/%s", w.PAID, w.WeekStart)
		if !w.ExceedsLimit || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Finding{Table: "weekly_coverage", ID: w.ID, Rule: RuleOvertime,
			Detail: fmt.Sprintf("PA %d works %s hours in the week of %s, over their max_hours_per_week", w.PAID, schedule.FormatHours(w.Hundredths), w.WeekStart)})
	}
	return out
}
