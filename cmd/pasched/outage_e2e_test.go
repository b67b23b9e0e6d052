package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pasched/jobs"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// status sends a request and returns its status and body (0 without an answer).
func status(method, url, tok string, body string) (int, string) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (in *instance) count(msg string) int {
	n := 0
	for _, l := range in.lines() {
		if l.Msg == msg {
			n++
		}
	}
	return n
}

// TestPostgresOutage: PostgreSQL goes away under a running serve (a proxy
// between them cuts every connection and refuses new ones) and comes back.
// During the outage requests answer 503 (not 500) and /readyz is not
// ready; after it requests succeed again, the live-event listener
// reconnects and a change reaches an open WebSocket, and every email job
// committed before the cut is delivered once.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	direct := sqltest.PostgresSchemaURL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := sqltest.StartCutProxy(t, u.Host)
	u.Host = proxy.Addr()
	viaProxy := u.String()

	dir := t.TempDir()
	createAdminCmd(t, dir, viaProxy)
	in := startServe(t, dir, viaProxy)
	base := in.base
	admin := loginAs(t, base, "admin@example.com", "Adm1n-Pass-2030!")
	_, alice := registerPA(t, base, "alice@example.com", "Alicia", "Anderson")
	pid := id(call(t, "POST", base+"/api/schedule-periods/", admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	ws, _ := dialWS(ctx, t, "admin", wsURL(in, fmt.Sprint(pid), admin))
	request := func(date string) {
		t.Helper()
		call(t, "POST", base+"/api/shifts/", alice, map[string]any{"schedule_period": pid, "date": date,
			"start_time": "06:00", "end_time": "09:00"}, 201)
		if m := ws.next(); m["type"] != "shift.requested" {
			t.Fatalf("socket got %v", m)
		}
	}
	request("2030-03-02")
	listens := in.count("realtime: listening for events")

	// Outage, right after a change whose email job is committed.
	call(t, "POST", base+"/api/shifts/", alice, map[string]any{"schedule_period": pid, "date": "2030-03-03",
		"start_time": "06:00", "end_time": "09:00"}, 201)
	proxy.Cut()
	unavailable := `{"detail":"Service temporarily unavailable, try again later."}`
	for _, r := range []struct{ method, path, tok, body string }{
		{"GET", "/api/shifts/", admin, ""},
		{"POST", "/api/shifts/", alice, fmt.Sprintf(`{"schedule_period":%d,"date":"2030-03-04","start_time":"06:00","end_time":"09:00"}`, pid)},
		{"GET", "/api/calendar/month/2030/3/", admin, ""},
	} {
		if st, body := status(r.method, base+r.path, r.tok, r.body); st != 503 || body != unavailable {
			t.Errorf("%s %s during the outage: %d %s, want 503 %s", r.method, r.path, st, body, unavailable)
		}
	}
	if st, _ := status("GET", base+"/readyz", "", ""); st != 503 {
		t.Errorf("/readyz during the outage: %d, want 503", st)
	}
	// The web app says so in a page, not a 500.
	if res, err := http.PostForm(base+"/signin", url.Values{"email": {"alice@example.com"}, "password": {"x"}}); err != nil {
		t.Errorf("web sign-in during the outage: %v", err)
	} else {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "60" || !strings.Contains(string(b), "try again in a minute") {
			t.Errorf("web sign-in during the outage: %d Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), b)
		}
	}

	proxy.Restore()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, body := status("GET", base+"/api/shifts/", admin, "")
		if st == 200 {
			break
		}
		if st != 503 || time.Now().After(deadline) {
			t.Fatalf("after the outage: %d %s", st, body)
		}
		time.Sleep(50 * time.Millisecond) // polling for recovery, with a deadline
	}
	if st, _ := status("GET", base+"/readyz", "", ""); st != 200 {
		t.Errorf("/readyz after the outage: %d", st)
	}
	for in.count("realtime: listening for events") <= listens {
		if time.Now().After(deadline) {
			t.Fatal("the live-event listener did not reconnect within 60 s")
		}
		time.Sleep(50 * time.Millisecond) // polling the log, with a deadline
	}
	// The change after the outage reaches the socket opened before it.
	request("2030-03-05")

	// Every email job (verification, three new-request notices) is
	// delivered exactly once. A job that failed during the outage is
	// retried after its backoff (a minute); one whose fetch was committed
	// but its answer lost in the cut stays "running" until River's rescuer
	// takes it (RescueStuckJobsAfter, 1 min 45 s): this waits past both.
	deadline = time.Now().Add(200 * time.Second)
	db, err := sqlstore.Open(context.Background(), direct)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for {
		var ids []int64
		rows, err := db.QueryContext(context.Background(), `SELECT id FROM river_job WHERE kind = 'email'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		entries, _ := os.ReadDir(filepath.Join(dir, "mail"))
		got := map[int64]int{}
		for _, e := range entries {
			if jid, ok := jobs.JobOfMessageID(e.Name()); ok {
				got[jid]++
			}
		}
		missing := 0
		for _, id := range ids {
			if got[id] == 0 {
				missing++
			}
		}
		if missing == 0 && len(ids) >= 4 {
			if len(got) != len(ids) {
				b, _ := json.Marshal(got)
				t.Fatalf("messages %s for jobs %v", b, ids)
			}
			break
		}
		if time.Now().After(deadline) {
			var states []string
			rows, _ := db.QueryContext(context.Background(), `SELECT id, state, attempt, CAST(errors AS TEXT) FROM river_job WHERE kind = 'email'`)
			for rows != nil && rows.Next() {
				var id, attempt int64
				var state string
				var errs *string
				rows.Scan(&id, &state, &attempt, &errs)
				e := ""
				if errs != nil {
					e = *errs
				}
				states = append(states, fmt.Sprintf("job %d %s attempt %d %s", id, state, attempt, e))
			}
			t.Fatalf("%d of %d email jobs undelivered 200 s after the outage:\n%s", missing, len(ids), strings.Join(states, "\n"))
		}
		time.Sleep(50 * time.Millisecond) // polling the mail directory, with a deadline
	}
}
