package realtime

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	_ "github.com/jackc/pgx/v5/stdlib"

	"pasched"
	"pasched/internal/pgtest"
)

// pgBundle is a private PostgreSQL schema and NOTIFY channel for one test.
type pgBundle struct {
	url     string // TEST_DATABASE_URL with search_path set to the schema
	db      *sql.DB
	channel string
}

func setupPG(t *testing.T) *pgBundle {
	t.Helper()
	base := pgtest.URL(t)
	var rnd [6]byte
	rand.Read(rnd[:])
	name := "rt_test_" + hex.EncodeToString(rnd[:])

	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+name+" CASCADE") })

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()

	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := EnsureSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	return &pgBundle{url: u.String(), db: db, channel: name}
}

// startBroker runs a PGBroker for hub until the test ends and waits until it
// listens.
func (p *pgBundle) startBroker(t *testing.T, hub *Hub, opts PGBrokerOpts) *PGBroker {
	t.Helper()
	opts.Channel = p.channel
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 10 * time.Millisecond
	}
	// Short, so that the quiet-channel health check runs during the tests.
	opts.HealthInterval = 30 * time.Millisecond
	b := NewPGBrokerWithOpts(p.url, hub, quietLogger(), opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Ready():
	case err := <-done:
		t.Fatalf("Run ended before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("broker not listening after 10 s")
	}
	return b
}

// sqlTx adapts *sql.Tx to Tx.
type sqlTx struct {
	*sql.Tx
	after []func()
}

func (tx *sqlTx) AfterCommit(fn func()) { tx.after = append(tx.after, fn) }

