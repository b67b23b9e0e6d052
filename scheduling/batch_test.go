package scheduling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"pasched"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestBatchIsolatesChanges runs changes in one batch: those that fail —
// by error, by panic, or cancelled before their turn — leave no row, email
// or event, and the others commit with theirs.
func TestBatchIsolatesChanges(t *testing.T) {
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
				if err := b.svc.stage(ctx, tx, p.ID, 0, map[string]string{"name": name}, nil); err != nil {
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
		ops := []*writeOp{
			{ctx: b.ctx, fn: change("one", nil)},
			{ctx: b.ctx, fn: change("two", func() error { return boom })},
			{ctx: b.ctx, fn: change("three", func() error { panic("oops") })},
			{ctx: cancelled, fn: change("skipped", nil)},
			{ctx: b.ctx, fn: func(ctx context.Context, tx *wtx) error {
				// A failing statement: on PostgreSQL it aborts the
				// transaction until the savepoint is rolled back.
				_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
				return err
			}},
			{ctx: b.ctx, fn: change("four", nil)},
		}
		b.svc.runBatch(ops)
		if ops[0].err != nil || ops[5].err != nil {
			t.Fatalf("good changes failed: %v, %v", ops[0].err, ops[5].err)
		}
		if !errors.Is(ops[1].err, boom) || ops[2].err == nil || !strings.Contains(ops[2].err.Error(), "oops") ||
			!errors.Is(ops[3].err, context.Canceled) || ops[4].err == nil {
			t.Fatalf("failed changes answered %v / %v / %v / %v", ops[1].err, ops[2].err, ops[3].err, ops[4].err)
		}
		var names []string
		rows, err := b.db.QueryContext(b.ctx, `SELECT name FROM schedule_periods ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		rows.Close()
		if strings.Join(names, ",") != "one,four" {
			t.Fatalf("periods %v", names)
		}
		var evs []string
		for _, ev := range b.rec.take() {
			evs = append(evs, string(ev.Full))
		}
		if strings.Join(evs, ",") != `{"name":"one"},{"name":"four"}` {
			t.Fatalf("events %v", evs)
		}
		var subjects []string
		for _, j := range b.emailJobs() {
			subjects = append(subjects, j.Subject)
		}
		if strings.Join(subjects, ",") != "one,four" {
			t.Fatalf("emails %v", subjects)
		}
	})
}

// TestBatchUnderLoad sends many concurrent requests of one PA for
// overlapping and disjoint slots: exactly the disjoint ones and one of each
// overlapping group succeed, whatever batches they share.
func TestBatchUnderLoad(t *testing.T) {
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
