package realtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PGSchema creates the table that carries events too large for a NOTIFY
// payload. Rows are read by every instance and deleted after an hour.
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

// notifyLimit: PostgreSQL refuses NOTIFY payloads of 8000 bytes or more (in
// the default build); larger events travel through realtime_events.
const notifyLimit = 8000

// eventTTL is how long a realtime_events row is kept for the instances to
// read; cleanupEvery is how often a listener deletes older rows.
const (
	eventTTL     = time.Hour
	cleanupEvery = 10 * time.Minute
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
	// it pings the server to detect a dead link (default 30 s).
	HealthInterval time.Duration
	// OnListen, if set, is called with the server process id of the listening
	// connection each time LISTEN becomes active (first connection and every
	// reconnection).
	OnListen func(pid uint32)
}

// PGBroker is the Broker of a deployment with several instances on one
// PostgreSQL database: Stage sends the event with NOTIFY inside the caller's
// transaction, so it leaves only if and when the transaction commits, in
// commit order; Run LISTENs on a dedicated connection and hands every
// notification, this instance's own included, to the local Hub.
type PGBroker struct {
	connString string
	hub        *Hub
	logger     *slog.Logger
	opts       PGBrokerOpts

	ready     chan struct{}
	readyOnce sync.Once

	lastCleanup time.Time // used by Run's goroutine only
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
	}
}

// Ready is closed once Run's first LISTEN is active: an event staged after
// that reaches this instance.
func (b *PGBroker) Ready() <-chan struct{} { return b.ready }

// wireEvent is an Event on the NOTIFY channel, or a reference to one in
// realtime_events.
type wireEvent struct {
	PeriodID int64           `json:"p,omitempty"`
	OwnerID  int64           `json:"o,omitempty"`
	Full     json.RawMessage `json:"f,omitempty"`
	Public   json.RawMessage `json:"u,omitempty"`
	Revoke   int64           `json:"r,omitempty"`
	Ref      int64           `json:"ref,omitempty"`
}

// Stage queues ev in tx: `SELECT pg_notify(channel, event)`, or, for an
// encoded event of 8000 bytes or more, an INSERT into realtime_events and a
// notification of its id, in one statement. Full and Public must be valid
// JSON.
func (b *PGBroker) Stage(ctx context.Context, tx Tx, ev Event) error {
	payload, err := json.Marshal(wireEvent{PeriodID: ev.PeriodID, OwnerID: ev.OwnerID, Full: ev.Full, Public: ev.Public, Revoke: ev.RevokeUserID})
	if err != nil {
		return fmt.Errorf("realtime: encode event for period %d: %w", ev.PeriodID, err)
	}
	if len(payload) < notifyLimit {
		_, err = tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.opts.Channel, string(payload))
	} else {
		_, err = tx.ExecContext(ctx, `WITH ev AS (INSERT INTO realtime_events (payload) VALUES ($2) RETURNING id)
SELECT pg_notify($1, '{"ref":' || ev.id || '}') FROM ev`, b.opts.Channel, string(payload))
	}
	if err != nil {
		return fmt.Errorf("realtime: stage event for period %d: %w", ev.PeriodID, err)
	}
	return nil
}

// Run listens until ctx ends, then returns nil. A lost connection is logged
// and re-established with capped exponential backoff; notifications sent
// while it is down are lost for this instance. Only a connection string that
// does not parse makes it return an error. Run must not be called twice at
// once.
func (b *PGBroker) Run(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(b.connString)
	if err != nil {
		return fmt.Errorf("realtime: listener connection string: %w", err)
	}
	var delay time.Duration
	for {
		listened, err := b.listen(ctx, cfg)
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
	pid := conn.PgConn().PID()
	b.logger.Info("realtime: listening for events", "channel", b.opts.Channel, "pid", pid)
	b.readyOnce.Do(func() { close(b.ready) })
	if b.opts.OnListen != nil {
		b.opts.OnListen(pid)
	}

	for {
		wctx, cancel := context.WithTimeout(ctx, b.opts.HealthInterval)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if n != nil {
			if herr := b.handle(ctx, conn, n.Payload); herr != nil {
				return true, herr
			}
		}
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return true, ctx.Err()
		case pgconn.Timeout(err) && !conn.IsClosed():
			// Quiet channel: make sure the link is still alive.
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true, err
			}
		default:
			return true, err
		}
	}
}

// handle delivers one notification. Only a failure of the connection is
// returned; an undecodable payload or a missing row is logged and skipped.
func (b *PGBroker) handle(ctx context.Context, conn *pgx.Conn, payload string) error {
	var w wireEvent
	if err := json.Unmarshal([]byte(payload), &w); err != nil {
		b.logger.Error("realtime: undecodable notification", "err", err)
		return nil
	}
	if ref := w.Ref; ref != 0 {
		var stored string
		err := conn.QueryRow(ctx, `SELECT payload FROM realtime_events WHERE id = $1`, ref).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			b.logger.Error("realtime: referenced event is gone", "ref", ref)
			return nil
		}
		if err != nil {
			return fmt.Errorf("load event %d: %w", ref, err)
		}
		w = wireEvent{}
		if err := json.Unmarshal([]byte(stored), &w); err != nil || w.Ref != 0 {
			b.logger.Error("realtime: undecodable stored event", "ref", ref, "err", err)
			return nil
		}
		defer b.cleanup(ctx, conn)
	}
	b.hub.Deliver(Event{PeriodID: w.PeriodID, OwnerID: w.OwnerID, Full: w.Full, Public: w.Public, RevokeUserID: w.Revoke})
	return nil
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
