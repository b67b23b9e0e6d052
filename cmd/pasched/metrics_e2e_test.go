package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics and parses it with Prometheus's text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the sum of a family's samples whose labels include want
// (a histogram counts its observations); -1 when the family is absent.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	sum := 0.0
metrics:
	for _, m := range f.Metric {
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue metrics
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

// TestMetricsMoveSQLite scrapes the real binary's /metrics before and after
// requests, a WebSocket, a change it hears of and an email job, and checks
// that every named series is there and moved; /readyz is ready, and every
// response carries a request id (the caller's when it sent a sane one).
func TestMetricsMoveSQLite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	dbURL := migratedSQLite(t)
	createAdminCmd(t, dir, dbURL)
	in := startServe(t, dir, dbURL)
	base := in.base

	before := scrape(t, base)
	for _, name := range []string{"pasched_websockets_open", "pasched_events_delivered_total",
		"pasched_events_dropped_total", "pasched_emails_sent_total", "pasched_emails_failed_total", "pasched_db_connections",
		"pasched_db_connections_max", "go_goroutines"} {
		if _, ok := before[name]; !ok {
			t.Errorf("series %s missing", name)
		}
	}
	me := map[string]string{"route": "/api/auth/me/{$}", "method": "GET", "code": "200"}

	admin := loginAs(t, base, "admin@example.com", "Adm1n-Pass-2030!")
	for range 3 {
		call(t, "GET", base+"/api/auth/me/", admin, nil, 200)
	}
	call(t, "GET", base+"/api/auth/me/", "", nil, 401)
	_, alice := registerPA(t, base, "alice@example.com", "Alicia", "Anderson") // a verification email job
	pid := id(call(t, "POST", base+"/api/schedule-periods/", admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _ := dialWS(ctx, t, "admin", wsURL(in, fmt.Sprint(pid), admin))
	call(t, "POST", base+"/api/shifts/", alice, map[string]any{"schedule_period": pid, "date": "2030-03-02",
		"start_time": "06:00", "end_time": "09:00"}, 201)
	if m := ws.next(); m["type"] != "shift.requested" {
		t.Fatalf("socket got %v", m)
	}
	// Both emails (verification, new request) are sent by the job workers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "mail", "*.eml"))
		if len(files) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d emails sent after 30 s", len(files))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var after map[string]*dto.MetricFamily
	// The jobs' completion is recorded a moment after the send.
	for {
		after = scrape(t, base)
		if value(after, "pasched_jobs", map[string]string{"kind": "email", "state": "completed"}) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	moved := []struct {
		name   string
		labels map[string]string
		by     float64
	}{
		{"pasched_http_requests_total", me, 3},
		{"pasched_http_requests_total", map[string]string{"route": "/api/auth/me/{$}", "code": "401"}, 1},
		{"pasched_http_requests_total", map[string]string{"route": "/api/shifts/{$}", "method": "POST", "code": "201"}, 1},
		{"pasched_http_request_duration_seconds", map[string]string{"route": "/api/auth/me/{$}", "method": "GET"}, 4},
		{"pasched_websockets_open", nil, 1},
		{"pasched_events_delivered_total", nil, 2}, // connection.established, shift.requested
		{"pasched_emails_sent_total", nil, 2},
		{"pasched_jobs", map[string]string{"kind": "email", "state": "completed"}, 2},
	}
	for _, m := range moved {
		b, a := max(value(before, m.name, m.labels), 0), value(after, m.name, m.labels)
		if a-b < m.by {
			t.Errorf("%s%v: %v → %v, want +%v", m.name, m.labels, b, a, m.by)
		}
	}
	if v := value(after, "pasched_db_connections_max", map[string]string{"pool": "write"}); v != 1 {
		t.Errorf("SQLite write pool max %v, want 1", v)
	}

	// Request ids.
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); len(got) != 16 {
		t.Errorf("X-Request-ID %q, want 16 hex digits", got)
	}
	for sent, want := range map[string]string{"trace-abc.123": "trace-abc.123", "bad/id!": "", strings.Repeat("a", 65): ""} {
		req, _ := http.NewRequest("GET", base+"/readyz", nil)
		req.Header.Set("X-Request-ID", sent)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("X-Request-Id")
		if res.StatusCode != 200 || (want != "" && got != want) || (want == "" && (got == sent || got == "")) {
			t.Errorf("/readyz with X-Request-ID %q: %d, id %q", sent, res.StatusCode, got)
		}
	}
}
