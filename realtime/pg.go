package realtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGSchema creates the table events travel through: a transaction inserts
// its events there, the instances read them in id order. Rows are deleted
// after an hour.
const PGSchema = `CREATE TABLE IF NOT EXISTS realtime_events (
    id BIGSERIAL PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS realtime_events_created_at_idx ON realtime_events (created_at);`

// EnsureSchema runs PGSchema on db.
func EnsureSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, PGSchema); err != nil {
		return fmt.Errorf("realtime: create schema: %w", err)
	}
	return nil
}

// DefaultPGChannel is the NOTIFY channel the brokers share.
const DefaultPGChannel = "pasched_events"

// eventTTL is how long a realtime_events row is kept for the instances to
// read; cleanupEvery is how often a listener deletes older rows.
const (
	eventTTL     = time.Hour
	cleanupEvery = 10 * time.Minute
)

// gapTTL is how long a listener keeps looking for an event id it skipped
// (see PGBroker): a transaction that took an id and has not committed
// after this long is taken for rolled back. maxGaps bounds how many such
// ids it keeps.
const (
	gapTTL  = 2 * time.Minute
	maxGaps = 10000
)

// connectTimeout bounds one connection attempt of the listener, and
// pingTimeout its health check.
const (
	connectTimeout = 15 * time.Second
	pingTimeout    = 10 * time.Second
)

// PGBrokerOpts configures a PGBroker; zero values take the defaults.
type PGBrokerOpts struct {
	// Channel is the NOTIFY channel, default DefaultPGChannel. Every instance
	// of one deployment must use the same one.
	Channel string
	// MinBackoff and MaxBackoff bound the wait between reconnection attempts
	// of the listener (doubling from Min to Max; defaults 250 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
	// HealthInterval is how long the listener waits for a notification before
	// it reads the table anyway, which also checks the link (default 30 s).
	HealthInterval time.Duration
	// OnListen, if set, is called with the server process id of the listening
	// connection each time LISTEN becomes active (first connection and every
	// reconnection).
	OnListen func(pid uint32)
	// OnUserChanged, if set, is called from the listener with the id of
	// each user whose row changed on any instance (Event.UserChangedID)
	// or whose sessions were revoked (Event.RevokeUserID), in id order,
	// once that change has committed. It must not block.
	OnUserChanged func(userID int64)
	// OnLive, if set, is called with true once the listener has LISTENed
	// and read every event committed before (after each connection), and
	// with false as soon as it may miss events: its connection failed, or
	// Run is returning. A user cache is safe while it is live: every
	// change to a user reaches OnUserChanged, but for three cases that a
	// short TTL must cover: a change still committing when the first
	// connection read the last id (it starts after it, see listen), one
	// committed past gapTTL or maxGaps, and a connection that died
	// silently (found at the next HealthInterval).
	OnLive func(live bool)
}

// PGBroker is the Broker of a deployment with several instances on one
// PostgreSQL database.
//
// Stage inserts the event into realtime_events inside the caller's
// transaction, so it exists only if the transaction commits. Once it has
// committed, the instance sends one payload-less NOTIFY on the channel for
// all the commits of the moment (one goroutine sends them, one at a time).
// Every instance LISTENs, and on each notification reads the rows after
// the last id it has seen and hands them to its Hub in id order.
//
// Why not NOTIFY inside the transaction, as this broker first did: PostgreSQL
// makes the commits of transactions that NOTIFY wait for one another, WAL
// flush included (to queue notifications in commit order). On the
// development machine that capped writes at 358–391 commits/s against
// 1,180–1,475 without (pgbench, 8 clients), whatever the number of cores.
//
// Order: ids come from a sequence, taken inside the transaction after the
// change's locks (scheduling takes them first), so of two changes that
// touch the same PA or date the later one has the larger id, and it cannot
// commit before the earlier one has: id order is commit order wherever
// order matters. Two unrelated transactions may commit out of id order;
// a listener that sees id n+2 before n+1 remembers n+1 as a gap and reads
// it when it commits (for gapTTL). Unlike the NOTIFY payloads before, an
// instance that reconnects catches up from where it was, within eventTTL.
type PGBroker struct {
	connString string
	hub        *Hub
	logger     *slog.Logger
	opts       PGBrokerOpts

	ready     chan struct{}
	readyOnce sync.Once

	// wake has room for one signal: a commit with events since the
	// notifier (run by Run) last sent.
	wake chan struct{}

	// Used by Run's goroutine only.
	started     bool                // the cursor has been set
	cursor      int64               // the highest id delivered
	gaps        map[int64]time.Time // ids below cursor not seen yet, since when
	live        bool                // OnLive(true) was the last call
	lastCleanup time.Time
}

// NewPGBroker returns a broker with default options. connString is a
// PostgreSQL URL or DSN for the listening connection; it must reach the
// server directly (LISTEN does not work through a transaction-pooling
// proxy).
func NewPGBroker(connString string, hub *Hub, logger *slog.Logger) *PGBroker {
	return NewPGBrokerWithOpts(connString, hub, logger, PGBrokerOpts{})
}

