package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// DefaultPingInterval is how long a socket may stay silent before the server
// pings it; a peer that has not answered by the next interval is cut.
const DefaultPingInterval = 30 * time.Second

// ReadLimit is the largest client message accepted; a longer one closes the
// socket with 1009 (message too big). Clients only ever send small pings.
const ReadLimit = 4 << 10

// HandlerOpts configures the WebSocket handler.
type HandlerOpts struct {
	// Authenticate turns the access JWT of ?token= into its user. Any error
	// closes the socket with CloseUnauthorized. Required.
	Authenticate func(ctx context.Context, token string) (User, error)
	// PeriodExists reports whether the schedule period exists. false closes
	// the socket with ClosePeriodNotFound, an error with 1011. nil accepts
	// every period.
	PeriodExists func(ctx context.Context, id int64) (bool, error)
	// OriginPatterns lists the hosts, besides the request's own, whose pages
	// may open a socket (coder/websocket AcceptOptions.OriginPatterns, matched
	// with path.Match; "scheme://host" patterns match scheme too). Other
	// origins get HTTP 403. Requests without an Origin header (non-browser
	// clients) are always allowed.
	OriginPatterns []string
	// PingInterval, default DefaultPingInterval.
	PingInterval time.Duration
	// Logger, default slog.Default().
	Logger *slog.Logger
}

// handler serves GET /ws/schedule/{period_id}/?token=<access JWT>.
type handler struct {
	hub    *Hub
	opts   HandlerOpts
	accept websocket.AcceptOptions
}

// NewHandler returns the handler of the live channel. Mount it on
// "GET /ws/schedule/{period_id}/{$}" ({$}: the seed's route matches nothing
// below it); without that wildcard it reads the id from the last segment of
// the path.
func NewHandler(hub *Hub, opts HandlerOpts) http.Handler {
	if opts.Authenticate == nil {
		panic("realtime: HandlerOpts.Authenticate is required")
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &handler{
		hub:  hub,
		opts: opts,
		accept: websocket.AcceptOptions{
			OriginPatterns:  opts.OriginPatterns,
			CompressionMode: websocket.CompressionDisabled,
		},
	}
}

// ServeHTTP upgrades the request and hands the socket to the hub. It returns
// at once: the socket lives on in its reader and writer goroutines, and
// net/http's per-request state is freed.
//
// The period id must be digits, or the answer is a plain 404 (the seed's
// route does not match). The token and the period are checked before the
// upgrade, but a refusal is reported after it, as a close code (4001, 4004),
// which is what browsers can see.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("period_id")
	if raw == "" {
		raw = lastSegment(r.URL.Path)
	}
	if !isDigits(raw) {
		http.NotFound(w, r)
		return
	}

	user, code, reason := h.admit(r.Context(), raw, r.URL.Query().Get("token"))

	hw := &hijacker{ResponseWriter: w}
	conn, err := websocket.Accept(hw, r, &h.accept)
	if err != nil {
		// Accept has answered (426, 403...).
		h.opts.Logger.Debug("realtime: upgrade refused", "err", err)
		return
	}
	if code != 0 {
		conn.Close(code, reason)
		return
	}
	conn.SetReadLimit(ReadLimit)

	period, _ := strconv.ParseInt(raw, 10, 64) // admit checked it
	c := newClient(h.hub, conn, hw.out, user, period)
	// First in the queue, so that it precedes every event.
	c.enqueue(established(raw, user))
	if !h.hub.register(c, h.opts.PingInterval) {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	go c.readLoop()
}

// admit authenticates the token and checks the period; a non-zero code is the
// close code to refuse with.
func (h *handler) admit(ctx context.Context, raw, token string) (User, websocket.StatusCode, string) {
	if token == "" {
		return User{}, CloseUnauthorized, "authentication required"
	}
	u, err := h.opts.Authenticate(ctx, token)
	if err != nil {
		return User{}, CloseUnauthorized, "invalid token"
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil { // out of range: cannot exist
		return User{}, ClosePeriodNotFound, "period not found"
	}
	if h.opts.PeriodExists != nil {
		ok, err := h.opts.PeriodExists(ctx, id)
		if err != nil {
			h.opts.Logger.Error("realtime: period lookup", "period", id, "err", err)
			return User{}, websocket.StatusInternalError, "internal error"
		}
		if !ok {
			return User{}, ClosePeriodNotFound, "period not found"
		}
	}
	return u, 0, ""
}

// readLoop answers the client's messages until the connection ends.
func (c *client) readLoop() {
	defer func() {
		c.hub.drop(c)
		c.stop(0, "", false) // no-op when a close is already under way
	}()
	for {
		// Background: no per-read timer; the connection's end unblocks Read.
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			return
		}
		c.seen.Store(true)
		if out := reply(data); out != nil {
			// Through the dispatcher: after the events delivered so far.
			c.hub.reply(c, out)
		}
	}
}

// Messages the server sends on its own behalf.
type (
	establishedMsg struct {
		Type    string          `json:"type"`
		Message string          `json:"message"`
		User    establishedUser `json:"user"`
	}
	establishedUser struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	errorMsg struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
)

func established(rawPeriod string, u User) []byte {
	b, _ := json.Marshal(establishedMsg{
		Type:    "connection.established",
		Message: "Connected to schedule period " + rawPeriod,
		User:    establishedUser{ID: u.ID, Email: u.Email, Role: u.Role},
	})
	return b
}

var (
	invalidJSONReply, _ = json.Marshal(errorMsg{Type: "error", Message: ErrorInvalidJSON})
	notObjectReply, _   = json.Marshal(errorMsg{Type: "error", Message: ErrorNotObject})
)

// reply is the answer to one client message, nil for none. Like the seed:
// {"type":"ping","timestamp":X} → {"type":"pong","timestamp":X} (X echoed as
// sent, null when absent); unparsable text → the "Invalid JSON" error; other
// types are ignored. Unlike the seed, JSON that is not an object gets an
// error reply instead of crashing the consumer.
func reply(data []byte) []byte {
	if !utf8.Valid(data) || !json.Valid(data) {
		return invalidJSONReply
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); t[0] != '{' {
		return notObjectReply
	}
	// A map, not a struct: keys must match exactly, as in Python, and a
	// repeated key keeps its last value.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return invalidJSONReply
	}
	var typ string
	if json.Unmarshal(m["type"], &typ) != nil || typ != "ping" {
		return nil
	}
	var out bytes.Buffer
	out.WriteString(`{"type":"pong","timestamp":`)
	if ts, ok := m["timestamp"]; ok {
		json.Compact(&out, ts)
	} else {
		out.WriteString("null")
	}
	out.WriteByte('}')
	return out.Bytes()
}

