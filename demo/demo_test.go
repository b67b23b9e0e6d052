package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/api"
	"pasched/demo"
	"pasched/jobs"
	"pasched/password"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

type nopBroker struct{}

func (nopBroker) Stage(context.Context, realtime.Tx, realtime.Event) error { return nil }
func (nopBroker) Run(ctx context.Context) error                            { <-ctx.Done(); return nil }

type bundle struct {
	db   *sqlstore.DB
	deps demo.Deps
	http *httptest.Server
}

func setup(t *testing.T, d sqlstore.Dialect) *bundle {
	t.Helper()
	ctx := context.Background()
	db := sqltest.Open(t, d)
	js, err := jobs.New(ctx, jobs.Opts{DB: db, FrontendURL: "http://frontend.test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Close)
	acc := &accounts.Service{DB: db, Jobs: js.Client, Hasher: password.NewHasher(2), Signer: token.NewSigner("demo-test"),
		FrontendURL: "http://frontend.test", UserCacheTTL: -1}
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(nopBroker{}), Windows: schedule.DefaultWindows(),
		Location: time.UTC, FrontendURL: "http://frontend.test"}
	srv := api.New(api.Deps{Accounts: acc, Scheduling: sched, DB: db, Config: api.Config{AllowedHosts: []string{"127.0.0.1"}}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &bundle{db: db, deps: demo.Deps{Accounts: acc, Scheduling: sched, Jobs: js.Client}, http: hs}
}

func (b *bundle) call(t *testing.T, method, path, tok string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.http.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
		}
	}
	return res.StatusCode
}

var (
	start = schedule.MustDate(2027, time.January, 1)
	today = schedule.MustDate(2027, time.February, 10)
)

// TestDemo fills a database, then signs in as the printed accounts through
// the API and finds the household: statuses of every kind, overnight
// shifts, the overtime, and the gaps in the month views.
func TestDemo(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx := context.Background()
		b := setup(t, d)
		res, err := demo.Fill(ctx, b.deps, demo.Opts{Seed: 7, Start: start, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.PAs) != 6 || len(res.Periods) != 3 {
			t.Fatalf("%d PAs, %d periods", len(res.PAs), len(res.Periods))
		}
		limits := map[int]bool{}
		for _, p := range res.PAs {
			limits[p.MaxHoursPerWeek] = true
		}
		if len(limits) < 4 {
			t.Errorf("PAs' limits are not varied: %v", limits)
		}
		for _, st := range []string{pasched.ShiftApproved, pasched.ShiftPending, pasched.ShiftRejected, pasched.ShiftCancelled} {
			if res.Shifts[st] == 0 {
				t.Errorf("no %s shift: %v", st, res.Shifts)
			}
		}
		if res.Overnight == 0 || res.Overtime == "" || len(res.Gaps) < 3 {
			t.Errorf("overnight %d, overtime %q, gaps %v", res.Overnight, res.Overtime, res.Gaps)
		}
		if res.Periods[0].Status != pasched.PeriodFinalized {
			t.Errorf("first period %s, want FINALIZED", res.Periods[0].Status)
		}
		// The counts are the database's.
		var n int
		if err := b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM shift_requests`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range res.Shifts {
			total += c
		}
		if n != total {
			t.Errorf("%d shifts stored, result counts %d", n, total)
		}
		// No email of the demo is left to send.
		var queued int
		if err := b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'email' AND state IN ('available', 'scheduled', 'retryable', 'pending')`).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued != 0 || res.EmailsDiscarded == 0 {
			t.Errorf("%d email jobs left queued (%d discarded)", queued, res.EmailsDiscarded)
		}
		// Exactly one week over a limit: the overtime the admin approved.
		weeks, err := sqlstore.FindAllWeeklyHours(ctx, b.db)
		if err != nil {
			t.Fatal(err)
		}
		over := 0
		for _, w := range weeks {
			if w.ExceedsLimit {
				over++
			}
		}
		if over != 1 {
			t.Errorf("%d weekly rows over the limit, want the one overtime", over)
		}

		// The README's sign-in.
		var login struct {
			Tokens struct{ Access string }
		}
		if s := b.call(t, "POST", "/api/auth/login/", "", map[string]string{"email": demo.AdminEmail, "password": demo.AdminPassword}, &login); s != 200 {
			t.Fatalf("admin sign-in: %d", s)
		}
		var pa struct {
			Tokens struct{ Access string }
		}
		if s := b.call(t, "POST", "/api/auth/login/", "", map[string]string{"email": res.PAs[0].Email, "password": demo.PAPassword}, &pa); s != 200 {
			t.Fatalf("PA sign-in: %d", s)
		}
		// The month views show the gaps, and only those dates are
		// uncovered among the demo's months (a Saturday morning is the
		// Friday night's).
		uncovered := map[schedule.Date]bool{}
		for _, first := range []schedule.Date{start, schedule.MustDate(2027, 2, 1), schedule.MustDate(2027, 3, 1)} {
			var month struct {
				Weeks []struct {
					Days []struct {
						Date           string
						IsCurrentMonth bool `json:"is_current_month"`
						Coverage       struct{ Status string }
					}
				}
			}
			path := fmt.Sprintf("/api/calendar/month/%d/%d/", first.Year(), int(first.Month()))
			if s := b.call(t, "GET", path, login.Tokens.Access, nil, &month); s != 200 {
				t.Fatalf("%s: %d", path, s)
			}
			for _, w := range month.Weeks {
				for _, day := range w.Days {
					if day.IsCurrentMonth && day.Coverage.Status != "complete" {
						dd, _ := schedule.ParseDate(day.Date)
						uncovered[dd] = true
					}
				}
			}
		}
		// Every gap shows; the first month, all decided and finalised,
		// is covered everywhere else.
		for _, g := range res.Gaps {
			if !uncovered[g] {
				t.Errorf("month view: gap %s shows as covered", g)
			}
		}
		for dd := range uncovered {
			if dd.Month() == time.January && !slices.Contains(res.Gaps, dd) {
				t.Errorf("month view: %s of the finalised month uncovered, not one of the gaps %v", dd, res.Gaps)
			}
		}

		// A second run refuses the filled database.
		if _, err := demo.Fill(ctx, b.deps, demo.Opts{Seed: 7, Start: start, Today: today}); !errors.Is(err, demo.ErrNotEmpty) {
			t.Errorf("second fill: %v, want ErrNotEmpty", err)
		}
	})
}

// TestDemoDeterministic: the same seed gives the same rota; another seed
// another one.
func TestDemoDeterministic(t *testing.T) {
	t.Parallel()
	rota := func(seed int64) []string {
		b := setup(t, sqlstore.SQLite)
		if _, err := demo.Fill(context.Background(), b.deps, demo.Opts{Seed: seed, Start: start, Today: today}); err != nil {
			t.Fatal(err)
		}
		rows, err := b.db.QueryContext(context.Background(), `SELECT id, requested_by_id, date, start_time, end_time, status FROM shift_requests ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, pa int64
			var date, st, en, status string
			if err := rows.Scan(&id, &pa, &date, &st, &en, &status); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(id, pa, date, st, en, status))
		}
		return out
	}
	a, b := rota(3), rota(3)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed made two different rotas")
	}
	if reflect.DeepEqual(a, rota(4)) {
		t.Error("seeds 3 and 4 made the same rota")
	}
}
