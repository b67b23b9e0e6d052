package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The load client is a bare RFC 6455 client: a net.Conn, a 1 KiB read
// buffer and a frame reader of a few dozen lines. Ten thousand of them share
// the machine with the server, so each must cost little: no per-message
// allocation, no context timers, no extra goroutine. Only what the server
// sends is handled: unmasked data frames (text, possibly fragmented), ping
// (answered), close (answered, then the reader ends).

// clientReadBuffer holds one whole event of the server (about 700 bytes);
// longer frames are skipped through it.
const clientReadBuffer = 1024

// wsGUID is RFC 6455's key suffix.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// client is one socket.
type client struct {
	idx  int
	conn net.Conn
	br   *bufio.Reader
	wmu  sync.Mutex // pong and close frames; the reader and the closer write

	// armed: the next data message is timed into rec.
	armed atomic.Bool
}

// recorder collects, for each armed client, the arrival time of the first
// message whose first frame contains marker (the notes of the change being
// timed: the other messages of a change, or a late one of the previous
// change, do not count).
type recorder struct {
	marker  []byte
	at      []int64 // unix nanoseconds, by client index
	pending atomic.Int64
	done    chan struct{}
}

// newRecorder expects one message containing marker on each of n clients.
// Publish it (rec.Store), then arm the clients.
func newRecorder(at []int64, marker string, n int) *recorder {
	r := &recorder{at: at, marker: []byte(marker), done: make(chan struct{})}
	r.pending.Store(int64(n))
	return r
}

// arm makes each of cs time its next message containing the marker.
func (r *recorder) arm(cs []*client) {
	for _, c := range cs {
		r.at[c.idx] = 0
		c.armed.Store(true)
	}
}

func (r *recorder) hit(c *client, now int64) {
	r.at[c.idx] = now
	if r.pending.Add(-1) == 0 {
		close(r.done)
	}
}

// dialClient opens the socket, checks the handshake and reads
// connection.established.
func dialClient(ctx context.Context, base, path string, idx int) (*client, error) {
	host := strings.TrimPrefix(strings.TrimPrefix(base, "http://"), "https://")
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c := &client{idx: idx, conn: conn, br: bufio.NewReaderSize(conn, clientReadBuffer)}
	if err := c.handshake(host, path); err != nil {
		conn.Close()
		return nil, err
	}
	op, msg, err := c.readMessage()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("first message: %w", err)
	}
	if op != opText || !strings.Contains(string(msg), `"connection.established"`) {
		conn.Close()
		return nil, fmt.Errorf("unexpected first message %q", msg)
	}
	conn.SetDeadline(time.Time{})
	return c, nil
}

func (c *client) handshake(host, path string) error {
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c.conn, req); err != nil {
		return err
	}
	res, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake: status %s", res.Status)
	}
	sum := sha1.Sum([]byte(key + wsGUID))
	if res.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return errors.New("handshake: bad Sec-WebSocket-Accept")
	}
	return nil
}

// Opcodes.
const (
	opContinuation = 0
	opText         = 1
	opBinary       = 2
	opClose        = 8
	opPing         = 9
	opPong         = 10
)

// frameHeader reads a frame's header: its opcode, FIN bit and payload
// length. Frames from a server are never masked.
func (c *client) frameHeader() (op byte, fin bool, n int, err error) {
	var h [2]byte
	if _, err = io.ReadFull(c.br, h[:]); err != nil {
		return
	}
	op, fin = h[0]&0x0f, h[0]&0x80 != 0
	if h[1]&0x80 != 0 {
		return 0, false, 0, errors.New("masked frame from the server")
	}
	switch l := h[1] & 0x7f; l {
	case 126:
		var b [2]byte
		if _, err = io.ReadFull(c.br, b[:]); err != nil {
			return
		}
		n = int(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err = io.ReadFull(c.br, b[:]); err != nil {
			return
		}
		u := binary.BigEndian.Uint64(b[:])
		if u > 1<<24 {
			return 0, false, 0, fmt.Errorf("frame of %d bytes", u)
		}
		n = int(u)
	default:
		n = int(l)
	}
	return
}

// readMessage reads one whole data message (for the handshake's first
// message; allocates).
func (c *client) readMessage() (byte, []byte, error) {
	var msg []byte
	var first byte
	for {
		op, fin, n, err := c.frameHeader()
		if err != nil {
			return 0, nil, err
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(c.br, b); err != nil {
			return 0, nil, err
		}
		switch op {
		case opPing:
			c.writeFrame(opPong, b)
			continue
		case opClose:
			return op, b, nil
		case opText, opBinary:
			first = op
		}
		msg = append(msg, b...)
		if fin {
			return first, msg, nil
		}
	}
}

// read serves the socket until it ends: every data message that arrives
// while armed is timed (at its first frame's header) into rec.
func (c *client) read(rec *atomic.Pointer[recorder]) {
	defer c.conn.Close()
	inMessage := false
	for {
		op, fin, n, err := c.frameHeader()
		if err != nil {
			return
		}
		switch op {
		case opText, opBinary, opContinuation:
			if !inMessage && c.armed.Load() {
				now := time.Now().UnixNano()
				r := rec.Load()
				if b, err := c.br.Peek(min(n, clientReadBuffer)); err == nil && bytes.Contains(b, r.marker) &&
					c.armed.CompareAndSwap(true, false) {
					r.hit(c, now)
				}
			}
			inMessage = !fin
			if _, err := c.br.Discard(n); err != nil {
				return
			}
		case opPing:
			p := make([]byte, n)
			if _, err := io.ReadFull(c.br, p); err != nil {
				return
			}
			c.writeFrame(opPong, p)
		case opClose:
			// Answer with the same status code, as RFC 6455 §5.5.1 asks.
			p := make([]byte, n)
			io.ReadFull(c.br, p)
			c.writeFrame(opClose, p[:min(n, 2)])
			return
		default:
			if _, err := c.br.Discard(n); err != nil {
				return
			}
		}
	}
}

// writeFrame sends one masked frame of at most 125 bytes (a control frame
// or a ping message). The masking key need not be secret here: a cheap one
// spares a getrandom system call per frame.
func (c *client) writeFrame(op byte, payload []byte) error {
	if len(payload) > 125 {
		payload = payload[:125]
	}
	var f [2 + 4 + 125]byte
	f[0] = 0x80 | op
	f[1] = 0x80 | byte(len(payload))
	binary.LittleEndian.PutUint32(f[2:6], mrand.Uint32())
	for i, b := range payload {
		f[6+i] = b ^ f[2+i%4]
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, err := c.conn.Write(f[:6+len(payload)])
	return err
}

// close sends a normal close frame and closes the connection.
func (c *client) close() {
	c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	c.writeFrame(opClose, []byte{0x03, 0xe8}) // 1000
	c.conn.Close()
}

func wsPath(period int64, token string) string {
	return "/ws/schedule/" + strconv.FormatInt(period, 10) + "/?token=" + token
}
