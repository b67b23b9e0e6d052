package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestWriteIsolatesChanges runs changes concurrently: those that fail —
// by error, by panic, by a failing statement, or cancelled before they run
// — leave no row, email or event and never fail another; the others commit
// with theirs; and after a panic the writer is free (WriteTx rolled the
// transaction back: on SQLite its one connection would otherwise be held
// for ever).
func TestWriteIsolatesChanges(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		boom := errors.New("boom")
		change := func(name string, fail func() error) func(context.Context, *wtx) error {
			return func(ctx context.Context, tx *wtx) error {
				p := &pasched.Period{Name: name, StartDate: date("2030-01-01"), EndDate: date("2030-01-02"), Status: pasched.PeriodOpen, CreatedByID: admin.ID}
				if err := sqlstore.CreatePeriod(ctx, tx.Tx, p); err != nil {
					return err
				}
				if err := b.svc.stage(ctx, tx, pasched.Event{Kind: pasched.EventPeriodFinalized, PeriodID: p.ID, Period: p, Message: name}); err != nil {
					return err
				}
				m := mail.Message{To: []string{name + "@example.com"}, Subject: name, Text: name}
				if err := b.svc.enqueue(ctx, tx, m, name); err != nil {
					return err
				}
				if fail != nil {
					return fail()
				}
				return nil
			}
		}
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		type op struct {
			ctx context.Context
			fn  func(context.Context, *wtx) error
		}
		ops := []op{
			{b.ctx, change("one", nil)},
			{b.ctx, change("two", func() error { return boom })},
			{b.ctx, change("three", func() error { panic("oops") })},
			{cancelled, change("skipped", nil)},
			{b.ctx, func(ctx context.Context, tx *wtx) error {
				// A failing statement: on PostgreSQL it aborts the
				// transaction.
				_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
				return err
			}},
			{b.ctx, change("four", nil)},
		}
		errs := make([]error, len(ops))
		var wg sync.WaitGroup
		for i, o := range ops {
			wg.Go(func() {
				defer func() {
					if p := recover(); p != nil {
						errs[i] = fmt.Errorf("panic: %v", p)
					}
				}()
				errs[i] = b.svc.write(o.ctx, o.fn)
			})
		}
		wg.Wait()
		if errs[0] != nil || errs[5] != nil {
			t.Fatalf("good changes failed: %v, %v", errs[0], errs[5])
		}
		if !errors.Is(errs[1], boom) || errs[2] == nil || !strings.Contains(errs[2].Error(), "oops") ||
			!errors.Is(errs[3], context.Canceled) || errs[4] == nil {
			t.Fatalf("failed changes answered %v / %v / %v / %v", errs[1], errs[2], errs[3], errs[4])
		}
		// The writer is free after the panic: one more change commits.
		if err := b.svc.write(b.ctx, change("five", nil)); err != nil {
			t.Fatalf("change after a panic: %v", err)
		}
		var names []string
		rows, err := b.db.QueryContext(b.ctx, `SELECT name FROM schedule_periods ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		if strings.Join(names, ",") != "five,four,one" {
			t.Fatalf("periods %v", names)
		}
		var evs []string
		for _, ev := range b.rec.take() {
			var m struct{ Message string }
			if err := json.Unmarshal(ev.Full, &m); err != nil {
				t.Fatal(err)
			}
			evs = append(evs, m.Message)
		}
		slices.Sort(evs)
		if strings.Join(evs, ",") != "five,four,one" {
			t.Fatalf("events %v", evs)
		}
		var subjects []string
		for _, j := range b.emailJobs() {
			subjects = append(subjects, j.Subject)
		}
		slices.Sort(subjects)
		if strings.Join(subjects, ",") != "five,four,one" {
			t.Fatalf("emails %v", subjects)
		}
	})
}

// TestWriteFailingEmailInsert has a change whose email job cannot be
// inserted (a trigger on River's table refuses it): that change fails and
// leaves nothing, and a change that runs at the same time commits.
func TestWriteFailingEmailInsert(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		pa := b.user(pasched.RolePA, "Pat")
		failing := b.user(pasched.RolePA, "Failing")
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		// The new-request email names its PA.
		if d == sqlstore.SQLite {
			b.exec(`CREATE TRIGGER reject_job BEFORE INSERT ON river_job WHEN CAST(NEW.args AS TEXT) LIKE '%Failing%'
				BEGIN SELECT RAISE(ABORT, 'job rejected'); END`)
		} else {
			b.exec(`CREATE FUNCTION reject_job() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.args::text LIKE '%Failing%' THEN RAISE EXCEPTION 'job rejected'; END IF; RETURN NEW; END $$`)
			b.exec(`CREATE TRIGGER reject_job BEFORE INSERT ON river_job FOR EACH ROW EXECUTE FUNCTION reject_job()`)
		}
		var wg sync.WaitGroup
		var okErr, badErr error
		wg.Go(func() {
			_, okErr = b.svc.CreateShift(b.ctx, pa, input(p.ID, "2030-03-03", "08:00", "12:00"))
		})
		wg.Go(func() {
			_, badErr = b.svc.CreateShift(b.ctx, failing, input(p.ID, "2030-03-03", "08:00", "12:00"))
		})
		wg.Wait()
		if okErr != nil {
			t.Fatalf("the good change failed: %v", okErr)
		}
		if badErr == nil || !strings.Contains(badErr.Error(), "enqueue") {
			t.Fatalf("the change whose email could not be inserted answered %v", badErr)
		}
		var owners []int64
		rows, err := b.db.QueryContext(b.ctx, `SELECT requested_by_id FROM shift_requests`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			owners = append(owners, id)
		}
		rows.Close()
		if len(owners) != 1 || owners[0] != pa.ID {
			t.Fatalf("shifts of %v, want only the good change's (%d)", owners, pa.ID)
		}
		if n := len(b.emailJobs()); n != 1 {
			t.Fatalf("%d email jobs, want 1", n)
		}
	})
}

// TestWritesUnderLoad sends many concurrent requests of one PA for
// overlapping and disjoint slots: exactly the disjoint ones and one of each
// overlapping group succeed.
func TestWritesUnderLoad(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		pa := b.user(pasched.RolePA, "Pat")
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins = map[int]int{}
		)
		for day := 1; day <= 20; day++ {
			for k := range 5 {
				wg.Go(func() {
					// Five overlapping requests per day.
					_, err := b.svc.CreateShift(b.ctx, pa, input(p.ID, fmt.Sprintf("2030-03-%02d", day), fmt.Sprintf("%02d:00", 8+k), "14:00"))
					if err != nil && code(err) != pasched.EINVALID {
						t.Error(err)
					}
					if err == nil {
						mu.Lock()
						wins[day]++
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		for day := 1; day <= 20; day++ {
			if wins[day] != 1 {
				t.Fatalf("day %d: %d requests succeeded", day, wins[day])
			}
		}
		if n := len(b.emailJobs()); n != 20 {
			t.Fatalf("%d emails for 20 requests", n)
		}
		if n := len(b.rec.take()); n != 20 {
			t.Fatalf("%d events for 20 requests", n)
		}
	})
}

// TestLocksLetOtherPAsThrough (PostgreSQL): while a change holds a PA's
// locks for a date, a change of another PA a week away commits at once;
// changes of the same PA, or of anyone on a neighbouring date, commit once
// the locks are released.
func TestLocksLetOtherPAsThrough(t *testing.T) {
	t.Parallel()
	b := setup(t, sqlstore.Postgres)
	admin := b.user(pasched.RoleAdmin, "Ada")
	ann, bo := b.user(pasched.RolePA, "Ann"), b.user(pasched.RolePA, "Bo")
	p := b.period(admin, "March", "2030-03-01", "2030-03-31")
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	held, release, holder := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		holder <- b.svc.write(ctx, func(ctx context.Context, tx *wtx) error {
			if err := tx.lock(ctx, ann.ID, date("2030-03-10")); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	if _, err := b.svc.CreateShift(ctx, bo, input(p.ID, "2030-03-17", "08:00", "12:00")); err != nil {
		t.Fatalf("another PA a week away: %v (it must not wait for the held locks)", err)
	}
	waiters := make(chan error, 2)
	go func() { // the same PA, another date
		_, err := b.svc.CreateShift(ctx, ann, input(p.ID, "2030-03-24", "08:00", "12:00"))
		waiters <- err
	}()
	go func() { // another PA, the next date
		_, err := b.svc.CreateShift(ctx, bo, input(p.ID, "2030-03-11", "08:00", "12:00"))
		waiters <- err
	}()
	close(release)
	if err := <-holder; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-waiters; err != nil {
			t.Fatalf("a waiting change, once the locks were released: %v", err)
		}
	}
}
