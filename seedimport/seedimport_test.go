package seedimport_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"pasched/accounts"
	"pasched/api"
	"pasched/jobs"
	"pasched/password"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/seedimport"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// The fixture: seed.sqlite3 is a database the seed itself made, driven
// through its API by testdata/drive_seed.py (make_fixture.sh), which also
// recorded the seed's answers (seed_answers.json) and the users' passwords
// (seed_users.json).
const fixture = "testdata/seed.sqlite3"

type seedAnswers struct {
	Me          map[string]json.RawMessage `json:"me"`
	Shifts      map[string]json.RawMessage `json:"shifts"`
	Periods     map[string]json.RawMessage `json:"periods"`
	ShiftNames  map[string]int64           `json:"shift_names"`
	PeriodNames map[string]int64           `json:"period_names"`
}

func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// target is a pasched deployment to import into, with its API.
type target struct {
	db    *sqlstore.DB
	sched *scheduling.Service
	http  *httptest.Server
}

// nopBroker drops events (an import stages none; the API's later changes
// in the test need somewhere to send theirs).
type nopBroker struct{}

func (nopBroker) Stage(context.Context, realtime.Tx, realtime.Event) error { return nil }
func (nopBroker) Run(ctx context.Context) error                            { <-ctx.Done(); return nil }