// ExecAtCommit runs the statement at once.
func (tx *sqlTx) ExecAtCommit(ctx context.Context, q string, args ...any) error {
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// stage runs Stage for evs in one transaction, then commits (or rolls back).
func (p *pgBundle) stage(t *testing.T, b Broker, commit bool, evs ...Event) {
	t.Helper()
	tx := p.begin(t, b, evs...)
	if !commit {
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		return
	}
	commitTx(t, tx)
}

func event(n int) Event {
	return Event{PeriodID: testPeriod, Full: msg(fmt.Sprintf(`{"type":"shift.updated","n":%d}`, n))}
}

func TestPGBrokerAcrossInstances(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	a := setup(t, setupOpts{}) // instance A
	b := setup(t, setupOpts{}) // instance B
	brokerA := p.startBroker(t, a.hub, PGBrokerOpts{})
	p.startBroker(t, b.hub, PGBrokerOpts{})
	onA := a.connect(t, testPeriod, "admin")
	onB := b.connect(t, testPeriod, "admin")
	bobOnB := b.connect(t, testPeriod, "bob")

	// Committed transactions arrive on both instances in commit order; a
	// rolled-back one never does.
	p.stage(t, brokerA, true, event(1), event(2))
	p.stage(t, brokerA, false, event(99))
	p.stage(t, brokerA, true, event(3))
	// Routing still applies after the trip: bob sees alice's event only as
	// Public.
	p.stage(t, brokerA, true, Event{PeriodID: testPeriod, OwnerID: 2,
		Full: msg(`{"type":"shift.approved","shift":{"admin_notes":"x"}}`), Public: msg(`{"type":"shift.approved","shift":{}}`)})
	for _, inst := range []struct {
		name string
		c    *websocket.Conn
	}{{"A", onA}, {"B", onB}} {
		for i := 1; i <= 3; i++ {
			want := fmt.Sprintf(`{"type":"shift.updated","n":%d}`, i)
			if got := readMsg(t, inst.c); got != want {
				t.Errorf("instance %s: got %s, want %s", inst.name, got, want)
			}
		}
		if got := readMsg(t, inst.c); got != `{"type":"shift.approved","shift":{"admin_notes":"x"}}` {
			t.Errorf("instance %s admin: got %s", inst.name, got)
		}
	}
	for i := 1; i <= 3; i++ {
		readMsg(t, bobOnB)
	}
	if got := readMsg(t, bobOnB); got != `{"type":"shift.approved","shift":{}}` {
		t.Errorf("bob on B: got %s, want the public entry", got)
	}
}

// An event far over NOTIFY's 8000-byte payload limit travels like any
// other; rows older than an hour are deleted; a rolled-back transaction
// leaves no row.
func TestPGBrokerLargeEventAndCleanup(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	a := setup(t, setupOpts{})
	b := setup(t, setupOpts{})
	// A row older than an hour, to be deleted by the listeners' first read.
	if _, err := p.db.Exec(`INSERT INTO realtime_events (payload, created_at) VALUES ('{}', now() - interval '2 hours')`); err != nil {
		t.Fatal(err)
	}
	brokerA := p.startBroker(t, a.hub, PGBrokerOpts{})
	p.startBroker(t, b.hub, PGBrokerOpts{})
	onB := b.connect(t, testPeriod, "alice")

	big := `{"type":"period.finalized","period":{"notes":"` + strings.Repeat("é", 6000) + `"}}`
	p.stage(t, brokerA, true, event(1), Event{PeriodID: testPeriod, Full: msg(big)}, event(2))
	for _, want := range []string{`{"type":"shift.updated","n":1}`, big, `{"type":"shift.updated","n":2}`} {
		if got := readMsg(t, onB); got != want {
			t.Errorf("got %.60s (%d bytes), want %.60s (%d bytes)", got, len(got), want, len(want))
		}
	}
	var rows int
	if err := p.db.QueryRow(`SELECT count(*) FROM realtime_events`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Errorf("realtime_events holds %d rows, want 3 (the three events; the old row deleted)", rows)
	}

	p.stage(t, brokerA, false, Event{PeriodID: testPeriod, Full: msg(big)})
	if err := p.db.QueryRow(`SELECT count(*) FROM realtime_events`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Errorf("after rollback realtime_events holds %d rows, want 3", rows)
	}
}

func TestPGBrokerReconnects(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	b := setup(t, setupOpts{})
	pids := make(chan uint32, 4)
	broker := p.startBroker(t, b.hub, PGBrokerOpts{OnListen: func(pid uint32) { pids <- pid }})
	c := b.connect(t, testPeriod, "admin")

	first := <-pids
	p.stage(t, broker, true, event(1))
	if got := readMsg(t, c); got != `{"type":"shift.updated","n":1}` {
		t.Fatalf("before the kill: got %s", got)
	}

	if _, err := p.db.Exec(`SELECT pg_terminate_backend($1)`, int64(first)); err != nil {
		t.Fatal(err)
	}
	var second uint32
	select {
	case second = <-pids:
	case <-time.After(10 * time.Second):
		t.Fatal("listener did not reconnect within 10 s")
	}
	if second == first {
		t.Fatalf("listener pid unchanged (%d)", first)
	}
	p.stage(t, broker, true, event(2))
	if got := readMsg(t, c); got != `{"type":"shift.updated","n":2}` {
		t.Errorf("after reconnecting: got %s", got)
	}
}

func TestPGBrokerRefusesInvalidJSON(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	broker := NewPGBrokerWithOpts(p.url, NewHub(HubOpts{}), quietLogger(), PGBrokerOpts{Channel: p.channel})
	tx, err := p.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := broker.Stage(context.Background(), &sqlTx{Tx: tx}, Event{PeriodID: 1, Full: msg(`{not json`)}); err == nil {
		t.Error("Stage accepted invalid JSON")
	}
}

// A revocation staged on instance A closes the user's sockets on instance B
// (and A), and survives the JSON round trip as a revocation, not a message.
func TestPGBrokerRevokeAcrossInstances(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	a := setup(t, setupOpts{})
	b := setup(t, setupOpts{})
	brokerA := p.startBroker(t, a.hub, PGBrokerOpts{})
	p.startBroker(t, b.hub, PGBrokerOpts{})
	aliceOnA := a.connect(t, testPeriod, "alice")
	aliceOnB := b.connect(t, otherPeriod, "alice")
	bobOnB := b.connect(t, otherPeriod, "bob")

	p.stage(t, brokerA, false, Event{RevokeUserID: 2}) // rolled back: nothing
	p.stage(t, brokerA, true, Event{RevokeUserID: 2})
	for name, c := range map[string]*websocket.Conn{"A": aliceOnA, "B": aliceOnB} {
		if ce := closeErr(t, c); ce.Code != CloseUnauthorized || ce.Reason != "token revoked" {
			t.Errorf("alice on %s: %v, want 4001 token revoked", name, ce)
		}
	}
	p.stage(t, brokerA, true, Event{PeriodID: otherPeriod, Full: msg(`{"type":"n"}`)})
	if got := readMsg(t, bobOnB); got != `{"type":"n"}` {
		t.Errorf("bob on B: got %s", got)
	}
}

// begin opens a transaction and stages evs in it; the caller commits it
// with commitTx.
func (p *pgBundle) begin(t *testing.T, b Broker, evs ...Event) *sqlTx {
	t.Helper()
	ctx := context.Background()
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stx := &sqlTx{Tx: tx}
	for _, ev := range evs {
		if err := b.Stage(ctx, stx, ev); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
	}
	return stx
}

func commitTx(t *testing.T, tx *sqlTx) {
	t.Helper()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, fn := range tx.after {
		fn()
	}
}

// Two unrelated transactions that commit in the opposite order of their
// event ids: the listener delivers the later id first and still delivers
// the earlier one when it commits (it is not skipped for being below the
// last id seen), on every instance.
func TestPGBrokerCommitOutOfIDOrder(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	a := setup(t, setupOpts{})
	b := setup(t, setupOpts{})
	brokerA := p.startBroker(t, a.hub, PGBrokerOpts{})
	p.startBroker(t, b.hub, PGBrokerOpts{})
	onA := a.connect(t, testPeriod, "admin")
	onB := b.connect(t, testPeriod, "admin")

	first := p.begin(t, brokerA, event(1))  // takes the lower id
	second := p.begin(t, brokerA, event(2)) // the higher one
	commitTx(t, second)
	for name, c := range map[string]*websocket.Conn{"A": onA, "B": onB} {
		if got := readMsg(t, c); got != `{"type":"shift.updated","n":2}` {
			t.Fatalf("instance %s: got %s, want event 2", name, got)
		}
	}
	commitTx(t, first)
	p.stage(t, brokerA, true, event(3))
	for name, c := range map[string]*websocket.Conn{"A": onA, "B": onB} {
		for _, want := range []string{`{"type":"shift.updated","n":1}`, `{"type":"shift.updated","n":3}`} {
			if got := readMsg(t, c); got != want {
				t.Errorf("instance %s: got %s, want %s", name, got, want)
			}
		}
	}
}

// Events committed while an instance's listener was stopped reach its
// sockets when it listens again, in commit order (NOTIFY payloads, which
// this broker once carried events in, were lost then).
func TestPGBrokerCatchesUpAfterListening(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	inst := setup(t, setupOpts{})
	broker := NewPGBrokerWithOpts(p.url, inst.hub, quietLogger(), PGBrokerOpts{Channel: p.channel, HealthInterval: time.Minute})
	c := inst.connect(t, testPeriod, "admin")

	run := func() (stop func()) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		listening := make(chan uint32, 1)
		broker.opts.OnListen = func(pid uint32) { listening <- pid }
		go func() { done <- broker.Run(ctx) }()
		select {
		case <-listening:
		case err := <-done:
			t.Fatalf("Run ended before listening: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("broker not listening after 10 s")
		}
		return func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		}
	}
	stop := run()
	p.stage(t, broker, true, event(1))
	if got := readMsg(t, c); got != `{"type":"shift.updated","n":1}` {
		t.Fatalf("while listening: got %s", got)
	}
	stop()
	p.stage(t, broker, true, event(2))
	p.stage(t, broker, false, event(98))
	p.stage(t, broker, true, event(3))
	stop = run()
	defer stop()
	for _, want := range []string{`{"type":"shift.updated","n":2}`, `{"type":"shift.updated","n":3}`} {
		if got := readMsg(t, c); got != want {
			t.Errorf("after listening again: got %s, want %s", got, want)
		}
	}
}

