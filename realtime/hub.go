package realtime

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// DefaultQueueSize is the number of messages a socket may have waiting before
// it is dropped as too slow.
const DefaultQueueSize = 64

// HubOpts configures a Hub.
type HubOpts struct {
	// QueueSize bounds each socket's queue of unsent messages; when a message
	// does not fit, the socket is closed with CloseTooSlow. Default 64.
	QueueSize int
	// Logger receives connection-level diagnostics; default slog.Default().
	Logger *slog.Logger
}

// Hub holds this process's sockets, grouped by schedule period, and fans
// events out to them. It is safe for concurrent use.
type Hub struct {
	queueSize int
	logger    *slog.Logger

	mu      sync.Mutex // serialises Deliver, so every socket sees one order
	periods map[int64]map[*client]struct{}
	count   int
	closed  bool

	writers sync.WaitGroup // one per registered socket
}

// NewHub returns an empty hub.
func NewHub(opts HubOpts) *Hub {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Hub{
		queueSize: opts.QueueSize,
		logger:    opts.Logger,
		periods:   make(map[int64]map[*client]struct{}),
	}
}

// Count is the number of sockets currently subscribed.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count
}

// Deliver queues ev for every socket of ev.PeriodID that may see it: admins
// get Full; a PA gets Full when the event is its own or everyone's
// (OwnerID 0), otherwise Public, or nothing when Public is nil.
//
// Deliver never blocks on a client: a socket whose queue is full is dropped
// and closed with CloseTooSlow. Each socket receives events in the order of
// the Deliver calls. The message bytes are shared, not copied; the caller must
// not modify them afterwards.
func (h *Hub) Deliver(ev Event) {
	var full, public *[]byte
	if len(ev.Full) > 0 {
		b := []byte(ev.Full)
		full = &b
	}
	if len(ev.Public) > 0 {
		b := []byte(ev.Public)
		public = &b
	}
	if full == nil && public == nil {
		return
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.periods[ev.PeriodID] {
		m := route(&c.user, &ev, full, public)
		if m == nil {
			continue
		}
		select {
		case c.send <- m:
		default:
			h.dropLocked(c)
			c.stop(CloseTooSlow, "too slow", true)
			h.logger.Info("realtime: dropped slow socket", "period", c.period, "user", c.user.ID)
		}
	}
}

// Close closes every socket with 1001 (going away) after flushing what is
// already queued, and refuses new ones. It waits for the sockets' close
// handshakes until ctx ends, then cuts the remaining connections and returns
// ctx.Err(). Call it after the HTTP server has stopped accepting: hijacked
// connections are not tracked by http.Server.Shutdown.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	var all []*client
	for _, subs := range h.periods {
		for c := range subs {
			all = append(all, c)
		}
	}
	clear(h.periods)
	h.count = 0
	h.mu.Unlock()

	for _, c := range all {
		c.stop(websocket.StatusGoingAway, "server shutting down", false)
	}
	done := make(chan struct{})
	go func() {
		h.writers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range all {
			c.cancel()
			go c.conn.CloseNow()
		}
		<-done
		return ctx.Err()
	}
}

// register subscribes c and starts its writer. It reports false once the hub
// is closed.
func (h *Hub) register(c *client, pingInterval time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	subs := h.periods[c.period]
	if subs == nil {
		subs = make(map[*client]struct{})
		h.periods[c.period] = subs
	}
	subs[c] = struct{}{}
	h.count++
	h.writers.Add(1)
	go c.writeLoop(pingInterval)
	return true
}

// drop unsubscribes c; it is a no-op when c is not subscribed.
func (h *Hub) drop(c *client) {
	h.mu.Lock()
	h.dropLocked(c)
	h.mu.Unlock()
}

func (h *Hub) dropLocked(c *client) {
	subs := h.periods[c.period]
	if _, ok := subs[c]; !ok {
		return
	}
	delete(subs, c)
	h.count--
	if len(subs) == 0 {
		delete(h.periods, c.period)
	}
}