// NewPGBrokerWithOpts is NewPGBroker with options.
func NewPGBrokerWithOpts(connString string, hub *Hub, logger *slog.Logger, opts PGBrokerOpts) *PGBroker {
	if logger == nil {
		logger = slog.Default()
	}
	if opts.Channel == "" {
		opts.Channel = DefaultPGChannel
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(30*time.Second, opts.MinBackoff)
	}
	if opts.HealthInterval <= 0 {
		opts.HealthInterval = 30 * time.Second
	}
	return &PGBroker{
		connString: connString,
		hub:        hub,
		logger:     logger,
		opts:       opts,
		ready:      make(chan struct{}),
		wake:       make(chan struct{}, 1),
		gaps:       make(map[int64]time.Time),
	}
}

// Ready is closed once Run's first LISTEN is active: an event staged after
// that reaches this instance.
func (b *PGBroker) Ready() <-chan struct{} { return b.ready }

// wireEvent is an Event as stored in realtime_events.
type wireEvent struct {
	PeriodID int64           `json:"p,omitempty"`
	OwnerID  int64           `json:"o,omitempty"`
	Full     json.RawMessage `json:"f,omitempty"`
	Public   json.RawMessage `json:"u,omitempty"`
	Revoke   int64           `json:"r,omitempty"`
	User     int64           `json:"c,omitempty"`
}

// Stage inserts ev into realtime_events in tx and, once tx has committed,
// has the instances told. Full and Public must be valid JSON.
func (b *PGBroker) Stage(ctx context.Context, tx Tx, ev Event) error {
	w := wireEvent{PeriodID: ev.PeriodID, OwnerID: ev.OwnerID, Full: ev.Full, Public: ev.Public, Revoke: ev.RevokeUserID}
	if ev.UserChangedID != 0 {
		w = wireEvent{User: ev.UserChangedID}
	}
	payload, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("realtime: encode event for period %d: %w", ev.PeriodID, err)
	}
	if err := tx.ExecAtCommit(ctx, `INSERT INTO realtime_events (payload) VALUES ($1)`, string(payload)); err != nil {
		return fmt.Errorf("realtime: stage event for period %d: %w", ev.PeriodID, err)
	}
	tx.AfterCommit(b.announce)
	return nil
}

// notifyConn opens the notifier's connection. Its transactions only
// NOTIFY, and need not wait for their commit record to reach the disk
// (synchronous_commit off): the events they announce are already durable,
// and a lost announcement is made good by the listeners' next read.
func (b *PGBroker) notifyConn(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(b.connString)
	if err != nil {
		return nil, err
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["synchronous_commit"] = "off"
	return pgx.ConnectConfig(ctx, cfg)
}

// announce asks the notifier for a NOTIFY; signals that arrive while one
// is pending or being sent share the next one.
func (b *PGBroker) announce() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// AnnouncePending sends, at once and on a connection of its own, the
// NOTIFY a commit of this process asked for and no notifier has sent: a
// process that does not Run (a command-line task such as createadmin)
// calls it before it exits, so that the serving instances read its events
// now, and drop a changed user from their caches now, instead of at their
// next read. It does nothing when nothing is pending.
func (b *PGBroker) AnnouncePending(ctx context.Context) error {
	select {
	case <-b.wake:
	default:
		return nil
	}
	conn, err := b.notifyConn(ctx)
	if err != nil {
		return fmt.Errorf("realtime: connect to send NOTIFY: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_notify($1, '')`, b.opts.Channel); err != nil {
		return fmt.Errorf("realtime: NOTIFY: %w", err)
	}
	return nil
}

// notifier sends a NOTIFY for each wake signal until ctx ends, on a
// connection of its own. A failed NOTIFY is logged and the connection
// dropped; the listeners read the table anyway at least every
// HealthInterval, and at the next commit's NOTIFY. A process that does not
// Run (a command-line task) announces with AnnouncePending before it exits.
func (b *PGBroker) notifier(ctx context.Context) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			conn.Close(cctx)
			cancel()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		nctx, cancel := context.WithTimeout(ctx, connectTimeout)
		if conn == nil {
			c, err := b.notifyConn(nctx)
			if err != nil {
				cancel()
				b.logger.Warn("realtime: connect to send NOTIFY", "channel", b.opts.Channel, "err", err)
				continue
			}
			conn = c
		}
		if _, err := conn.Exec(nctx, `SELECT pg_notify($1, '')`, b.opts.Channel); err != nil {
			b.logger.Warn("realtime: NOTIFY", "channel", b.opts.Channel, "err", err)
			conn.Close(nctx)
			conn = nil
		}
		cancel()
	}
}

