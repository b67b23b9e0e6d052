package realtime

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeClock is a settable HubOpts.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// closeErr reads until the connection ends and returns its close frame
// (code -1 when it ended without one).
func closeErr(t testing.TB, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			t.Fatalf("connection still open after 10 s")
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce
		}
		return websocket.CloseError{Code: -1, Reason: err.Error()}
	}
}

// expiringUsers authenticates "<name>@<offset>" tokens: the user of
// testUsers whose token expires offset after t0 ("<name>" alone: never).
func expiringUsers(t0 time.Time) func(context.Context, string) (User, error) {
	return func(ctx context.Context, tok string) (User, error) {
		for name, u := range testUsers {
			if tok == name {
				return u, nil
			}
			if len(tok) > len(name) && tok[:len(name)+1] == name+"@" {
				d, err := time.ParseDuration(tok[len(name)+1:])
				if err != nil {
					return User{}, err
				}
				u.Expires = t0.Add(d)
				return u, nil
			}
		}
		return User{}, errBadToken
	}
}

// wantEvent delivers an event to the period and checks that each of cs
// receives it (so is still open).
func wantEvent(t *testing.T, h *Hub, period int64, body string, cs ...*websocket.Conn) {
	t.Helper()
	h.Deliver(Event{PeriodID: period, Full: msg(body)})
	for i, c := range cs {
		if got := readMsg(t, c); got != body {
			t.Fatalf("socket %d: got %s, want %s", i, got, body)
		}
	}
}

func TestExpiredTokenCloses4001(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 3, 2, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0}
	b := setup(t, setupOpts{hub: HubOpts{Now: clock.Now}, authenticate: expiringUsers(t0)})

	aliceLate := b.connect(t, testPeriod, "alice@2h")
	aliceSoon := b.connect(t, testPeriod, "alice@5m")
	bobSoon := b.connect(t, otherPeriod, "bob@10m")
	admin := b.connect(t, testPeriod, "admin") // never expires

	// Not yet due: nothing closes.
	clock.set(t0.Add(5*time.Minute - time.Second))
	b.hub.pokeExpiry()
	wantEvent(t, b.hub, testPeriod, `{"type":"n","n":1}`, aliceLate, aliceSoon, admin)

	clock.set(t0.Add(5 * time.Minute))
	b.hub.pokeExpiry()
	if ce := closeErr(t, aliceSoon); ce.Code != CloseUnauthorized || ce.Reason != "token expired" {
		t.Fatalf("expired socket: %v, want 4001 token expired", ce)
	}
	// Only the socket whose token expired: the same user's other socket,
	// another user's and the admin's stay open.
	wantEvent(t, b.hub, testPeriod, `{"type":"n","n":2}`, aliceLate, admin)
	wantEvent(t, b.hub, otherPeriod, `{"type":"n","n":3}`, bobSoon)
	if n := b.hub.Count(); n != 3 {
		t.Fatalf("Count = %d, want 3", n)
	}

	clock.set(t0.Add(3 * time.Hour))
	b.hub.pokeExpiry()
	for i, c := range []*websocket.Conn{aliceLate, bobSoon} {
		if ce := closeErr(t, c); ce.Code != CloseUnauthorized || ce.Reason != "token expired" {
			t.Fatalf("socket %d: %v, want 4001 token expired", i, ce)
		}
	}
	wantEvent(t, b.hub, testPeriod, `{"type":"n","n":4}`, admin)
	if n := b.hub.Count(); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}
}

// With the real clock the hub's own timer closes the socket, without a poke.
func TestExpiryTimerFires(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{authenticate: expiringUsers(time.Now())})
	keep := b.connect(t, testPeriod, "bob@1h")
	c := b.connect(t, testPeriod, "alice@100ms")
	if ce := closeErr(t, c); ce.Code != CloseUnauthorized || ce.Reason != "token expired" {
		t.Fatalf("got %v, want 4001 token expired", ce)
	}
	wantEvent(t, b.hub, testPeriod, `{"type":"n"}`, keep)
}

// A socket dropped before its token expires leaves the heap.
func TestDroppedSocketLeavesExpiryHeap(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	b := setup(t, setupOpts{authenticate: expiringUsers(t0)})
	c := b.connect(t, testPeriod, "alice@1h")
	keep := b.connect(t, testPeriod, "bob@2h")
	c.Close(websocket.StatusNormalClosure, "")
	// Once the hub has dropped it, only bob's socket is in the heap.
	for deadline := time.Now().Add(5 * time.Second); b.hub.Count() != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("Count = %d after 5 s, want 1", b.hub.Count())
		}
		time.Sleep(time.Millisecond) // polling observable state
	}
	b.hub.mu.Lock()
	n, first := len(b.hub.expiry), b.hub.expiry[0].user.ID
	b.hub.mu.Unlock()
	if n != 1 || first != 3 {
		t.Fatalf("heap: %d entries, first user %d; want bob's alone", n, first)
	}
	wantEvent(t, b.hub, testPeriod, `{"type":"n"}`, keep)
}

func TestRevokeClosesUsersSockets4001(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	alice1 := b.connect(t, testPeriod, "alice")
	alice2 := b.connect(t, otherPeriod, "alice")
	bob := b.connect(t, testPeriod, "bob")
	admin := b.connect(t, testPeriod, "admin")
	broker := NewLocalBroker(b.hub)
	ctx := context.Background()

	// A rolled-back revocation does nothing.
	if err := broker.Stage(ctx, &fakeTx{}, Event{RevokeUserID: 2}); err != nil {
		t.Fatal(err)
	}
	b.hub.Deliver(Event{PeriodID: testPeriod, Full: msg(`{"type":"n","n":1}`)})
	tx := &fakeTx{}
	if err := broker.Stage(ctx, tx, Event{RevokeUserID: 2}); err != nil {
		t.Fatal(err)
	}
	tx.commit()
	// Events delivered before the revocation still arrive, then the close;
	// the revocation itself is never a message.
	if got := readMsg(t, alice1); got != `{"type":"n","n":1}` {
		t.Fatalf("alice: got %s", got)
	}
	for i, c := range []*websocket.Conn{alice1, alice2} {
		if ce := closeErr(t, c); ce.Code != CloseUnauthorized || ce.Reason != "token revoked" {
			t.Fatalf("alice socket %d: %v, want 4001 token revoked", i, ce)
		}
	}
	// Other users' sockets stay open and get nothing extra.
	for _, c := range []*websocket.Conn{bob, admin} {
		if got := readMsg(t, c); got != `{"type":"n","n":1}` {
			t.Fatalf("got %s", got)
		}
	}
	wantEvent(t, b.hub, testPeriod, `{"type":"n","n":2}`, bob, admin)
	if n := b.hub.Count(); n != 2 {
		t.Fatalf("Count = %d, want 2", n)
	}
}
