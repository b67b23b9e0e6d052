package observe

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestInstrumentCountsByPattern: the innermost ServeMux's pattern is the
// route, unknown methods fold into OTHER, and a request id is set and
// reaches the handler's context.
func TestInstrumentCountsByPattern(t *testing.T) {
	m := New(Sources{Jobs: func(context.Context) ([]JobCount, error) { return nil, errors.New("db down") }})
	inner := http.NewServeMux()
	var seen string
	inner.HandleFunc("/api/x/{id}/{$}", func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
	})
	outer := http.NewServeMux()
	outer.Handle("/api/", inner)
	h := m.Instrument(outer)
	for _, method := range []string{"GET", "GET", "BREW"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/api/x/7/", nil))
		if id := rec.Header().Get(RequestIDHeader); id == "" || id != seen {
			t.Fatalf("request id %q, handler saw %q", id, seen)
		}
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("/api/x/{id}/{$}", "GET", "418")); n != 2 {
		t.Errorf("GET count %v, want 2", n)
	}
	if n := testutil.ToFloat64(m.requests.WithLabelValues("/api/x/{id}/{$}", "OTHER", "418")); n != 1 {
		t.Errorf("OTHER count %v, want 1", n)
	}
	// A failing source does not break the scrape of the others.
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), "pasched_http_requests_total") {
		t.Fatalf("scrape with a failing source:\n%s", rec.Body.String())
	}
}

// BenchmarkInstrument is the middleware's cost per request (the /me hot
// path pays it once).
func BenchmarkInstrument(b *testing.B) {
	m := New(Sources{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/auth/me/{$}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	h := m.Instrument(mux)
	req := httptest.NewRequest("GET", "/api/auth/me/", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &nopWriter{h: http.Header{}}
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}
