package jobs

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestPacerWindow: a window admits rate×window sends at once and no more;
// the next one waits for the following window (here an hour away, so it
// waits until its context ends).
func TestPacerWindow(t *testing.T) {
	p := newPacer(3.0/3600, time.Hour) // 3 an hour, all at once
	if p.per != 3 || p.every != time.Hour {
		t.Fatalf("per %d every %v, want 3 every hour", p.per, p.every)
	}
	for i := range 3 {
		if err := p.wait(context.Background()); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.wait(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("fourth send in the window: %v, want it to wait until cancelled", err)
	}
}

// TestPacerShape: the window holds as many sends as the rate allows, and
// stretches to 1/rate for slow rates, so the rate is never exceeded.
func TestPacerShape(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		per   int
		every time.Duration
	}{
		{600, 60, 100 * time.Millisecond},
		{5, 1, 200 * time.Millisecond},
		{14, 1, time.Second / 14},
		{1000, 100, 100 * time.Millisecond},
	} {
		p := newPacer(c.rate, emailPaceWindow)
		if p.per != c.per || p.every != c.every {
			t.Errorf("rate %v: %d every %v, want %d every %v", c.rate, p.per, p.every, c.per, c.every)
		}
	}
}
