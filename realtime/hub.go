package realtime

import (
	"context"
	"log/slog"
	"slices"
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
	// Now is the clock that User.Expires is compared with; default
	// time.Now. (Tests inject a fake one.)
	Now func() time.Time
}

// jobQueueSize bounds the events and replies waiting for the dispatcher;
// Deliver blocks while it is full.
const jobQueueSize = 1024

// maxRun bounds the events the dispatcher fans out together.
const maxRun = 64

// Hub holds this process's sockets, grouped by schedule period, and fans
// events out to them. It is safe for concurrent use.
//
// One goroutine, the dispatcher, puts every message on the sockets' queues:
// Deliver only hands it the event, so the transaction or notification that
// raised it does not wait for the fan-out (at 10,000 sockets, waking their
// writers takes tens of milliseconds, and a request preempted in the middle
// waits behind them). Replies to client messages go through the dispatcher
// too, in the same order, so a pong always follows the events delivered
// before its ping arrived. Events that arrive together are fanned out
// together: each socket gets all of its messages of the run at once, and its
// writer sends them in one system call.
type Hub struct {
	queueSize int
	logger    *slog.Logger

	mu      sync.Mutex // guards periods, count, closed and expiry
	periods map[int64]map[*client]struct{}
	count   int
	closed  bool

	// expiry holds the sockets whose token expires (User.Expires set),
	// soonest first; one goroutine, expireLoop, closes them when due.
	expiry     expiryHeap
	now        func() time.Time
	wakeExpiry chan struct{} // cap 1: the soonest expiry changed
	stopExpiry chan struct{} // closed by Close
	stopOnce   sync.Once
	expiryDone chan struct{} // closed when expireLoop has returned

	jobsMu     sync.RWMutex // jobs is closed under the write lock
	jobs       chan job
	jobsClosed bool
	dispatched chan struct{} // closed when the dispatcher has drained jobs

	writers sync.WaitGroup // one per registered socket

	messages, writes, dropped atomic.Uint64 // see Stats
}

// HubStats are counters of a Hub since it started.
type HubStats struct {
	// Messages is the number of messages written to sockets (events,
	// replies, connection.established), Writes the number of writes to
	// connections that carried them: a writer sends what it finds queued in
	// one write.
	Messages, Writes uint64
	// Dropped is the number of sockets dropped as too slow (their queue
	// was full), losing what was queued for them.
	Dropped uint64
}

// Stats returns the hub's counters.
func (h *Hub) Stats() HubStats {
	return HubStats{Messages: h.messages.Load(), Writes: h.writes.Load(), Dropped: h.dropped.Load()}
}

// job is an event for the sockets of a period, or a reply for one socket.
type job struct {
	ev    Event
	reply *client
	msg   []byte
}