// readBufferSize is the size of a socket's read buffer. Clients send only
// small pings, so net/http's 4 KiB buffer would mostly sit idle: at 10,000
// sockets the difference is 35 MB. (Longer frames are read straight into the
// message, past the buffer.)
const readBufferSize = 512

// writeBufferSize is the size of the bufio.Writer coder/websocket writes
// frames into. It flushes after every frame, into the socket's batchWriter,
// which gathers the messages of a batch in a pooled buffer of its own; the
// bufio.Writer only has to hold a frame header or a control frame in between
// (net/http's hijacked writer would hold 4 KiB per socket).
const writeBufferSize = 256

// hijacker hands coder/websocket smaller buffers than net/http's Hijack
// returns (keeping the bytes already read), and a batchWriter under the
// writer, which it keeps for the socket's client.
type hijacker struct {
	http.ResponseWriter
	out *batchWriter
}

func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("realtime: http.ResponseWriter does not implement http.Hijacker")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = conn
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
	}
	w.out = &batchWriter{conn: conn}
	return conn, bufio.NewReadWriter(bufio.NewReaderSize(r, readBufferSize), bufio.NewWriterSize(w.out, writeBufferSize)), nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *hijacker) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lastSegment is "7" for "/ws/schedule/7/" and "" when the path does not end
// with a slash (the seed's route requires it).
func lastSegment(p string) string {
	p, ok := strings.CutSuffix(p, "/")
	if !ok {
		return ""
	}
	return p[strings.LastIndexByte(p, '/')+1:]
}
