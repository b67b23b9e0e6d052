package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// BenchmarkAdminQueuePage200 renders the approval queue with 200 pending
// requests of 20 PAs over a month with approved shifts around them, server
// side (the handler, its three reads and the template), as the admin's
// browser asks for it.
func BenchmarkAdminQueuePage200(b *testing.B) {
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.SQLite)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(js.Close)
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Windows: schedule.DefaultWindows(), Location: time.UTC}
	acc := &accounts.Service{DB: db, Jobs: js.Client}
	srv, err := New(Deps{Accounts: acc, Scheduling: sched})
	if err != nil {
		b.Fatal(err)
	}
	var admin *pasched.User
	var pas []*pasched.User
	err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		var err error
		if admin, err = sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: "ada@example.com", Username: "ada", FirstName: "Ada", PhoneNumber: "1", Role: pasched.RoleAdmin, PasswordHash: "x"}); err != nil {
			return err
		}
		for i := range 20 {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: fmt.Sprintf("pa%d@example.com", i), Username: fmt.Sprintf("pa%d", i),
				FirstName: fmt.Sprintf("PA%d", i), LastName: "Test", PhoneNumber: "1", Role: pasched.RolePA, PasswordHash: "x"})
			if err != nil {
				return err
			}
			pas = append(pas, u)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	name := "March"
	from, to := schedule.MustDate(2030, 3, 1), schedule.MustDate(2030, 3, 31)
	p, err := sched.CreatePeriod(ctx, admin, scheduling.PeriodInput{Name: &name, StartDate: &from, EndDate: &to})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		d := from.AddDays(i % 30)
		start := schedule.Clock((i/30)*3%24, 0, 0)
		end := schedule.Clock(((i/30)*3+2)%24, 0, 0)
		if _, err := sched.CreateShift(ctx, pas[i%20], scheduling.ShiftInput{PeriodID: &p.ID, Date: &d, Start: &start, End: &end}); err != nil {
			b.Fatal(err)
		}
	}
	h := srv.mux
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/admin/queue", nil)
		req = withValue(req, userKey, admin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	// On a shared machine wall time mostly measures the neighbours; the
	// process's own CPU time per page is the figure that compares.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
