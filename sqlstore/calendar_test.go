package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// calendarDB is a database with two PAs, a period and helpers to write
// shifts.
type calendarDB struct {
	t       *testing.T
	db      *sqlstore.DB
	ann, bo *pasched.User
}

func newCalendarDB(t *testing.T, d sqlstore.Dialect) *calendarDB {
	t.Helper()
	ctx := context.Background()
	c := &calendarDB{t: t, db: sqltest.Open(t, d)}
	c.exec(func(tx *sqlstore.Tx) error {
		var err error
		mk := func(email, first, last, role string) *pasched.User {
			if err != nil {
				return nil
			}
			var u *pasched.User
			u, err = sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: email, Username: email[:3], FirstName: first,
				LastName: last, PhoneNumber: "1", Role: role, PasswordHash: "x"})
			return u
		}
		admin := mk("adm@example.com", "Ada", "Admin", pasched.RoleAdmin)
		c.ann = mk("ann@example.com", "Ann", " Lee ", pasched.RolePA)
		c.bo = mk("bo_@example.com", "Bo", "", pasched.RolePA)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO schedule_periods (name, start_date, end_date, status, created_by_id,
			created_at, updated_at) VALUES ('P', '2030-01-01', '2030-12-31', 'OPEN', $1, $2, $2)`, admin.ID, stamp())
		return err
	})
	return c
}

func stamp() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z") }

func (c *calendarDB) exec(fn func(tx *sqlstore.Tx) error) {
	c.t.Helper()
	if err := c.db.WriteTx(context.Background(), fn); err != nil {
		c.t.Fatal(err)
	}
}

func (c *calendarDB) sql(q string, args ...any) {
	c.t.Helper()
	c.exec(func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
}

func (c *calendarDB) shift(pa *pasched.User, date, start, end, dur, status, notes string) int64 {
	c.t.Helper()
	var id int64
	c.exec(func(tx *sqlstore.Tx) error {
		return tx.QueryRowContext(context.Background(), `INSERT INTO shift_requests (schedule_period_id,
			requested_by_id, date, start_time, end_time, duration_hours, status, notes, admin_notes, rejected_reason,
			created_at, updated_at) VALUES (1, $1, $2, $3, $4, $5, $6, $7, '', '', $8, $8) RETURNING id`,
			pa.ID, date, start, end, dur, status, notes, stamp()).Scan(&id)
	})
	return id
}

var (
	mar1  = schedule.MustDate(2030, time.March, 1)
	mar31 = schedule.MustDate(2030, time.March, 31)
)

func TestFindCalendarShifts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		late := c.shift(c.ann, "2030-03-02", "21:00:00", "09:00:00", "12.00", "APPROVED", "night")
		early := c.shift(c.bo, "2030-03-02", "06:00:00.500000", "07:15:00", "1.25", "APPROVED", "")
		c.shift(c.bo, "2030-03-03", "06:00:00", "09:00:00", "3.00", "PENDING", "")
		c.shift(c.bo, "2030-02-28", "06:00:00", "09:00:00", "3.00", "APPROVED", "outside")
		odd := c.shift(c.bo, "2030-03-31", "10:00:00", "10:50:00", "0.83", "APPROVED", "")
		st, _, err := sqlstore.StampCalendar(ctx, c.db, mar1, mar31, 0)
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := sqlstore.FindCalendarShifts(ctx, c.db, mar1, mar31, st)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			fmt.Sprintf("%d %d Bo 2030-03-02 06:00:00.500000-07:15:00 125 ", early, c.bo.ID),
			fmt.Sprintf("%d %d Ann  Lee 2030-03-02 21:00:00-09:00:00 1200 night", late, c.ann.ID),
			fmt.Sprintf("%d %d Bo 2030-03-31 10:00:00-10:50:00 83 ", odd, c.bo.ID),
		}
		if len(rows) != len(want) {
			t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
		}
		for i, r := range rows {
			got := fmt.Sprintf("%d %d %s %s %s-%s %d %s", r.ID, r.PAID, r.PAName, r.Date, r.Start, r.End, r.Duration, r.Notes)
			if got != want[i] {
				t.Errorf("row %d: %q, want %q", i, got, want[i])
			}
		}
		// The first and last dates, and beyond, are clamped, not errors.
		lo := schedule.MustDate(1, time.January, 1)
		if _, _, err := sqlstore.FindCalendarShifts(ctx, c.db, lo.AddDays(-1), schedule.MustDate(9999, time.December, 31).AddDays(1), st); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStampCalendar checks that the stamp of a span changes with every
// change of what FindCalendarShifts would return for it, and that a
// ?pa_id= is checked.
func TestStampCalendar(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		get := func() sqlstore.CalendarStamp {
			t.Helper()
			st, _, err := sqlstore.StampCalendar(ctx, c.db, mar1, mar31, 0)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		id := c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED", "")
		pending := c.shift(c.bo, "2030-03-02", "21:00:00", "22:00:00", "1.00", "PENDING", "")
		steps := []struct {
			name string
			q    string
			args []any
		}{
			{"approve", `UPDATE shift_requests SET status = 'APPROVED' WHERE id = $1`, []any{pending}},
			{"edit notes, updated_at untouched", `UPDATE shift_requests SET notes = 'x' WHERE id = $1`, []any{id}},
			{"edit time", `UPDATE shift_requests SET start_time = '05:00:00' WHERE id = $1`, []any{id}},
			{"rename PA", `UPDATE users SET last_name = 'Smith' WHERE id = $1`, []any{c.ann.ID}},
			{"reject", `UPDATE shift_requests SET status = 'REJECTED' WHERE id = $1`, []any{pending}},
			{"move out of the span", `UPDATE shift_requests SET date = '2030-05-01' WHERE id = $1`, []any{id}},
		}
		before := get()
		if again := get(); again != before {
			t.Fatalf("stamp moved without a write")
		}
		for _, s := range steps {
			c.sql(s.q, s.args...)
			after := get()
			if after == before {
				t.Errorf("%s: stamp unchanged", s.name)
			}
			before = after
		}
		_, ok, err := sqlstore.StampCalendar(ctx, c.db, mar1, mar31, c.bo.ID)
		if err != nil || !ok {
			t.Errorf("pa %d: exists %v, %v", c.bo.ID, ok, err)
		}
		for _, id := range []int64{0, -1, 999999} {
			if _, ok, err := sqlstore.StampCalendar(ctx, c.db, mar1, mar31, id); err != nil || ok {
				t.Errorf("pa %d: exists %v, %v", id, ok, err)
			}
		}
	})
}

// TestStampCalendarConnections checks SQLite's stamp across the reader
// pool: once a write has committed, no connection answers a stamp from
// before it, however the requests fall on the connections.
func TestStampCalendarConnections(t *testing.T) {
	c := newCalendarDB(t, sqlstore.SQLite)
	ctx := context.Background()
	collect := func() map[sqlstore.CalendarStamp]bool {
		var mu sync.Mutex
		seen := map[sqlstore.CalendarStamp]bool{}
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Go(func() {
				for i := 0; i < 20; i++ {
					st, _, err := sqlstore.StampCalendar(ctx, c.db, mar1, mar31, 0)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[st] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return seen
	}
	before := collect()
	for round := 0; round < 3; round++ {
		c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED", "")
		after := collect()
		for st := range after {
			if before[st] {
				t.Fatalf("round %d: a stamp from before the write was answered after it", round)
			}
		}
		before = after
	}
}

func TestDecimalHundredths(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		for _, dur := range []string{"0.01", "0.83", "3.00", "3.50", "12.25", "24.00"} {
			c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", dur, "APPROVED", dur)
		}
		rows, _, err := sqlstore.FindCalendarShifts(ctx, c.db, mar1, mar31, sqlstore.CalendarStamp{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if got := schedule.FormatHours(r.Duration); got != r.Notes {
				t.Errorf("duration %s read as %s", r.Notes, got)
			}
		}
	})
}
