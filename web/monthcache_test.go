package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// The month page keeps its rendered calendar between requests; every change
// to the schedule, by this process or by any other writer of the database,
// and the turn of the day show on the very next request.
func TestMonthPageShowsChangesAtOnce(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		e := newEnv(t, d)
		e.fixedToday()
		admin := e.admin("ada@example.com")
		pat := e.pa("pat@example.com", "Pat", "Smith")
		p := e.period(admin, "March", schedule.MustDate(2026, 3, 1), schedule.MustDate(2026, 3, 31))
		pc, ac := e.client(), e.client()
		pc.signIn("pat@example.com")
		ac.signIn("ada@example.com")
		month := func(c *client) string {
			t.Helper()
			pg := c.get("/calendar?month=2026-03")
			if pg.Status != 200 {
				t.Fatalf("month: %d %s", pg.Status, pg.Body)
			}
			return pg.Body
		}
		const monday = `aria-label="Monday 2 March. `
		first := month(pc)
		if !strings.Contains(first, monday+`no shifts of yours.`) {
			t.Fatalf("empty month: %s", first)
		}
		// The flash of the sign-in shows once, on the page rendered afresh;
		// the page served from the cache is that page without it.
		const flash = "\n<div class=\"flash\"><p>You are signed in.</p></div>"
		if !strings.Contains(first, flash) {
			t.Errorf("no sign-in flash on the first month page:\n%s", first)
		}
		if again := month(pc); again != strings.Replace(first, flash, "", 1) {
			t.Errorf("a second request of an unchanged month differs:\n%s\n---\n%s", first, again)
		}
		month(ac)

		sh := e.request(pat, p, schedule.MustDate(2026, 3, 2), schedule.Clock(6, 0, 0), schedule.Clock(14, 0, 0))
		if pg := month(pc); !strings.Contains(pg, monday+`your shifts: 06:00–14:00 pending.`) {
			t.Errorf("requested shift not on the PA's month:\n%s", pg)
		}
		if pg := month(ac); strings.Contains(pg, "06:00–14:00") {
			t.Errorf("pending shift on the admin's month:\n%s", pg)
		}

		e.approve(admin, sh)
		if pg := month(pc); !strings.Contains(pg, monday+`your shifts: 06:00–14:00 approved.`) {
			t.Errorf("approved shift not approved on the PA's month:\n%s", pg)
		}
		if pg := month(ac); !strings.Contains(pg, "Pat Smith 06:00–14:00") {
			t.Errorf("approved shift not on the admin's month:\n%s", pg)
		}

		// A write that bypasses this process (another serve, a worker, a
		// script) is seen too: the cache is checked against the database.
		ctx := context.Background()
		if err := e.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET first_name = 'Patricia' WHERE id = $1`, pat.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if pg := month(ac); !strings.Contains(pg, "Patricia Smith 06:00–14:00") {
			t.Errorf("renamed PA not renamed on the admin's month:\n%s", pg)
		}
		if err := e.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM shift_requests WHERE id = $1`, sh.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if pg := month(pc); !strings.Contains(pg, monday+`no shifts of yours.`) {
			t.Errorf("deleted shift still on the PA's month:\n%s", pg)
		}

		// Tomorrow today moves, with no change to the schedule.
		e.web.now = func() time.Time { return time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC) }
		if pg := month(pc); !strings.Contains(pg, `aria-label="Thursday 5 March (today).`) || strings.Contains(pg, `Wednesday 4 March (today)`) {
			t.Errorf("today not moved on the PA's month:\n%s", pg)
		}
	})
}