// A user's change (staged through the Publisher, as accounts does) reaches
// OnUserChanged on every instance and never a socket: its stored payload is
// the user id alone, and the sockets' next message is the event after it. A
// revocation reaches OnUserChanged too. OnLive follows the listener: false
// when its connection is cut, true again once it has caught up, and a
// change committed meanwhile is delivered.
func TestPGBrokerUserChanged(t *testing.T) {
	t.Parallel()
	p := setupPG(t)
	a := setup(t, setupOpts{})
	b := setup(t, setupOpts{})
	changed := make(chan int64, 16)
	live := make(chan bool, 8)
	pids := make(chan uint32, 8)
	brokerA := p.startBroker(t, a.hub, PGBrokerOpts{})
	p.startBroker(t, b.hub, PGBrokerOpts{
		OnUserChanged: func(id int64) { changed <- id },
		OnLive:        func(l bool) { live <- l },
		OnListen:      func(pid uint32) { pids <- pid },
	})
	next := func(what string) any {
		t.Helper()
		select {
		case id := <-changed:
			return id
		case l := <-live:
			return l
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s within 10 s", what)
		}
		return nil
	}
	if got := next("OnLive"); got != true {
		t.Fatalf("first OnLive: %v", got)
	}
	aliceOnB := b.connect(t, testPeriod, "alice")
	adminOnB := b.connect(t, testPeriod, "admin")

	tx := p.begin(t, brokerA)
	if err := NewPublisher(brokerA).Stage(context.Background(), tx, pasched.Event{UserChangedID: 2,
		Kind: pasched.EventShiftApproved, PeriodID: testPeriod, Message: "must not travel"}); err != nil {
		t.Fatal(err)
	}
	if err := brokerA.Stage(context.Background(), tx, event(1)); err != nil {
		t.Fatal(err)
	}
	commitTx(t, tx)
	if got := next("user change"); got != int64(2) {
		t.Fatalf("OnUserChanged: %v, want 2", got)
	}
	var payload string
	if err := p.db.QueryRow(`SELECT payload FROM realtime_events ORDER BY id LIMIT 1`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if payload != `{"c":2}` {
		t.Errorf("stored user change %s, want {\"c\":2}", payload)
	}
	for name, c := range map[string]*websocket.Conn{"alice": aliceOnB, "admin": adminOnB} {
		if got := readMsg(t, c); got != `{"type":"shift.updated","n":1}` {
			t.Errorf("%s's first message: %s, want event 1", name, got)
		}
	}

	p.stage(t, brokerA, true, Event{RevokeUserID: 3})
	if got := next("revocation"); got != int64(3) {
		t.Fatalf("OnUserChanged after a revocation: %v, want 3", got)
	}

	if _, err := p.db.Exec(`SELECT pg_terminate_backend($1)`, int64(<-pids)); err != nil {
		t.Fatal(err)
	}
	if got := next("OnLive after the cut"); got != false {
		t.Fatalf("OnLive after the cut: %v, want false", got)
	}
	p.stage(t, brokerA, true, Event{UserChangedID: 4})
	// Reconnected (true) and the change delivered, in either order: the
	// reconnection may have caught it up before OnLive(true) or not. A
	// failed reconnection attempt may report false again first: the wait
	// is for both, each bounded by next's 10 s.
	seen := map[any]bool{}
	for !seen[true] || !seen[int64(4)] {
		seen[next(fmt.Sprintf("reconnection and user 4's change (seen %v)", seen))] = true
	}
}
