package realtime

import (
	"errors"
	"net"
	"sync"
)

// maxBatch bounds the messages a socket's writer sends in one system call.
const maxBatch = 32

// batchWriter is the io.Writer under a socket's bufio.Writer, which
// coder/websocket flushes after every frame. Between begin and end it keeps
// what it is given, so that the writer sends all the messages it found
// queued with one write to the connection; the rest of the time (control
// frames: pongs, pings, close) it writes through. At 10,000 sockets a change
// queues two messages (the event and its coverage.alert) for each socket
// faster than the writers run, and a write to a loopback or LAN socket costs
// far more than the copy.
//
// The buffer is taken from a pool at begin and given back at end, so an idle
// socket holds none.
type batchWriter struct {
	conn net.Conn
	mu   sync.Mutex // orders the writer's batches and other goroutines' control frames
	buf  *[]byte    // non-nil between begin and end
}

var batchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 4<<10)
	return &b
}}

// maxPooled: a batch buffer grown past this (by a large message) is left to
// the garbage collector rather than kept in the pool.
const maxPooled = 64 << 10

func (w *batchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf != nil {
		*w.buf = append(*w.buf, p...)
		return len(p), nil
	}
	return w.conn.Write(p)
}

// begin starts gathering.
func (w *batchWriter) begin() {
	b := batchPool.Get().(*[]byte)
	*b = (*b)[:0]
	w.mu.Lock()
	w.buf = b
	w.mu.Unlock()
}

// end stops gathering and, if send, writes what was gathered in one call.
func (w *batchWriter) end(send bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf
	w.buf = nil
	var err error
	if send && len(*b) > 0 {
		_, err = w.conn.Write(*b)
	}
	if cap(*b) <= maxPooled {
		batchPool.Put(b)
	}
	return err
}

// errAborted: the socket was dropped while its writer was preparing a batch.
var errAborted = errors.New("realtime: socket aborted")