// NewHub returns an empty hub and starts its dispatcher; Close stops it.
func NewHub(opts HubOpts) *Hub {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Hub{
		queueSize:  opts.QueueSize,
		logger:     opts.Logger,
		periods:    make(map[int64]map[*client]struct{}),
		now:        opts.Now,
		wakeExpiry: make(chan struct{}, 1),
		stopExpiry: make(chan struct{}),
		expiryDone: make(chan struct{}),
		jobs:       make(chan job, jobQueueSize),
		dispatched: make(chan struct{}),
	}
	go h.dispatch()
	go h.expireLoop()
	return h
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
// Deliver hands ev to the dispatcher and returns; it blocks only while
// jobQueueSize events are already waiting. It never waits for a client: a
// socket whose queue is full is dropped and closed with CloseTooSlow. Each
// socket receives events in the order of the Deliver calls, and before the
// reply to any message it sends after Deliver returned. The message bytes
// are shared, not copied; the caller must not modify them afterwards. After
// Close, Deliver does nothing.
//
// An event with RevokeUserID set is not a message: it closes every socket
// of that user with CloseUnauthorized, after the events delivered before it.
// One with UserChangedID set is for the brokers alone and is dropped here.
func (h *Hub) Deliver(ev Event) {
	if ev.UserChangedID != 0 || ev.RevokeUserID == 0 && len(ev.Full) == 0 && len(ev.Public) == 0 {
		return
	}
	h.submit(job{ev: ev})
}

// reply queues m for c alone, in order with the events.
func (h *Hub) reply(c *client, m []byte) {
	h.submit(job{reply: c, msg: m})
}

func (h *Hub) submit(j job) {
	h.jobsMu.RLock()
	defer h.jobsMu.RUnlock()
	if !h.jobsClosed {
		h.jobs <- j
	}
}

// dispatch puts the jobs' messages on the sockets' queues until jobs is
// closed. Consecutive events are fanned out as one run.
func (h *Hub) dispatch() {
	defer close(h.dispatched)
	run := make([]Event, 0, maxRun)
	for j := range h.jobs {
		for {
			if j.reply != nil {
				h.fanOut(run)
				run = run[:0]
				h.enqueueReply(j.reply, j.msg)
			} else if j.ev.RevokeUserID != 0 {
				h.fanOut(run)
				run = run[:0]
				h.revoke(j.ev.RevokeUserID)
			} else {
				run = append(run, j.ev)
				if len(run) == maxRun {
					h.fanOut(run)
					run = run[:0]
				}
			}
			var ok bool
			select {
			case j, ok = <-h.jobs:
				if ok {
					continue
				}
			default:
			}
			break
		}
		h.fanOut(run)
		run = run[:0]
	}
}

// fanOut queues the events of run for the sockets that may see them, socket
// by socket: all of a socket's messages are on its queue before the next
// socket's writer is woken.
func (h *Hub) fanOut(run []Event) {
	if len(run) == 0 {
		return
	}
	type prepared struct {
		ev           *Event
		full, public *[]byte
	}
	evs := make([]prepared, len(run))
	for i := range run {
		p := prepared{ev: &run[i]}
		if len(run[i].Full) > 0 {
			b := []byte(run[i].Full)
			p.full = &b
		}
		if len(run[i].Public) > 0 {
			b := []byte(run[i].Public)
			p.public = &b
		}
		evs[i] = p
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	for i, first := range evs {
		period := first.ev.PeriodID
		if slices.ContainsFunc(evs[:i], func(p prepared) bool { return p.ev.PeriodID == period }) {
			continue // fanned out with the run's first event of this period
		}
	clients:
		for c := range h.periods[period] {
			for _, p := range evs[i:] {
				if p.ev.PeriodID != period {
					continue
				}
				m := route(&c.user, p.ev, p.full, p.public)
				if m == nil {
					continue
				}
				select {
				case c.send <- m:
				default:
					h.dropSlowLocked(c)
					continue clients
				}
			}
		}
	}
}

// enqueueReply queues a reply; a socket whose queue is full is dropped.
func (h *Hub) enqueueReply(c *client, m []byte) {
	select {
	case <-c.quit:
		return // closing already
	default:
	}
	if !c.enqueue(m) {
		h.mu.Lock()
		h.dropSlowLocked(c)
		h.mu.Unlock()
	}
}

func (h *Hub) dropSlowLocked(c *client) {
	h.dropped.Add(1)
	h.dropLocked(c)
	c.stop(CloseTooSlow, "too slow", true)
	h.logger.Info("realtime: dropped slow socket", "period", c.period, "user", c.user.ID)
}

// Close closes every socket with 1001 (going away) after flushing what is
// already queued, and refuses new ones. It waits for the sockets' close
// handshakes until ctx ends, then cuts the remaining connections and returns
// ctx.Err(). Call it after the HTTP server has stopped accepting: hijacked
// connections are not tracked by http.Server.Shutdown.
func (h *Hub) Close(ctx context.Context) error {
	// Let the dispatcher queue what was delivered before Close, then stop it.
	h.jobsMu.Lock()
	if !h.jobsClosed {
		h.jobsClosed = true
		close(h.jobs)
	}
	h.jobsMu.Unlock()
	<-h.dispatched
	h.stopOnce.Do(func() { close(h.stopExpiry) })
	<-h.expiryDone

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
	h.expiry = nil
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
	h.watchExpiryLocked(c)
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
	h.unwatchExpiryLocked(c)
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
	out    *batchWriter // under conn's writer (see hijacker)
	user   User
	period int64
	expIdx int // index in hub.expiry, -1 when not there

	send chan *[]byte // bounded queue; messages are shared between sockets

	// ctx bounds the keepalive pings; stop cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	once   sync.Once
	quit   chan struct{} // closed by stop
	code   websocket.StatusCode
	reason string
	abort  bool

	// writing and aborted let stop(abort) cut a write stuck on a peer that
	// does not read, without a timer per write: the writer sets writing,
	// then checks aborted; stop sets aborted, then checks writing. Either
	// the writer sees aborted and does not write, or stop sees writing and
	// closes the connection under it.
	writing atomic.Bool
	aborted atomic.Bool

	seen    atomic.Bool // the peer sent something since the last ping tick
	pinging atomic.Bool
}

func newClient(h *Hub, conn *websocket.Conn, out *batchWriter, u User, period int64) *client {
	ctx, cancel := context.WithCancel(context.Background())
	return &client{
		hub:    h,
		conn:   conn,
		out:    out,
		user:   u,
		period: period,
		expIdx: -1,
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
			c.aborted.Store(true)
			if c.writing.Load() {
				// Not under the hub's lock: closing may wait for the
				// connection's locks.
				go c.conn.CloseNow()
			}
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
			if err := c.writeBatch(m); err != nil {
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

// writeBatch writes m and whatever else is queued (up to maxBatch
// messages) to the connection in one write.
func (c *client) writeBatch(m *[]byte) error {
	c.out.begin()
	n := 1
	for ; ; n++ {
		// The frame goes into the batch: this does not block, so it needs
		// no context (which would cost a timer per message).
		if err := c.conn.Write(context.Background(), websocket.MessageText, *m); err != nil {
			c.out.end(false)
			return err
		}
		if n == maxBatch {
			break
		}
		select {
		case m = <-c.send:
			continue
		default:
		}
		break
	}
	c.writing.Store(true)
	defer c.writing.Store(false)
	if c.aborted.Load() {
		c.out.end(false)
		return errAborted
	}
	c.hub.messages.Add(uint64(n))
	c.hub.writes.Add(1)
	return c.out.end(true)
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
				if c.writeBatch(m) != nil {
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