// Run listens until ctx ends, then returns nil; it also sends this
// process's announcements (notifier). A lost connection is logged and
// re-established with capped exponential backoff; the events committed
// while it is down are delivered once it is back. Only a connection string
// that does not parse makes it return an error. Run must not be called
// twice at once.
func (b *PGBroker) Run(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(b.connString)
	if err != nil {
		return fmt.Errorf("realtime: listener connection string: %w", err)
	}
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		b.notifier(ctx)
	}()
	defer func() { <-notified }()
	var delay time.Duration
	defer b.setLive(false)
	for {
		listened, err := b.listen(ctx, cfg)
		b.setLive(false)
		if ctx.Err() != nil {
			return nil
		}
		if listened {
			delay = b.opts.MinBackoff
		} else {
			delay = min(max(2*delay, b.opts.MinBackoff), b.opts.MaxBackoff)
		}
		// ±25 % jitter, so that instances cut off together do not return
		// together.
		wait := delay*3/4 + rand.N(delay/2+1)
		b.logger.Warn("realtime: PostgreSQL listener down; reconnecting",
			"channel", b.opts.Channel, "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// listen runs one listening connection until it fails or ctx ends; listened
// reports whether LISTEN became active.
func (b *PGBroker) listen(ctx context.Context, cfg *pgx.ConnConfig) (listened bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.opts.Channel}.Sanitize()); err != nil {
		return false, err
	}
	if !b.started {
		// First connection: events from now on. After a reconnection the
		// cursor stays (even at 0: an empty table), and the first read
		// catches up.
		if err := conn.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM realtime_events`).Scan(&b.cursor); err != nil {
			return false, err
		}
		b.started = true
	}
	if err := b.read(ctx, conn); err != nil {
		return false, err
	}
	pid := conn.PgConn().PID()
	b.logger.Info("realtime: listening for events", "channel", b.opts.Channel, "pid", pid)
	b.setLive(true)
	b.readyOnce.Do(func() { close(b.ready) })
	if b.opts.OnListen != nil {
		b.opts.OnListen(pid)
	}

	for {
		wctx, cancel := context.WithTimeout(ctx, b.opts.HealthInterval)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return true, ctx.Err()
		case pgconn.Timeout(err) && !conn.IsClosed():
			// Quiet channel: read anyway, which also checks the link and
			// finds a commit whose NOTIFY was lost.
		default:
			return true, err
		}
		rctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err = b.read(rctx, conn)
		cancel()
		if err != nil {
			return true, err
		}
	}
}

// read delivers the events committed since the last read: the rows after
// the cursor and the gaps that have appeared, in id order. Only a failure
// of the query is returned; an undecodable row is logged and skipped.
func (b *PGBroker) read(ctx context.Context, conn *pgx.Conn) error {
	now := time.Now()
	gaps := make([]int64, 0, len(b.gaps))
	for id, since := range b.gaps {
		if now.Sub(since) > gapTTL {
			delete(b.gaps, id) // rolled back, or far too slow to matter
			continue
		}
		gaps = append(gaps, id)
	}
	rows, err := conn.Query(ctx, `SELECT id, payload FROM realtime_events WHERE id > $1 OR id = ANY($2) ORDER BY id`, b.cursor, gaps)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	var (
		id      int64
		payload string
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &payload}, func() error {
		if id > b.cursor {
			if missing := id - b.cursor - 1; missing > 0 && len(b.gaps)+int(missing) <= maxGaps {
				for g := b.cursor + 1; g < id; g++ {
					b.gaps[g] = now
				}
			}
			b.cursor = id
		} else {
			delete(b.gaps, id)
		}
		var w wireEvent
		if err := json.Unmarshal([]byte(payload), &w); err != nil {
			b.logger.Error("realtime: undecodable stored event", "id", id, "err", err)
			return nil
		}
		if w.User != 0 || w.Revoke != 0 {
			if b.opts.OnUserChanged != nil {
				b.opts.OnUserChanged(max(w.User, w.Revoke))
			}
			if w.User != 0 {
				return nil // for this instance's caches, never for its sockets
			}
		}
		b.hub.Deliver(Event{PeriodID: w.PeriodID, OwnerID: w.OwnerID, Full: w.Full, Public: w.Public, RevokeUserID: w.Revoke})
		return nil
	})
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	b.cleanup(ctx, conn)
	return nil
}

// setLive tells OnLive when the listener's state changes.
func (b *PGBroker) setLive(live bool) {
	if b.live == live {
		return
	}
	b.live = live
	if b.opts.OnLive != nil {
		b.opts.OnLive(live)
	}
}

// cleanup deletes realtime_events rows older than eventTTL, at most every
// cleanupEvery. Failures are only logged.
func (b *PGBroker) cleanup(ctx context.Context, conn *pgx.Conn) {
	now := time.Now()
	if now.Sub(b.lastCleanup) < cleanupEvery {
		return
	}
	b.lastCleanup = now
	_, err := conn.Exec(ctx, `DELETE FROM realtime_events WHERE created_at < now() - make_interval(secs => $1)`,
		eventTTL.Seconds())
	if err != nil {
		b.logger.Warn("realtime: delete old events", "err", err)
	}
}
