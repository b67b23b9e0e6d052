package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func msg(s string) json.RawMessage { return json.RawMessage(s) }

func TestRoutingByRole(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	admin := b.connect(t, testPeriod, "admin")
	alice := b.connect(t, testPeriod, "alice") // owner of the events below
	bob := b.connect(t, testPeriod, "bob")
	elsewhere := b.connect(t, otherPeriod, "bob")

	const (
		full1   = `{"type":"shift.approved","shift":{"id":1,"admin_notes":"secret"},"message":"Shift approved"}`
		public1 = `{"type":"shift.approved","shift":{"id":1},"message":"Shift approved"}`
		full2   = `{"type":"shift.requested","shift":{"id":2,"admin_notes":""},"message":"New shift request submitted"}`
		full3   = `{"type":"coverage.alert","date":"2030-03-02","coverage":{},"message":"Coverage updated"}`
		marker  = `{"type":"period.finalized","period":{"id":8},"message":"done"}`
	)
	b.hub.Deliver(Event{PeriodID: testPeriod, OwnerID: 2, Full: msg(full1), Public: msg(public1)})
	b.hub.Deliver(Event{PeriodID: testPeriod, OwnerID: 2, Full: msg(full2)}) // private to alice
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(full3)})             // everyone's
	b.hub.Deliver(Event{PeriodID: otherPeriod, Full: msg(marker)})

	for _, tc := range []struct {
		name string
		c    *websocket.Conn
		want []string
	}{
		{"admin", admin, []string{full1, full2, full3}},
		{"owner PA", alice, []string{full1, full2, full3}},
		{"other PA", bob, []string{public1, full3}},
		{"other period", elsewhere, []string{marker}},
	} {
		for i, want := range tc.want {
			if got := readMsg(t, tc.c); got != want {
				t.Errorf("%s message %d: got %s, want %s", tc.name, i, got, want)
			}
		}
	}
}

func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{hub: HubOpts{QueueSize: 4}})
	fast := b.connect(t, testPeriod, "admin")
	fast.SetReadLimit(-1)
	slow := b.connect(t, testPeriod, "alice") // never reads from here on
	if n := b.hub.Count(); n != 2 {
		t.Fatalf("Count = %d, want 2", n)
	}

	// Large messages fill the slow client's TCP buffers, then its queue; the
	// fast client reads each message before the next is delivered, so its
	// queue never holds more than one.
	big := `{"type":"shift.updated","pad":"` + strings.Repeat("x", 256<<10) + `"}`
	sent := 0
	for b.hub.Count() == 2 {
		if sent == 2000 {
			t.Fatal("slow client still subscribed after 2000 large messages")
		}
		b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(big)})
		sent++
		if got := readMsg(t, fast); len(got) != len(big) {
			t.Fatalf("fast client got %d bytes, want %d", len(got), len(big))
		}
	}
	if n := b.hub.Count(); n != 1 {
		t.Fatalf("Count = %d after the drop, want 1", n)
	}
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(`{"type":"after"}`)})
	if got := readMsg(t, fast); got != `{"type":"after"}` {
		t.Errorf("fast client after the drop: got %.40s", got)
	}
	// The slow client finds its connection closed after what was already in
	// flight: with 1008 if the close frame got through, else cut (-1).
	if code := closeCode(t, slow); code != CloseTooSlow && code != -1 {
		t.Errorf("slow client close code %v, want 1008 or none", code)
	}
	t.Logf("slow client dropped after %d messages of %d KiB", sent, len(big)>>10)
}

