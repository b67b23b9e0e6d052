package sqlstore_test

import (
	"context"
	"database/sql"
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
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		late := c.shift(c.ann, "2030-03-02", "21:00:00", "09:00:00", "12.00", "APPROVED", "night")
		early := c.shift(c.bo, "2030-03-02", "06:00:00.500000", "07:15:00", "1.25", "APPROVED", "")
		c.shift(c.bo, "2030-03-03", "06:00:00", "09:00:00", "3.00", "PENDING", "")
		c.shift(c.bo, "2030-02-28", "06:00:00", "09:00:00", "3.00", "APPROVED", "outside")
		odd := c.shift(c.bo, "2030-03-31", "10:00:00", "10:50:00", "0.83", "APPROVED", "")
		rows, err := sqlstore.FindCalendarShifts(ctx, c.db, mar1, mar31)
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
		if _, err := sqlstore.FindCalendarShifts(ctx, c.db, lo.AddDays(-1), schedule.MustDate(9999, time.December, 31).AddDays(1)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestScheduleVersion checks that the version moves with every write the
// read models depend on, whatever writes it (here raw SQL, as another
// process would), stays put under the writes they do not depend on (jobs,
// sign-ins, coverage), and that a ?pa_id= is checked.
func TestScheduleVersion(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		get := func() int64 {
			t.Helper()
			v, _, err := sqlstore.ScheduleVersion(ctx, c.db, 0)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		id := c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED", "")
		pending := c.shift(c.bo, "2030-03-02", "21:00:00", "22:00:00", "1.00", "PENDING", "")
		moves := []struct {
			name string
			q    string
			args []any
		}{
			{"approve", `UPDATE shift_requests SET status = 'APPROVED' WHERE id = $1`, []any{pending}},
			{"edit notes, updated_at untouched", `UPDATE shift_requests SET notes = 'x' WHERE id = $1`, []any{id}},
			{"edit time", `UPDATE shift_requests SET start_time = '05:00:00' WHERE id = $1`, []any{id}},
			{"rename PA", `UPDATE users SET last_name = 'Smith' WHERE id = $1`, []any{c.ann.ID}},
			{"change email", `UPDATE users SET email = 'ann2@example.com' WHERE id = $1`, []any{c.ann.ID}},
			{"rename period", `UPDATE schedule_periods SET name = 'Q' WHERE id = 1`, nil},
			{"reject", `UPDATE shift_requests SET status = 'REJECTED' WHERE id = $1`, []any{pending}},
			{"move out of the span", `UPDATE shift_requests SET date = '2030-05-01' WHERE id = $1`, []any{id}},
			{"delete", `DELETE FROM shift_requests WHERE id = $1`, []any{id}},
		}
		stays := []struct {
			name string
			q    string
			args []any
		}{
			{"sign-in", `UPDATE users SET last_login = $2 WHERE id = $1`, []any{c.ann.ID, stamp()}},
			{"password", `UPDATE users SET password = 'y' WHERE id = $1`, []any{c.ann.ID}},
			{"a job", `INSERT INTO river_job (args, kind, max_attempts, priority, queue, state)
				VALUES ('{}', 'email', 1, 1, 'default', 'available')`, nil},
			{"coverage", `INSERT INTO critical_time_coverage (date, updated_at) VALUES ('2030-03-02', $1)`, []any{stamp()}},
		}
		before := get()
		if again := get(); again != before {
			t.Fatalf("version moved without a write")
		}
		for _, s := range moves {
			c.sql(s.q, s.args...)
			after := get()
			if after == before {
				t.Errorf("%s: version unchanged", s.name)
			}
			before = after
		}
		for _, s := range stays {
			c.sql(s.q, s.args...)
			if after := get(); after != before {
				t.Errorf("%s: version moved from %d to %d", s.name, before, after)
				before = after
			}
		}
		_, ok, err := sqlstore.ScheduleVersion(ctx, c.db, c.bo.ID)
		if err != nil || !ok {
			t.Errorf("pa %d: exists %v, %v", c.bo.ID, ok, err)
		}
		for _, id := range []int64{0, -1, 999999} {
			if _, ok, err := sqlstore.ScheduleVersion(ctx, c.db, id); err != nil || ok {
				t.Errorf("pa %d: exists %v, %v", id, ok, err)
			}
		}
	})
}

// TestScheduleVersionOtherHandle checks the version across two handles of
// one database, as a second process (pasched worker, another serve) opens
// it: a write through one is seen by the other's next read, from every
// connection of its pool.
func TestScheduleVersionOtherHandle(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		other, err := sqlstore.Open(ctx, c.db.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		collect := func() map[int64]bool {
			var mu sync.Mutex
			seen := map[int64]bool{}
			var wg sync.WaitGroup
			for g := 0; g < 16; g++ {
				wg.Go(func() {
					for i := 0; i < 10; i++ {
						v, _, err := sqlstore.ScheduleVersion(ctx, other, 0)
						if err != nil {
							t.Error(err)
							return
						}
						mu.Lock()
						seen[v] = true
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
			for v := range after {
				if before[v] {
					t.Fatalf("round %d: a version from before the write was answered after it", round)
				}
			}
			before = after
		}
	})
}

func TestDecimalHundredths(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		for _, dur := range []string{"0.01", "0.83", "3.00", "3.50", "12.25", "24.00"} {
			c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", dur, "APPROVED", dur)
		}
		rows, err := sqlstore.FindCalendarShifts(ctx, c.db, mar1, mar31)
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

// TestScheduleVersionSlots checks that, on PostgreSQL, two changes of the
// schedule committing at once do not queue for the version: while one
// transaction holds its slot (its deferred trigger fired, not yet
// committed), a change on a connection of another slot commits without
// waiting for a lock (lock_timeout turns a wait into an error), and the
// version counts both.
func TestScheduleVersionSlots(t *testing.T) {
	t.Parallel()
	// PostgreSQL only (SQLite commits one write at a time): sqltest.Open
	// skips it without TEST_DATABASE_URL, and fails it under CI.
	func(d sqlstore.Dialect) {
		c := newCalendarDB(t, d)
		ctx := context.Background()
		a := c.shift(c.ann, "2030-03-02", "06:00:00", "09:00:00", "3.00", "PENDING", "")
		b := c.shift(c.bo, "2030-03-20", "06:00:00", "09:00:00", "3.00", "PENDING", "")
		before, _, err := sqlstore.ScheduleVersion(ctx, c.db, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Two connections of the pool whose backends have different slots.
		var conns []*sql.Conn
		slots := map[int]bool{}
		var c1, c2 *sql.Conn
		for len(conns) < 10 && c2 == nil {
			conn, err := c.db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var slot int
			if err := conn.QueryRowContext(ctx, `SELECT 1 + pg_backend_pid() % 64`).Scan(&slot); err != nil {
				t.Fatal(err)
			}
			switch {
			case c1 == nil:
				c1 = conn
			case !slots[slot]:
				c2 = conn
			}
			slots[slot] = true
		}
		defer func() {
			for _, conn := range conns {
				conn.Close()
			}
		}()
		if c2 == nil {
			t.Fatal("no two connections with different slots among 10")
		}
		tx1, err := c1.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx1.Rollback()
		if _, err := tx1.ExecContext(ctx, `UPDATE shift_requests SET status = 'APPROVED' WHERE id = $1`, a); err != nil {
			t.Fatal(err)
		}
		// Fire the deferred trigger now: tx1 holds its slot's row until it ends.
		if _, err := tx1.ExecContext(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			t.Fatal(err)
		}
		tx2, err := c2.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx2.Rollback()
		for _, q := range []string{`SET LOCAL lock_timeout = '5s'`, `UPDATE shift_requests SET status = 'APPROVED' WHERE id = ` + fmt.Sprint(b)} {
			if _, err := tx2.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx2.Commit(); err != nil {
			t.Fatalf("a change committing while another holds its version slot: %v", err)
		}
		if err := tx1.Commit(); err != nil {
			t.Fatal(err)
		}
		after, _, err := sqlstore.ScheduleVersion(ctx, c.db, 0)
		if err != nil {
			t.Fatal(err)
		}
		if after != before+2 {
			t.Errorf("version %d after two changes from %d, want %d", after, before, before+2)
		}
	}(sqlstore.Postgres)
}
