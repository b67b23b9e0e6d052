package realtime

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestConnectionEstablished(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	for token, u := range testUsers {
		c := b.dial(t, testPeriod, token)
		got := readMsg(t, c)
		want := `{"type":"connection.established","message":"Connected to schedule period 7","user":{"id":` +
			map[int64]string{1: "1", 2: "2", 3: "3"}[u.ID] + `,"email":"` + u.Email + `","role":"` + u.Role + `"}}`
		if got != want {
			t.Errorf("%s: got %s\nwant %s", token, got, want)
		}
	}
}

func TestPingPong(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.connect(t, testPeriod, "alice")
	for _, tc := range []struct{ send, want string }{
		{`{"type": "ping", "timestamp": 1234567890}`, `{"type":"pong","timestamp":1234567890}`},
		{`{"type":"ping"}`, `{"type":"pong","timestamp":null}`},
		{`{"type":"ping","timestamp":null}`, `{"type":"pong","timestamp":null}`},
		{`{"type":"ping","timestamp":"2030-03-02T06:00:00Z"}`, `{"type":"pong","timestamp":"2030-03-02T06:00:00Z"}`},
		{`{"type":"ping","timestamp":1.5e3}`, `{"type":"pong","timestamp":1.5e3}`},
		{`{"type":"ping","timestamp":{"a": [1, 2]}, "extra": true}`, `{"type":"pong","timestamp":{"a":[1,2]}}`},
		{` {"timestamp":1,"type":"ping","timestamp":2} `, `{"type":"pong","timestamp":2}`},
	} {
		send(t, c, tc.send)
		if got := readMsg(t, c); got != tc.want {
			t.Errorf("send %s: got %s, want %s", tc.send, got, tc.want)
		}
	}
}

func TestBadMessagesKeepSocketOpen(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.connect(t, testPeriod, "bob")
	const (
		invalid   = `{"type":"error","message":"Invalid JSON"}`
		notObject = `{"type":"error","message":"Message must be a JSON object"}`
	)
	for _, tc := range []struct{ send, want string }{
		{`not json`, invalid},
		{`{"type":"ping"`, invalid},
		{``, invalid},
		{"{\"type\":\"ping\",\"timestamp\":\"\xff\"}", invalid},
		{`[]`, notObject},
		{`[{"type":"ping"}]`, notObject},
		{`3`, notObject},
		{`"x"`, notObject},
		{`null`, notObject},
		{`true`, notObject},
		// Unknown or missing types are ignored, as in the seed: the next
		// message is the pong of the ping that follows.
		{`{"type":"subscribe"}`, ""},
		{`{"type":7}`, ""},
		{`{"TYPE":"ping"}`, ""},
		{`{}`, ""},
	} {
		send(t, c, tc.send)
		if tc.want != "" {
			if got := readMsg(t, c); got != tc.want {
				t.Errorf("send %q: got %s, want %s", tc.send, got, tc.want)
			}
		}
		send(t, c, `{"type":"ping","timestamp":42}`)
		if got := readMsg(t, c); got != `{"type":"pong","timestamp":42}` {
			t.Errorf("after %q: got %s, want the pong", tc.send, got)
		}
	}
	// Binary frames are parsed like text ones.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageBinary, []byte(`{"type":"ping","timestamp":1}`)); err != nil {
		t.Fatal(err)
	}
	if got := readMsg(t, c); got != `{"type":"pong","timestamp":1}` {
		t.Errorf("binary ping: got %s", got)
	}
}

func TestOversizedMessageCloses1009(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	c := b.connect(t, testPeriod, "alice")
	send(t, c, `{"type":"ping","timestamp":"`+strings.Repeat("x", ReadLimit)+`"}`)
	if got := closeCode(t, c); got != websocket.StatusMessageTooBig {
		t.Errorf("close code %v, want 1009", got)
	}
}

func TestRefusedConnectionsCloseWithCode(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	for _, tc := range []struct {
		name   string
		period any
		token  string
		want   websocket.StatusCode
	}{
		{"missing token", testPeriod, "", CloseUnauthorized},
		{"bad token", testPeriod, "eyJhbGciOiJIUzI1NiJ9.e30.bad", CloseUnauthorized},
		{"bad token, unknown period", 999, "nope", CloseUnauthorized},
		{"unknown period", 999, "admin", ClosePeriodNotFound},
		{"period beyond int64", "99999999999999999999999", "admin", ClosePeriodNotFound},
	} {
		c := b.dial(t, tc.period, tc.token)
		if got := closeCode(t, c); got != tc.want {
			t.Errorf("%s: close code %v, want %v", tc.name, got, tc.want)
		}
	}
	if n := b.hub.Count(); n != 0 {
		t.Errorf("hub holds %d refused sockets", n)
	}
}

func TestPeriodLookupFailureCloses1011(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{periodErr: errors.New("database is down")})
	c := b.dial(t, testPeriod, "admin")
	if got := closeCode(t, c); got != websocket.StatusInternalError {
		t.Errorf("close code %v, want 1011", got)
	}
}

func TestNonNumericPeriodIs404(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	// Through a mux whose pattern takes any segment, the handler itself must
	// refuse: the seed's route is \d+.
	h := NewHandler(b.hub, HandlerOpts{Authenticate: func(context.Context, string) (User, error) { return testUsers["admin"], nil }})
	for _, path := range []string{"/ws/schedule/abc/", "/ws/schedule/-1/", "/ws/schedule/+7/", "/ws/schedule/7", "/ws/schedule//", "/ws/schedule/٣/"} {
		// (ServeMux itself redirects /ws/schedule/7 to /ws/schedule/7/.)
		if strings.HasSuffix(path, "/") {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.srv.URL, "http")+path+"?token=admin", nil)
			cancel()
			if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s through the mux: err %v, resp %v; want 404", path, err, resp)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path+"?token=admin", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s direct: status %d, want 404", path, rec.Code)
		}
	}
}

func TestForeignOriginRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hdr := http.Header{"Origin": []string{"https://evil.example"}}
	_, resp, err := websocket.Dial(ctx, b.wsURL(testPeriod, "admin"), &websocket.DialOptions{HTTPHeader: hdr})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: err %v resp %v; want 403", err, resp)
	}
}

func TestDeadPeerIsCut(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{pingInterval: 100 * time.Millisecond})
	// A healthy client (coder/websocket answers pings while reading).
	alive := b.connect(t, testPeriod, "admin")
	go func() {
		for {
			if _, _, err := alive.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	// A raw client that never answers pings.
	dead, _, err := dialRaw(strings.TrimPrefix(b.srv.URL, "http://"), "/ws/schedule/7/?token=alice")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	dead.SetReadDeadline(time.Now().Add(10 * time.Second))
	pings := 0
	for {
		op, _, err := readFrame(dead)
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("unresponsive peer still connected after 10 s")
			}
			break // the server cut the connection
		}
		if op == 0x9 {
			pings++
		}
	}
	if pings == 0 {
		t.Error("the server never pinged the idle peer")
	}
	if n := b.hub.Count(); n != 1 {
		t.Errorf("hub holds %d sockets, want only the healthy one", n)
	}
}