// client is one socket, served by two goroutines: readLoop (started by the
// handler) and writeLoop (started by register). They share the queue, the
// stop signal and the connection, whose methods are safe for concurrent use.
type client struct {
	hub    *Hub
	conn   *websocket.Conn
	user   User
	period int64

	send chan *[]byte // bounded queue; messages are shared between sockets

	// ctx bounds every write; cancelling it aborts a write stuck on a peer
	// that does not read (coder/websocket then closes the connection).
	ctx    context.Context
	cancel context.CancelFunc

	once   sync.Once
	quit   chan struct{} // closed by stop
	code   websocket.StatusCode
	reason string
	abort  bool

	seen    atomic.Bool // the peer sent something since the last ping tick
	pinging atomic.Bool
}

func newClient(h *Hub, conn *websocket.Conn, u User, period int64) *client {
	ctx, cancel := context.WithCancel(context.Background())
	return &client{
		hub:    h,
		conn:   conn,
		user:   u,
		period: period,
		send:   make(chan *[]byte, h.queueSize),
		ctx:    ctx,
		cancel: cancel,
		quit:   make(chan struct{}),
	}
}

// enqueue queues m without blocking and reports whether it fitted.
func (c *client) enqueue(m []byte) bool {
	select {
	case c.send <- &m:
		return true
	default:
		return false
	}
}

// stop asks the writer to end the connection: with a close frame of code
// (after flushing the queue unless abort), or without one when code is 0.
// abort also cuts a write in progress. Only the first call counts.
func (c *client) stop(code websocket.StatusCode, reason string, abort bool) {
	c.once.Do(func() {
		c.code, c.reason, c.abort = code, reason, abort
		if abort {
			c.cancel()
		}
		close(c.quit)
	})
}

// fail ends the socket at once, without a close frame: the peer is gone or
// unresponsive.
func (c *client) fail() {
	c.hub.drop(c)
	c.stop(0, "", true)
	c.conn.CloseNow()
}

// writeLoop drains the queue onto the connection and pings an idle peer every
// pingInterval; a peer that does not answer within the next interval is cut.
func (c *client) writeLoop(pingInterval time.Duration) {
	defer c.hub.writers.Done()
	defer c.cancel()
	tick := time.NewTicker(pingInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.quit:
			c.finish()
			return
		default:
		}
		select {
		case m := <-c.send:
			if err := c.conn.Write(c.ctx, websocket.MessageText, *m); err != nil {
				c.fail()
				return
			}
		case <-c.quit:
			c.finish()
			return
		case <-tick.C:
			c.keepalive(pingInterval)
		}
	}
}

// finish carries out stop's request.
func (c *client) finish() {
	if c.code == 0 {
		c.conn.CloseNow()
		return
	}
	if !c.abort {
	flush:
		for {
			select {
			case m := <-c.send:
				if c.conn.Write(c.ctx, websocket.MessageText, *m) != nil {
					break flush
				}
			default:
				break flush
			}
		}
	}
	// Close writes the close frame and waits (each step bounded to 5 s by
	// coder/websocket) for the peer's answer, which the reader consumes.
	c.conn.Close(c.code, c.reason)
}

// keepalive pings the peer unless it has been heard from since the last tick.
// The ping runs in its own short-lived goroutine so that the writer keeps
// draining the queue while the pong is on its way.
func (c *client) keepalive(timeout time.Duration) {
	if c.seen.Swap(false) || !c.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer c.pinging.Store(false)
		ctx, cancel := context.WithTimeout(c.ctx, timeout)
		defer cancel()
		if err := c.conn.Ping(ctx); err != nil {
			select {
			case <-c.quit: // closing anyway; let the close handshake finish
			default:
				c.hub.logger.Debug("realtime: peer did not answer ping", "period", c.period, "user", c.user.ID, "err", err)
				c.fail()
			}
		}
	}()
}