func TestHubCloseSendsGoingAway(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	clients := []*websocket.Conn{b.connect(t, testPeriod, "admin"), b.connect(t, otherPeriod, "alice")}
	// Queued before Close: flushed before the close frame.
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(`{"type":"last"}`)})

	codes := make([]websocket.StatusCode, len(clients))
	var last string
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for {
				_, m, err := c.Read(ctx)
				if err != nil {
					codes[i] = websocket.CloseStatus(err)
					return
				}
				if i == 0 {
					last = string(m)
				}
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.hub.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	for i, code := range codes {
		if code != websocket.StatusGoingAway {
			t.Errorf("client %d: close code %v, want 1001", i, code)
		}
	}
	if last != `{"type":"last"}` {
		t.Errorf("queued message before close: got %q", last)
	}
	if n := b.hub.Count(); n != 0 {
		t.Errorf("Count after Close = %d", n)
	}
	// New sockets are turned away.
	late := b.dial(t, testPeriod, "admin")
	if code := closeCode(t, late); code != websocket.StatusGoingAway {
		t.Errorf("socket opened after Close: code %v, want 1001", code)
	}
}

// fakeTx records AfterCommit functions; commit runs them.
type fakeTx struct {
	after []func()
	execs int
}

func (tx *fakeTx) ExecAtCommit(context.Context, string, ...any) error {
	tx.execs++
	return nil
}
func (tx *fakeTx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }
func (tx *fakeTx) commit() {
	for _, fn := range tx.after {
		fn()
	}
}

func TestLocalBrokerDeliversAfterCommit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.connect(t, testPeriod, "admin")
	broker := NewLocalBroker(b.hub)
	ctx := context.Background()

	committed, rolledBack := &fakeTx{}, &fakeTx{}
	if err := broker.Stage(ctx, committed, Event{PeriodID: testPeriod, Full: msg(`{"type":"shift.approved"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := broker.Stage(ctx, rolledBack, Event{PeriodID: testPeriod, Full: msg(`{"type":"shift.rejected"}`)}); err != nil {
		t.Fatal(err)
	}
	if len(committed.after) != 1 || committed.execs != 0 {
		t.Fatalf("Stage registered %d after-commit funcs and ran %d statements", len(committed.after), committed.execs)
	}
	// Nothing before commit: a direct delivery arrives first.
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(`{"type":"marker","n":1}`)})
	if got := readMsg(t, c); got != `{"type":"marker","n":1}` {
		t.Fatalf("before commit: got %s", got)
	}
	committed.commit()
	// rolledBack is dropped without commit.
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(`{"type":"marker","n":2}`)})
	for _, want := range []string{`{"type":"shift.approved"}`, `{"type":"marker","n":2}`} {
		if got := readMsg(t, c); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- broker.Run(runCtx) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestDeliverWithoutSubscribers(t *testing.T) {
	t.Parallel()
	h := NewHub(HubOpts{})
	h.Deliver(Event{PeriodID: 1, Full: msg(`{}`)})
	h.Deliver(Event{PeriodID: 1})
	if h.Count() != 0 {
		t.Fatal("Count != 0")
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A reply (pong) is queued behind every event delivered before the ping was
// read, though Deliver returns before the dispatcher has fanned them out:
// a client that pings after a change learns of the change first.
func TestReplyFollowsDeliveredEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{hub: HubOpts{QueueSize: 512}})
	c := b.connect(t, testPeriod, "admin")
	// Other sockets of the period make each fan-out take a while.
	for i := range 200 {
		raw, _, err := dialRaw(strings.TrimPrefix(b.srv.URL, "http://"), fmt.Sprintf("/ws/schedule/%d/?token=pa%d", testPeriod, 100+i))
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
	}
	for round := range 20 {
		for i := range 20 {
			b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(fmt.Sprintf(`{"type":"n","round":%d,"i":%d}`, round, i))})
		}
		send(t, c, fmt.Sprintf(`{"type":"ping","timestamp":%d}`, round))
		for i := range 20 {
			want := fmt.Sprintf(`{"type":"n","round":%d,"i":%d}`, round, i)
			if got := readMsg(t, c); got != want {
				t.Fatalf("round %d: got %s, want %s", round, got, want)
			}
		}
		if got, want := readMsg(t, c), fmt.Sprintf(`{"type":"pong","timestamp":%d}`, round); got != want {
			t.Fatalf("round %d: got %s, want %s", round, got, want)
		}
	}
}
