package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// BenchmarkCalendarMonth measures the month view on SQLite for 20 PAs and
// 620 approved shifts in one month (some overnight), fetched by 32
// concurrent HTTP clients over loopback. It reports req/s; the target on the
// project's 2-core machine is 2,000.
//
//	go test -run '^$' -bench CalendarMonth -benchtime 5000x ./api/
func BenchmarkCalendarMonth(b *testing.B) {
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.SQLite)
	signer := token.NewSigner("bench-secret-key")
	srv := New(Deps{
		Accounts:   &accounts.Service{DB: db, Signer: signer},
		Scheduling: &scheduling.Service{DB: db, Windows: schedule.DefaultWindows(), Location: time.UTC},
		DB:         db,
		Config:     Config{AllowedHosts: []string{"127.0.0.1"}},
	})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	var users []*pasched.User
	err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := 0; i <= 20; i++ {
			role, email := pasched.RolePA, fmt.Sprintf("pa%d@example.com", i)
			if i == 20 {
				role, email = pasched.RoleAdmin, "admin@example.com"
			}
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: email, Username: email[:len(email)-12],
				FirstName: "First", LastName: fmt.Sprint("Last ", i), PhoneNumber: "555", Role: role, PasswordHash: "x"})
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	admin := users[20]
	period := insertPeriod(b, db, admin.ID)
	// 20 PAs × 31 days = 620 shifts; each PA starts an hour later than the
	// one before, so the last four run past midnight.
	var rows []calShiftRow
	for day := 1; day <= 31; day++ {
		for i, pa := range users[:20] {
			rows = append(rows, calShiftRow{pa.ID, fmt.Sprintf("2030-03-%02d", day), fmt.Sprintf("%02d:00:00", i+1),
				fmt.Sprintf("%02d:00:00", (i+6)%24), "5.00", "APPROVED", "Notes for the day"})
		}
	}
	insertShifts(b, db, period, admin.ID, rows)
	pair, err := signer.IssuePair(users[0].ID, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	url := hs.URL + "/api/calendar/month/2030/3/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	get := func() (int64, error) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+pair.Access)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil {
			return 0, err
		}
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", res.StatusCode)
		}
		return n, nil
	}
	size, err := get()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size) // one month view

	const clients = 32
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((clients + procs - 1) / procs)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := get(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
