package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The hand-written client against a real WebSocket server (coder/websocket):
// handshake, short, 16-bit and 64-bit lengths, a fragmented message, a ping
// to answer, the timed message found by its marker, and the close handshake.
func TestClientReadsServerFrames(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	serverErr := make(chan error, 1)
	proceed := make(chan struct{})
	var markedAt atomic.Int64 // when the server sent the message to time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			serverErr <- err
			return
		}
		serverErr <- func() error {
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection.established"}`)); err != nil {
				return err
			}
			<-proceed // the client is armed and reading
			// Answering pings needs a reader on this side for the pong.
			rctx := conn.CloseRead(ctx)
			for _, n := range []int{10, 300, 70000} { // 7-bit, 16-bit, 64-bit lengths
				if err := conn.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", n))); err != nil {
					return err
				}
			}
			// A fragmented message whose second frame holds the marker: it
			// is not the start of a message, so it does not count.
			fw, err := conn.Writer(ctx, websocket.MessageText)
			if err != nil {
				return err
			}
			fw.Write([]byte(`{"part":1,`))
			fw.Write([]byte(`"notes":"marker-1"}`))
			if err := fw.Close(); err != nil {
				return err
			}
			pctx, pcancel := context.WithTimeout(rctx, 5*time.Second)
			defer pcancel()
			if err := conn.Ping(pctx); err != nil {
				return err
			}
			markedAt.Store(time.Now().UnixNano())
			if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"shift.approved","notes":"marker-1"}`)); err != nil {
				return err
			}
			return conn.Close(websocket.StatusGoingAway, "bye")
		}()
	}))
	defer srv.Close()

	c, err := dialClient(ctx, srv.URL, "/", 3)
	if err != nil {
		t.Fatal(err)
	}
	var rec atomic.Pointer[recorder]
	r := newRecorder(make([]int64, 4), "marker-1", 1)
	rec.Store(r)
	r.arm([]*client{c})
	readDone := make(chan struct{})
	go func() { c.read(&rec); close(readDone) }()
	close(proceed)

	select {
	case <-r.done:
	case <-ctx.Done():
		t.Fatal("the marked message was not timed")
	}
	if err := <-serverErr; err != nil {
		t.Fatalf("server: %v (ping or close not answered?)", err)
	}
	if r.at[3] < markedAt.Load() {
		t.Errorf("timed a message that arrived before the marked one (the fragment?)")
	}
	select {
	case <-readDone:
	case <-ctx.Done():
		t.Fatal("the reader did not end after the close frame")
	}
}