func newTarget(t *testing.T, d sqlstore.Dialect) *target {
	t.Helper()
	ctx := context.Background()
	db := sqltest.Open(t, d)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Close)
	acc := &accounts.Service{DB: db, Jobs: js.Client, Hasher: password.NewHasher(2), Signer: token.NewSigner("import-test"),
		FrontendURL: "http://frontend.test", UserCacheTTL: -1}
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(nopBroker{}), Windows: schedule.DefaultWindows(),
		Location: time.UTC, FrontendURL: "http://frontend.test"}
	srv := api.New(api.Deps{Accounts: acc, Scheduling: sched, DB: db,
		Config: api.Config{AllowedHosts: []string{"127.0.0.1"}}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &target{db: db, sched: sched, http: hs}
}

func (tg *target) call(t *testing.T, method, path, tok string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, tg.http.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (tg *target) login(t *testing.T, email, pw string) string {
	t.Helper()
	status, b := tg.call(t, "POST", "/api/auth/login/", "", map[string]string{"email": email, "password": pw})
	if status != 200 {
		t.Fatalf("%s cannot sign in with their seed password: %d %s", email, status, b)
	}
	var out struct {
		Tokens struct{ Access string } `json:"tokens"`
	}
	json.Unmarshal(b, &out)
	return out.Tokens.Access
}

// sources are the seed databases to import from: the fixture itself, and
// the same rows in a Django-made PostgreSQL schema when PostgreSQL is here.
func sources(t *testing.T) map[string]string {
	srcs := map[string]string{"sqlite": "sqlite:///" + fixture}
	if slices.Contains(sqltest.Dialects(), sqlstore.Postgres) {
		srcs["postgres"] = postgresSeed(t)
	}
	return srcs
}

// TestImportSeedDatabase imports the seed-made database from each source
// engine into each target engine and checks, through our API, that every
// user signs in with their old password and reads back as the seed showed
// them, that every shift and period reads back equal to the seed's answer,
// that profiles are kept, that coverage and weekly hours follow our rules,
// and that the report lists exactly the rows our rules reject.
func TestImportSeedDatabase(t *testing.T) {
	t.Parallel()
	var answers seedAnswers
	loadJSON(t, "seed_answers.json", &answers)
	var passwords map[string]string
	loadJSON(t, "seed_users.json", &passwords)
	srcs := sources(t)
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		for srcName, srcURL := range srcs {
			t.Run("from-"+srcName, func(t *testing.T) {
				ctx := context.Background()
				tg := newTarget(t, d)
				rep, err := seedimport.Import(ctx, srcURL, tg.sched, seedimport.Opts{})
				if err != nil {
					t.Fatal(err)
				}
				wantRows := map[string]int{"users": 5, "pa_profiles": 4, "pa_schedule_stats": 4, "schedule_periods": 3,
					"shift_requests": 18, "email_verification_tokens": 4, "password_reset_tokens": 0,
					"outstanding_tokens": 10, "blacklisted_tokens": 0}
				if !reflect.DeepEqual(rep.Rows, wantRows) {
					t.Errorf("rows imported = %v, want %v", rep.Rows, wantRows)
				}
				checkReport(t, rep, answers)

				// Every user signs in with the old password (and is
				// rehashed) and reads back as the seed showed them.
				tokens := map[string]string{}
				for email, pw := range passwords {
					tokens[email] = tg.login(t, email, pw)
					status, b := tg.call(t, "GET", "/api/auth/me/", tokens[email], nil)
					if status != 200 {
						t.Fatalf("me of %s: %d %s", email, status, b)
					}
					sameJSON(t, "me of "+email, b, answers.Me[email])
					var hash string
					if err := tg.db.QueryRowContext(ctx, `SELECT password FROM users WHERE email = $1`, email).Scan(&hash); err != nil {
						t.Fatal(err)
					}
					if !strings.HasPrefix(hash, "argon2$") {
						t.Errorf("%s's Django hash was not upgraded at sign-in: %.20s…", email, hash)
					}
					tg.login(t, email, pw) // and the new hash verifies
				}
				admin := tokens["admin@example.com"]
				for id, want := range answers.Shifts {
					status, b := tg.call(t, "GET", "/api/shifts/"+id+"/", admin, nil)
					if status != 200 {
						t.Fatalf("shift %s: %d %s", id, status, b)
					}
					sameJSON(t, "shift "+id, b, want)
				}
				for id, want := range answers.Periods {
					status, b := tg.call(t, "GET", "/api/schedule-periods/"+id+"/", admin, nil)
					if status != 200 {
						t.Fatalf("period %s: %d %s", id, status, b)
					}
					sameJSON(t, "period "+id, b, want)
				}
				compareProfiles(t, tg.db)
				checkRecomputed(t, tg.db, answers)

				// Ids continue after the imported ones.
				status, b := tg.call(t, "POST", "/api/schedule-periods/", admin,
					map[string]string{"name": "March 2027", "start_date": "2027-03-01", "end_date": "2027-03-31"})
				if status != 201 {
					t.Fatalf("new period: %d %s", status, b)
				}
				var created struct{ ID int64 }
				json.Unmarshal(b, &created)
				if created.ID != 4 {
					t.Errorf("new period id = %d, want 4 (after the seed's 3)", created.ID)
				}
				status, b = tg.call(t, "POST", "/api/shifts/", tokens["bea@example.com"],
					map[string]string{"schedule_period": "4", "date": "2027-03-02", "start_time": "06:00", "end_time": "09:00"})
				if status != 201 {
					t.Fatalf("new shift: %d %s", status, b)
				}
				json.Unmarshal(b, &created)
				if created.ID != 19 {
					t.Errorf("new shift id = %d, want 19 (after the seed's 18)", created.ID)
				}

				// A second import refuses the non-empty target and changes
				// nothing; --force replaces it.
				if _, err := seedimport.Import(ctx, srcURL, tg.sched, seedimport.Opts{}); !errors.Is(err, seedimport.ErrNotEmpty) {
					t.Fatalf("import into a non-empty target: %v, want ErrNotEmpty", err)
				}
				if n := count(t, tg.db, "schedule_periods"); n != 4 {
					t.Errorf("refused import changed the target: %d periods", n)
				}
				if _, err := seedimport.Import(ctx, srcURL, tg.sched, seedimport.Opts{Force: true}); err != nil {
					t.Fatalf("forced import: %v", err)
				}
				if n := count(t, tg.db, "schedule_periods"); n != 3 {
					t.Errorf("forced import left %d periods, want the seed's 3", n)
				}
				if n := count(t, tg.db, "shift_requests"); n != 18 {
					t.Errorf("forced import left %d shifts, want the seed's 18", n)
				}
			})
		}
	})
}

