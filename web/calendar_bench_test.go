package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/password"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// monthFixture is the web app over SQLite with 20 PAs and 620 approved
// shifts in March 2030 (each PA one shift a day, the last ones overnight),
// coverage computed, and PA 0 signed in.
func monthFixture(tb testing.TB) (http.Handler, *http.Cookie) {
	tb.Helper()
	ctx := context.Background()
	db := sqltest.Open(tb, sqlstore.SQLite)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(js.Close)
	sched := &scheduling.Service{DB: db, Jobs: js.Client, Windows: schedule.DefaultWindows(), Location: time.UTC}
	acc := &accounts.Service{DB: db, Jobs: js.Client, Hasher: password.NewHasher(1), Signer: token.NewSigner("k")}
	srv, err := New(Deps{Accounts: acc, Scheduling: sched})
	if err != nil {
		tb.Fatal(err)
	}
	srv.now = func() time.Time { return time.Date(2030, 3, 12, 9, 0, 0, 0, time.UTC) }
	hash, err := password.Hash(testPassword)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		admin, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: "ada@example.com", Username: "ada", FirstName: "Ada", PhoneNumber: "1", Role: pasched.RoleAdmin, PasswordHash: "x"})
		if err != nil {
			return err
		}
		var period int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO schedule_periods (name, start_date, end_date, status, created_by_id, created_at, updated_at)
			VALUES ('March 2030', '2030-03-01', '2030-03-31', 'OPEN', $1, $2, $2) RETURNING id`, admin.ID, now).Scan(&period); err != nil {
			return err
		}
		for i := range 20 {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: fmt.Sprintf("pa%d@example.com", i), Username: fmt.Sprintf("pa%d", i),
				FirstName: fmt.Sprintf("PA%d", i), LastName: "Test", PhoneNumber: "1", Role: pasched.RolePA, PasswordHash: hash})
			if err != nil {
				return err
			}
			for day := 1; day <= 31; day++ {
				if _, err := tx.ExecContext(ctx, `INSERT INTO shift_requests (schedule_period_id, requested_by_id, date, start_time, end_time, duration_hours, status,
					notes, admin_notes, rejected_reason, created_at, updated_at, approved_at, approved_by_id)
					VALUES ($1, $2, $3, $4, $5, 5, 'APPROVED', 'Notes', '', '', $6, $6, $6, $7)`,
					period, u.ID, fmt.Sprintf("2030-03-%02d", day), fmt.Sprintf("%02d:00:00", i+1), fmt.Sprintf("%02d:00:00", (i+6)%24), now, admin.ID); err != nil {
					return err
				}
			}
		}
		return sched.RecomputeAll(ctx, tx)
	})
	if err != nil {
		tb.Fatal(err)
	}
	_, ws, err := acc.SignIn(ctx, "pa0@example.com", testPassword, accounts.ClientInfo{UserAgent: "bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return srv.Handler(), &http.Cookie{Name: cookieName, Value: ws.Token}
}

const benchMonthURL = "http://localhost/calendar?month=2030-03"

// BenchmarkPAMonthPage renders a PA's month page server side (session,
// reads, template), 16 goroutines per CPU. The machine is shared, so wall
// pages/s mostly measures the neighbours: cpu-ms/op (the process's own
// user+sys CPU per page) is the figure to compare, and the pages/s the
// server's 2 cores give is 2000/cpu-ms.
func BenchmarkPAMonthPage(b *testing.B) {
	h, cookie := monthFixture(b)
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, benchMonthURL, nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := get(); rec.Code != 200 {
		b.Fatalf("month page: %d", rec.Code)
	}
	b.SetParallelism(16)
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if rec := get(); rec.Code != 200 {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pages/s")
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// The month page with everything it loads weighs at most 60 KB compressed.
func TestMonthPageWeight(t *testing.T) {
	t.Parallel()
	h, cookie := monthFixture(t)
	req := httptest.NewRequest(http.MethodGet, benchMonthURL, nil)
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("month page: %d", rec.Code)
	}
	page := rec.Body.Bytes()
	total := gzipSize(page)
	t.Logf("month page: %d bytes, %d gzipped", len(page), total)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllSubmatch(page, -1) {
		req := httptest.NewRequest(http.MethodGet, "http://localhost"+string(m[1]), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d %q", m[1], rec.Code, rec.Header().Get("Content-Encoding"))
		}
		t.Logf("%s: %d bytes gzipped", m[1], rec.Body.Len())
		total += rec.Body.Len()
	}
	t.Logf("total: %d bytes (%.1f KB) compressed", total, float64(total)/1024)
	if total > 60*1024 {
		t.Fatalf("month page with CSS and JS: %d bytes compressed, over 60 KB", total)
	}
}

// newHTTPServer serves h on 127.0.0.1 for the test.
func newHTTPServer(tb testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.URL
}
