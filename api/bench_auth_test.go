package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// benchClients is the number of concurrent clients of the benchmarks: the
// issue's target is stated at 32 connections.
const benchClients = 32

// benchServer is the API on SQLite behind a real loopback listener, as
// `pasched serve` runs it (hasher bounded to the CPUs, no throttles).
type benchServer struct {
	handler http.Handler
	url     string
	client  *http.Client
	user    *pasched.User
	access  string
}

func newBenchServer(b testing.TB, opts ...func(*accounts.Service)) *benchServer {
	b.Helper()
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.SQLite)
	js, err := jobs.New(ctx, jobs.Opts{DB: db})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(js.Close)
	signer := token.NewSigner("bench-secret-key")
	acc := &accounts.Service{DB: db, Jobs: js.Client, Hasher: password.NewHasher(runtime.NumCPU()), Signer: signer,
		FrontendURL: "http://frontend.test"}
	for _, o := range opts {
		o(acc)
	}
	srv := New(Deps{Accounts: acc, DB: db, Config: Config{AllowedHosts: []string{"127.0.0.1"}}})
	h := srv.Handler()
	hs := httptest.NewServer(h)
	b.Cleanup(hs.Close)
	u, _, err := acc.CreateAdmin(ctx, pasched.NewUser{Email: "admin@example.com", Username: "admin", FirstName: "Ada",
		LastName: "Admin", PhoneNumber: "555-0100"}, testPassword)
	if err != nil {
		b.Fatal(err)
	}
	pair, err := signer.IssuePair(u.ID, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}
	b.Cleanup(tr.CloseIdleConnections)
	return &benchServer{handler: h, url: hs.URL, client: &http.Client{Transport: tr}, user: u, access: pair.Access}
}

// run sends requests from benchClients goroutines until b.N are done and
// reports the rate.
func (s *benchServer) run(b *testing.B, newReq func() *http.Request, want int) {
	b.Helper()
	b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := s.client.Do(newReq())
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != want {
				b.Errorf("status %d, want %d", res.StatusCode, want)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkMe is an authenticated GET /api/auth/me/ on SQLite over
// loopback with 32 concurrent clients.
func BenchmarkMe(b *testing.B) {
	s := newBenchServer(b)
	auth := "Bearer " + s.access
	s.run(b, func() *http.Request {
		req, _ := http.NewRequest("GET", s.url+"/api/auth/me/", nil)
		req.Header.Set("Authorization", auth)
		return req
	}, 200)
}

// BenchmarkMeUncached is BenchmarkMe reading the user row from SQLite on
// every request (accounts' user cache off, as on PostgreSQL by default).
func BenchmarkMeUncached(b *testing.B) {
	s := newBenchServer(b, func(a *accounts.Service) { a.UserCacheTTL = -1 })
	auth := "Bearer " + s.access
	s.run(b, func() *http.Request {
		req, _ := http.NewRequest("GET", s.url+"/api/auth/me/", nil)
		req.Header.Set("Authorization", auth)
		return req
	}, 200)
}

// BenchmarkLogin is POST /api/auth/login/ with the right password: one
// argon2id verification (m=19456 KiB, t=2, p=1), a write transaction
// (last_login, the outstanding refresh token) and two signed tokens.
func BenchmarkLogin(b *testing.B) {
	s := newBenchServer(b)
	body, _ := json.Marshal(map[string]string{"email": "admin@example.com", "password": testPassword})
	s.run(b, func() *http.Request {
		req, _ := http.NewRequest("POST", s.url+"/api/auth/login/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req
	}, 200)
}

// BenchmarkMeHandler is GET /me without the network, one request at a
// time: the cost of the handler chain itself, with and without accounts'
// user cache.
func BenchmarkMeHandler(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 0}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			s := newBenchServer(b, func(a *accounts.Service) { a.UserCacheTTL = c.ttl })
			req := httptest.NewRequest("GET", "/api/auth/me/", nil)
			req.Host = "127.0.0.1"
			req.Header.Set("Authorization", "Bearer "+s.access)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.handler.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
