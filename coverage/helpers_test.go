package coverage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/realtime"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// recorder is a realtime.Broker that keeps the events of committed changes.
type recorder struct {
	mu     sync.Mutex
	events []realtime.Event
}

func (r *recorder) Stage(_ context.Context, tx realtime.Tx, ev realtime.Event) error {
	tx.AfterCommit(func() {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	return nil
}

func (r *recorder) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (r *recorder) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		var m struct{ Type string }
		json.Unmarshal(ev.Full, &m)
		out = append(out, m.Type)
	}
	return out
}

// bundle is the coverage service over a fresh database with a clock the
// test moves. The shared clock also stamps the store's transactions.
type bundle struct {
	t     testing.TB
	ctx   context.Context
	db    *sqlstore.DB
	svc   *Service
	sched *scheduling.Service
	rec   *recorder
	admin *pasched.User
	mu    sync.Mutex
	now   time.Time
	n     int
}

var london = mustLoc("Europe/London")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// start is Monday 4 March 2030, 05:00 in London (GMT).
var start = time.Date(2030, 3, 4, 5, 0, 0, 0, time.UTC)

func setup(t testing.TB, d sqlstore.Dialect) *bundle {
	t.Helper()
	ctx := context.Background()
	db := sqltest.Open(t, d)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Close)
	b := &bundle{t: t, ctx: ctx, db: db, rec: &recorder{}, now: start}
	db.Now = b.clock
	b.sched = &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(b.rec), Windows: schedule.DefaultWindows(),
		Location: london, FrontendURL: "http://frontend.test"}
	b.svc = &Service{DB: db, Jobs: js.Client, Scheduling: b.sched, Windows: schedule.DefaultWindows(), Location: london,
		FrontendURL: "http://frontend.test", Now: b.clock, Logger: slog.New(slog.DiscardHandler)}
	b.admin = b.user(pasched.RoleAdmin, "Ada")
	return b
}

func (b *bundle) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

func (b *bundle) setNow(t time.Time) {
	b.mu.Lock()
	b.now = t
	b.mu.Unlock()
}

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

func (b *bundle) exec(q string, args ...any) {
	b.t.Helper()
	if err := b.db.WriteTx(b.ctx, func(tx *sqlstore.Tx) error { _, err := tx.ExecContext(b.ctx, q, args...); return err }); err != nil {
		b.t.Fatal(err)
	}
}

func (b *bundle) period(from, to string) *pasched.Period {
	b.t.Helper()
	name := "P " + from
	s, e := date(from), date(to)
	p, err := b.sched.CreatePeriod(b.ctx, b.admin, scheduling.PeriodInput{Name: &name, StartDate: &s, EndDate: &e})
	if err != nil {
		b.t.Fatal(err)
	}
	return p
}

// approved gives pa an approved shift (an admin's direct creation).
func (b *bundle) approved(pa *pasched.User, p *pasched.Period, d, start, end string) *pasched.Shift {
	b.t.Helper()
	sh := b.request(pa, p, d, start, end)
	out, err := b.sched.ApproveShift(b.ctx, b.admin, sh.ID, scheduling.ApproveInput{})
	if err != nil {
		b.t.Fatalf("approve %s %s-%s: %v", d, start, end, err)
	}
	return out
}

func (b *bundle) request(pa *pasched.User, p *pasched.Period, d, start, end string) *pasched.Shift {
	b.t.Helper()
	dd, s, e := date(d), clock(start), clock(end)
	sh, err := b.sched.CreateShift(b.ctx, pa, scheduling.ShiftInput{PeriodID: &p.ID, Date: &dd, Start: &s, End: &e})
	if err != nil {
		b.t.Fatalf("request %s %s-%s: %v", d, start, end, err)
	}
	return sh
}

// emails returns the email jobs River holds, oldest first.
func (b *bundle) emails() []jobs.EmailArgs {
	b.t.Helper()
	q := `SELECT args::text FROM river_job WHERE kind = 'email' ORDER BY id`
	if b.db.Dialect == sqlstore.SQLite {
		q = `SELECT json(args) FROM river_job WHERE kind = 'email' ORDER BY id`
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

func (b *bundle) count(q string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.db.QueryRowContext(b.ctx, q, args...).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
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

// emailsOf returns the email jobs whose event starts with prefix.
func (b *bundle) emailsOf(prefix string) []jobs.EmailArgs {
	var out []jobs.EmailArgs
	for _, e := range b.emails() {
		if strings.HasPrefix(e.Event, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// twin is a second service over its own connection pools to the same
// database, as another instance would have: its changes do not share the
// first one's group commit.
func (b *bundle) twin() *Service {
	b.t.Helper()
	dbURL := b.db.DSN
	if b.db.Dialect == sqlstore.SQLite {
		path, _, _ := strings.Cut(strings.TrimPrefix(dbURL, "file:"), "?")
		dbURL = "sqlite:///" + path // an absolute path: sqlite:////tmp/…
	}
	db, err := sqlstore.Open(b.ctx, dbURL)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { db.Close() })
	db.Now = b.clock
	js, err := jobs.New(b.ctx, jobs.Opts{DB: db})
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(js.Close)
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Events: realtime.NewPublisher(b.rec), Windows: schedule.DefaultWindows(),
		Location: london, FrontendURL: "http://frontend.test"}
	return &Service{DB: db, Jobs: js.Client, Scheduling: sched, Windows: schedule.DefaultWindows(), Location: london,
		FrontendURL: "http://frontend.test", Now: b.clock, Logger: slog.New(slog.DiscardHandler)}
}
