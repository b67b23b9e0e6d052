package scheduling

import (
	"fmt"
	"sync"
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestNoDoubleBooking races 50 goroutines, 20 times over, on shifts that
// all overlap one another (overnight shifts from the day before included):
// half approve pending requests of 25 different PAs, half are admins
// creating shifts directly. Exactly one may end up approved each time.
func TestNoDoubleBooking(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("long")
	}
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		const (
			goroutines = 50
			reps       = 20
		)
		b := setup(t, d)
		var admins, pas []*pasched.User
		for i := range 5 {
			admins = append(admins, b.user(pasched.RoleAdmin, fmt.Sprint("Admin", i)))
		}
		for i := range goroutines / 2 {
			pas = append(pas, b.user(pasched.RolePA, fmt.Sprint("PA", i)))
		}
		p := b.period(admins[0], "Race", "2031-01-01", "2031-03-31")
		// Every shift holds the instant 10:00 of its day (day 2 of its rep).
		shapes := [][3]string{
			{"0", "06:00", "10:30"}, {"0", "09:59", "12:00"}, {"0", "10:00", "10:01"}, {"-1", "22:00", "10:15"},
			{"0", "08:00", "18:00"}, {"-1", "20:00", "11:00"}, {"0", "00:00", "23:59"}, {"0", "09:00", "10:00:01"},
		}
		shape := func(i int, day schedule.Date) (string, string, string) {
			s := shapes[i%len(shapes)]
			off := 0
			if s[0] == "-1" {
				off = -1
			}
			return day.AddDays(off).String(), s[1], s[2]
		}
		for rep := range reps {
			day := date("2031-01-02").AddDays(3 * rep)
			// The PAs' pending requests, the race's starting point, are
			// written straight to the store, in one transaction: through
			// CreateShift each also queued an email to each of the five
			// admins, ~70% of the test's CPU, none of it raced or checked
			// here (CreateShift's pending requests are tested elsewhere).
			pending := make([]*pasched.Shift, len(pas))
			err := b.db.WriteTx(b.ctx, func(tx *sqlstore.Tx) error {
				for i, pa := range pas {
					dd, s, e := shape(i, day)
					sh := &pasched.Shift{PeriodID: p.ID, RequestedByID: pa.ID, Date: date(dd), Start: clock(s), End: clock(e),
						DurationHundredths: schedule.DurationHundredths(clock(s), clock(e)), Status: pasched.ShiftPending}
					if err := sqlstore.CreateShift(b.ctx, tx, sh); err != nil {
						return err
					}
					pending[i] = sh
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var (
				start = make(chan struct{})
				wg    sync.WaitGroup
				mu    sync.Mutex
				wins  int
			)
			for g := range goroutines {
				wg.Go(func() {
					<-start
					var err error
					if g%2 == 0 {
						_, err = b.svc.ApproveShift(b.ctx, admins[g%len(admins)], pending[g/2].ID, ApproveInput{OverrideOvertime: true})
					} else {
						dd, s, e := shape(g+3, day)
						in := input(p.ID, dd, s, e)
						in.AdminDirect = true
						_, err = b.svc.CreateShift(b.ctx, admins[g%len(admins)], in)
					}
					if err != nil && code(err) == pasched.EINTERNAL {
						t.Errorf("rep %d goroutine %d: %v", rep, g, err)
					}
					if err == nil {
						mu.Lock()
						wins++
						mu.Unlock()
					}
				})
			}
			close(start)
			wg.Wait()
			from, to := day.AddDays(-1), day
			approved, err := sqlstore.FindShifts(b.ctx, b.db, sqlstore.ShiftFilter{Status: pasched.ShiftApproved, From: &from, To: &to})
			if err != nil {
				t.Fatal(err)
			}
			if wins != 1 || len(approved) != 1 {
				t.Fatalf("rep %d: %d operations succeeded and %d shifts are approved, want exactly 1", rep, wins, len(approved))
			}
		}
		b.checkTables(t)
	})
}