func count(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkReport: the rows our rules reject are listed, nothing else.
func checkReport(t *testing.T, rep *seedimport.Report, a seedAnswers) {
	t.Helper()
	type key struct {
		id   int64
		rule string
	}
	var got []key
	for _, f := range rep.Findings {
		if f.Table == "shift_requests" {
			got = append(got, key{f.ID, f.Rule})
			if f.Status != "APPROVED" {
				t.Errorf("finding %+v: status %q, the row's is APPROVED", f, f.Status)
			}
		}
	}
	want := []key{
		{a.ShiftNames["cal_double"], seedimport.RuleDoubleBooking}, // across midnight from bea_overnight
		{a.ShiftNames["dee_zero"], seedimport.RuleZeroLength},
		{a.ShiftNames["dee_late"], seedimport.RuleDoubleBooking}, // inside bea_late, on one date
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shift findings = %v, want %v\n%+v", got, want, rep.Findings)
	}
	var over []string
	for _, f := range rep.Findings {
		if f.Rule == seedimport.RuleOvertime {
			over = append(over, f.Detail)
		}
	}
	// Cal (limit 20) was approved 25 hours in the week of 2027-01-04.
	if len(over) != 1 || !strings.Contains(over[0], "PA 3 works 25.00 hours in the week of 2027-01-04") {
		t.Errorf("overtime findings = %q", over)
	}
}

// checkRecomputed: coverage and weekly hours follow our rules, not the
// seed's rows.
func checkRecomputed(t *testing.T, db *sqlstore.DB, a seedAnswers) {
	t.Helper()
	ctx := context.Background()
	d := func(s string) schedule.Date {
		v, err := schedule.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cov, err := sqlstore.FindCoverage(ctx, db, []schedule.Date{d("2027-01-05"), d("2027-01-08"), d("2027-01-09")})
	if err != nil {
		t.Fatal(err)
	}
	covered := func(date string, window int) bool {
		c, ok := cov[d(date)]
		return ok && c.Windows[window].Covered
	}
	// 2027-01-05: 06:00–14:00 and 14:00–22:00 cover both windows.
	if !covered("2027-01-05", 0) || !covered("2027-01-05", 1) {
		t.Errorf("2027-01-05 coverage = %+v, want both windows", cov[d("2027-01-05")])
	}
	// 2027-01-08 morning: Bea's 21:00–09:00 from the 7th covers it (the
	// seed's row says uncovered: it never saw overnight shifts).
	if !covered("2027-01-08", 0) {
		t.Errorf("2027-01-08 morning not covered by the overnight shift: %+v", cov[d("2027-01-08")])
	}
	// The zero-length shift of 2027-01-09 covers nothing.
	if covered("2027-01-09", 0) || covered("2027-01-09", 1) {
		t.Errorf("2027-01-09 covered by a zero-length shift: %+v", cov[d("2027-01-09")])
	}
	weeks, err := sqlstore.FindWeeklyHours(ctx, db, []int64{2, 3, 4}, []schedule.Date{d("2027-01-04"), d("2027-01-11")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, w := range weeks {
		got[fmt.Sprintf("%s/%d", w.WeekStart, w.PAID)] = w.Hundredths
		if w.ExceedsLimit != (w.PAID == 3 && w.WeekStart == d("2027-01-04")) {
			t.Errorf("exceeds_limit wrong: %+v", w)
		}
	}
	// Week of the 4th: Bea 8 + 12 (21:00–09:00); Cal 8 + 8 + 1 + 8 = 25
	// over a 20-hour limit; Dee only the zero-length shift, which counts
	// nothing (no row). Week of the 11th: Bea 22:00–02:00, Dee 23:00–01:00.
	want := map[string]int64{"2027-01-04/2": 2000, "2027-01-04/3": 2500, "2027-01-11/2": 400, "2027-01-11/4": 200}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("weekly hundredths = %v, want %v", got, want)
	}
}

// compareProfiles: PA profiles and schedule stats are kept, field by field
// (the seed has no API for them: its admin edits them in Django admin).
func compareProfiles(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	seed, err := sql.Open("sqlite", "file:"+fixture+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer seed.Close()
	const profiles = `SELECT user_id, CAST(preferred_start_time AS TEXT), CAST(preferred_end_time AS TEXT),
		CAST(preferred_days AS TEXT), max_hours_per_week, notes, CAST(created_at AS TEXT), CAST(updated_at AS TEXT)
		FROM pa_profiles ORDER BY id`
	const stats = `SELECT pa_id, total_shifts_worked, CAST(total_hours_worked AS TEXT), CAST(reliability_score AS TEXT),
		CAST(most_common_days AS TEXT), preferred_shift_pattern, CAST(last_calculated AS TEXT) FROM pa_schedule_stats ORDER BY id`
	for _, q := range []string{profiles, stats} {
		sr, err := seed.QueryContext(ctx, q)
		want := readRows(t, sr, err)
		or, err := db.QueryContext(ctx, q)
		got := readRows(t, or, err)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", q, got, want)
		}
	}
}

// readRows reads every row as normalised text: times of day to
// HH:MM:SS, timestamps to UTC instants, JSON to its compact form, numbers
// to their value.
func readRows(t *testing.T, rows *sql.Rows, err error) [][]string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		raw := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range raw {
			row[i] = normalise(v)
		}
		out = append(out, row)
	}
	return out
}

func normalise(v sql.NullString) string {
	if !v.Valid {
		return "NULL"
	}
	s := v.String
	var j any
	if (strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{")) && json.Unmarshal([]byte(s), &j) == nil {
		b, _ := json.Marshal(j)
		return string(b)
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999", time.RFC3339Nano, "2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00"} {
		if ts, err := time.Parse(layout, s); err == nil {
			return ts.UTC().Format(time.RFC3339Nano)
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// sameJSON compares two JSON documents as values.
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s differs from the seed's answer\n ours: %s\n seed: %s", what, got, want)
	}
}

// postgresSeed builds the seed's PostgreSQL schema as Django's migrate made
// it (testdata/seed_postgres.sql) in a schema of its own, copies the
// fixture's rows into it, and returns its URL.
func postgresSeed(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	u := sqltest.PostgresSchemaURL(t)
	pg, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	pg.SetMaxOpenConns(1) // one session: the search_path of the URL
	ddl, err := os.ReadFile("testdata/seed_postgres.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.ExecContext(ctx, string(ddl)); err != nil {
		t.Fatalf("seed schema: %v", err)
	}
	src, err := sql.Open("sqlite", "file:"+fixture+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// Parents before children (the schema's foreign keys are checked).
	for _, table := range []string{"users", "pa_profiles", "pa_schedule_stats", "email_verification_tokens",
		"password_reset_tokens", "token_blacklist_outstandingtoken", "token_blacklist_blacklistedtoken",
		"schedule_periods", "shift_requests", "critical_time_coverage", "weekly_coverage"} {
		copyTable(t, ctx, src, pg, table)
	}
	return u
}

// copyTable copies a table's rows from the SQLite fixture into the
// PostgreSQL schema, each value cast from its SQLite text to the column's
// PostgreSQL type.
func copyTable(t *testing.T, ctx context.Context, src, pg *sql.DB, table string) {
	t.Helper()
	types := map[string]string{}
	rows, err := pg.QueryContext(ctx, `SELECT column_name, udt_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, typ string
		rows.Scan(&c, &typ)
		types[c] = typ
	}
	rows.Close()
	data, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	cols, _ := data.Columns()
	marks := make([]string, len(cols))
	for i, c := range cols {
		typ, ok := types[c]
		if !ok {
			t.Fatalf("%s.%s: not in the seed's PostgreSQL schema", table, c)
		}
		marks[i] = fmt.Sprintf("CAST($%d::text AS %s)", i+1, typ)
	}
	insert := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	for data.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := data.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		args := make([]any, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
			case time.Time: // the driver's reading of a "datetime" column
				args[i] = v.UTC().Format("2006-01-02 15:04:05.999999-07:00")
			case []byte:
				args[i] = string(v)
			case string:
				args[i] = v
				if types[cols[i]] == "timestamptz" {
					args[i] = v + "+00" // Django keeps UTC, naive, on SQLite
				}
			default:
				args[i] = fmt.Sprint(v)
			}
		}
		if _, err := pg.ExecContext(ctx, insert, args...); err != nil {
			t.Fatalf("copy %s: %v", table, err)
		}
	}
	// Django's sequences continue after the copied ids, as in a real seed.
	if _, err := pg.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), GREATEST(COALESCE(MAX(id), 1), 1)) FROM `+table); err != nil {
		t.Fatal(err)
	}
}
