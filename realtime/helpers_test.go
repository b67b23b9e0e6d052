package realtime

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Users the test Authenticate knows, by token.
var testUsers = map[string]User{
	"admin": {ID: 1, Email: "admin@example.com", Role: "ADMIN"},
	"alice": {ID: 2, Email: "alice@example.com", Role: "PA"},
	"bob":   {ID: 3, Email: "bob@example.com", Role: "PA"},
}

// testPeriod and otherPeriod exist; every other id does not.
const (
	testPeriod  = 7
	otherPeriod = 8
)

var errBadToken = errors.New("token not valid")

// testBundle is one hub behind one HTTP server on 127.0.0.1.
type testBundle struct {
	hub *Hub
	srv *httptest.Server
}

type setupOpts struct {
	hub          HubOpts
	pingInterval time.Duration
	periodErr    error
	// authenticate, when set, replaces the test Authenticate.
	authenticate func(ctx context.Context, token string) (User, error)
}

func setup(t testing.TB, o setupOpts) *testBundle {
	t.Helper()
	if o.hub.Logger == nil {
		o.hub.Logger = quietLogger()
	}
	return setupWithHub(t, NewHub(o.hub), o)
}

func setupWithHub(t testing.TB, hub *Hub, o setupOpts) *testBundle {
	t.Helper()
	auth := o.authenticate
	if auth == nil {
		auth = testAuthenticate
	}
	h := NewHandler(hub, HandlerOpts{
		Authenticate: auth,
		PeriodExists: func(_ context.Context, id int64) (bool, error) {
			if o.periodErr != nil {
				return false, o.periodErr
			}
			return id == testPeriod || id == otherPeriod, nil
		},
		PingInterval: o.pingInterval,
		Logger:       quietLogger(),
	})
	mux := http.NewServeMux()
	mux.Handle("GET /ws/schedule/{period_id}/{$}", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hub.Close(ctx)
		srv.Close()
	})
	return &testBundle{hub: hub, srv: srv}
}

// testAuthenticate knows testUsers and "pa<id>" tokens (benchmarks), whose
// tokens expire in an hour, so that the expiry heap's cost is measured.
func testAuthenticate(_ context.Context, token string) (User, error) {
	if u, ok := testUsers[token]; ok {
		return u, nil
	}
	if id, err := strconv.ParseInt(strings.TrimPrefix(token, "pa"), 10, 64); err == nil && strings.HasPrefix(token, "pa") {
		return User{ID: id, Email: token + "@example.com", Role: "PA", Expires: time.Now().Add(time.Hour)}, nil
	}
	return User{}, errBadToken
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (b *testBundle) wsURL(period any, token string) string {
	u := "ws" + strings.TrimPrefix(b.srv.URL, "http") + fmt.Sprintf("/ws/schedule/%v/", period)
	if token != "" {
		u += "?token=" + token
	}
	return u
}

// dial opens a socket; it does not read the connection.established message.
func (b *testBundle) dial(t testing.TB, period any, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, b.wsURL(period, token), nil)
	if err != nil {
		t.Fatalf("dial period %v as %q: %v", period, token, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// connect opens a socket and consumes connection.established.
func (b *testBundle) connect(t testing.TB, period any, token string) *websocket.Conn {
	t.Helper()
	c := b.dial(t, period, token)
	if got := readMsg(t, c); !strings.Contains(got, `"connection.established"`) {
		t.Fatalf("first message = %s, want connection.established", got)
	}
	return c
}

// readMsg reads one text message, failing the test after 5 s.
func readMsg(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("message type %v, want text", typ)
	}
	return string(b)
}

func send(t testing.TB, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write %s: %v", msg, err)
	}
}

// closeCode reads until the connection ends and returns its close code (-1
// when it ended without a close frame).
func closeCode(t testing.TB, c *websocket.Conn) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.SetReadLimit(-1)
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("connection still open after 10 s")
			}
			return websocket.CloseStatus(err)
		}
	}
}

// equalJSON reports whether a and b are the same JSON value.
func equalJSON(t testing.TB, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// rawConn is a minimal WebSocket client without goroutines or buffers, so
// that memory measurements see the server's share. It never answers pings.
type rawConn struct {
	net.Conn
}

// dialRaw performs the opening handshake and reads the first message through
// a temporary bufio.Reader, which must hold nothing more afterwards.
func dialRaw(addr, path string) (*rawConn, []byte, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13" +
		"\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, nil, err
	}
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		c.Close()
		return nil, nil, fmt.Errorf("handshake: %q %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	_, first, err := readFrame(br)
	if err != nil || br.Buffered() != 0 {
		c.Close()
		return nil, nil, fmt.Errorf("first frame: %v (buffered %d)", err, br.Buffered())
	}
	return &rawConn{c}, first, nil
}

// readFrame reads one unfragmented server frame.
func readFrame(r io.Reader) (opcode byte, payload []byte, err error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:2]); err != nil {
		return 0, nil, err
	}
	opcode = h[0] & 0x0f
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(r, h[:2]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(h[:2]))
	case 127:
		if _, err := io.ReadFull(r, h[:8]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(h[:8])
	}
	payload = make([]byte, n)
	_, err = io.ReadFull(r, payload)
	return opcode, payload, err
}
