package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"pasched/sqlstore"
)

// A request whose visitor went away gets no error page and no incident in
// the log (its context was cancelled: the failure is the cancellation's);
// one still being waited for gets both.
func TestServerErrorOfAbandonedRequest(t *testing.T) {
	e := newEnv(t, sqlstore.SQLite)
	var logged bytes.Buffer
	e.web.log = slog.New(slog.NewTextHandler(&logged, nil))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	e.web.serverError(w, httptest.NewRequest("GET", "/shifts", nil).WithContext(ctx), context.Canceled)
	if w.Body.Len() != 0 || strings.Contains(logged.String(), "level=ERROR") {
		t.Errorf("abandoned request: body %q, log %q; want no answer and no error logged", w.Body.String(), logged.String())
	}

	logged.Reset()
	w = httptest.NewRecorder()
	e.web.serverError(w, httptest.NewRequest("GET", "/shifts", nil), errors.New("boom"))
	if w.Code != 500 || !strings.Contains(w.Body.String(), "Something went wrong") {
		t.Errorf("live request: %d %.200q, want the 500 page", w.Code, w.Body.String())
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "incident=") {
		t.Errorf("live request: log %q, want an error with an incident id", logged.String())
	}
}
