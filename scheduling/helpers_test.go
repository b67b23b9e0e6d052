package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// recorder is a realtime.Broker that records events when their
// transaction commits. failAt, when set, makes the n-th Stage call fail
// (1-based), after the earlier ones were staged.
type recorder struct {
	mu     sync.Mutex
	events []realtime.Event
	calls  int
	failAt int
}

var errStage = errors.New("stage failed on purpose")

func (r *recorder) Stage(_ context.Context, tx realtime.Tx, ev realtime.Event) error {
	r.mu.Lock()
	r.calls++
	fail := r.failAt != 0 && r.calls == r.failAt
	r.mu.Unlock()
	if fail {
		return errStage
	}
	tx.AfterCommit(func() {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	return nil
}

func (r *recorder) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (r *recorder) take() []realtime.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// bundle is a service over a fresh database.
type bundle struct {
	t   testing.TB
	ctx context.Context
	db  *sqlstore.DB
	svc *Service
	rec *recorder
	n   int // users made
}

func setup(t testing.TB, d sqlstore.Dialect) *bundle {
	t.Helper()
	ctx := context.Background()
	db := sqltest.Open(t, d)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Close)
	rec := &recorder{}
	svc := &Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(rec), Windows: schedule.DefaultWindows(), Location: time.UTC,
		FrontendURL: "http://frontend.test"}
	return &bundle{t: t, ctx: ctx, db: db, svc: svc, rec: rec}
}

// user inserts a user of role (the password is never used here).
func (b *bundle) user(role, first string) *pasched.User {
	b.t.Helper()
	b.n++
	var u *pasched.User
	err := b.db.WriteTx(b.ctx, func(tx *sqlstore.Tx) error {
		var err error
		u, err = sqlstore.CreateUser(b.ctx, tx, pasched.NewUser{Email: fmt.Sprintf("u%d@example.com", b.n),
			Username: fmt.Sprintf("u%d", b.n), FirstName: first, LastName: "Test", PhoneNumber: "555", Role: role, PasswordHash: "x"})
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// setMaxHours sets a PA's weekly limit.
func (b *bundle) setMaxHours(pa *pasched.User, h int) {
	b.t.Helper()
	err := b.db.WriteTx(b.ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(b.ctx, `UPDATE pa_profiles SET max_hours_per_week = $1 WHERE user_id = $2`, h, pa.ID)
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
}

func (b *bundle) period(admin *pasched.User, name, start, end string) *pasched.Period {
	b.t.Helper()
	s, e := date(start), date(end)
	p, err := b.svc.CreatePeriod(b.ctx, admin, PeriodInput{Name: &name, StartDate: &s, EndDate: &e})
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

func input(period int64, d, start, end string) ShiftInput {
	dd, s, e := date(d), clock(start), clock(end)
	return ShiftInput{PeriodID: &period, Date: &dd, Start: &s, End: &e}
}

func (b *bundle) request(u *pasched.User, period int64, d, start, end string) *pasched.Shift {
	b.t.Helper()
	sh, err := b.svc.CreateShift(b.ctx, u, input(period, d, start, end))
	if err != nil {
		b.t.Fatalf("request %s %s-%s: %v", d, start, end, err)
	}
	return sh
}

// emailJobs returns the email jobs River holds, oldest first.
func (b *bundle) emailJobs() []jobs.EmailArgs {
	b.t.Helper()
	q := `SELECT args::text FROM river_job WHERE kind = 'email' ORDER BY id`
	if b.db.Dialect == sqlstore.SQLite {
		q = `SELECT json(args) FROM river_job WHERE kind = 'email' ORDER BY id` // riversqlite stores JSONB
	}
	rows, err := b.db.QueryContext(b.ctx, q)
	if err != nil {
		b.t.Fatal(err)
	}
	defer rows.Close()
	var out []jobs.EmailArgs
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			b.t.Fatal(err)
		}
		var a jobs.EmailArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			b.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func date(s string) schedule.Date {
	d, err := schedule.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func clock(s string) schedule.TimeOfDay {
	t, err := schedule.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return pasched.ErrorCode(err)
}

// exec runs a statement in its own transaction.
func (b *bundle) exec(q string, args ...any) {
	b.t.Helper()
	err := b.db.WriteTx(b.ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(b.ctx, q, args...)
		return err
	})
	if err != nil {
		b.t.Fatal(err)
	}
}
