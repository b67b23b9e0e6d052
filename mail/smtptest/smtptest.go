// Package smtptest runs a small in-process SMTP server for tests.
//
// The server speaks enough real SMTP for a real client (EHLO/HELO, optional AUTH PLAIN,
// MAIL, RCPT, DATA, RSET, NOOP, QUIT; no STARTTLS), keeps every accepted message in
// memory, lets a test wait for messages without sleeping, and can refuse the next
// deliveries with a chosen 4xx or 5xx reply to exercise retries, or hang (accept
// connections and never answer) to exercise timeouts:
//
//	srv := smtptest.Start(t)
//	// … configure the code under test with srv.Host() and srv.Port() …
//	msgs, err := srv.Wait(ctx, 1)
package smtptest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// maxMessageSize bounds one message's DATA; larger messages are refused with 552.
const maxMessageSize = 10 << 20

// Received is one message the server accepted.
type Received struct {
	From string   // the MAIL FROM reverse-path, without angle brackets
	To   []string // the RCPT TO forward-paths, without angle brackets, in order
	Data []byte   // the message as sent after DATA, dot-unstuffed, with CRLF line ends
	User string   // the AUTH user name, "" when the client did not authenticate
}

// Parse parses Data as an RFC 5322 message.
func (r Received) Parse() (*mail.Message, error) {
	return mail.ReadMessage(bytes.NewReader(r.Data))
}

// Option configures a Server at Start.
type Option func(*Server)

// WithAuth makes the server advertise AUTH PLAIN and require it, with these credentials,
// before MAIL.
func WithAuth(username, password string) Option {
	return func(s *Server) {
		s.authUser, s.authPass = username, password
		s.authRequired = true
	}
}

// CountOnly makes the server count the messages it accepts without keeping
// them (Messages and Wait return none): a sink for load tests, whose memory
// does not grow with the messages.
func CountOnly() Option {
	return func(s *Server) { s.countOnly = true }
}

// WithoutPipelining makes the server leave PIPELINING (RFC 2920) out of its
// EHLO reply, as a few servers do: clients then send one command at a time.
func WithoutPipelining() Option {
	return func(s *Server) { s.noPipelining = true }
}

// Server is a running SMTP sink. Its methods are safe for concurrent use.
type Server struct {
	ln           net.Listener
	countOnly    bool
	noPipelining bool
	authRequired bool
	authUser     string
	authPass     string

	mu       sync.Mutex
	msgs     []Received
	count    int           // messages accepted
	changed  chan struct{} // closed and replaced whenever msgs or rejected grows
	failN    int
	failCode int
	rejected int
	hang     bool
	hung     int
	conns    map[net.Conn]*connState
	accepted int // connections accepted in total
	closed   bool

	wg sync.WaitGroup
}

// connState is what the server knows of one connection.
type connState struct {
	// idle: waiting for a command outside a mail transaction (DropIdle).
	idle bool
}

// Start starts a server on 127.0.0.1 with a free port; it is closed by t.Cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := Serve(ln, opts...)
	t.Cleanup(s.Close)
	return s
}

// Serve runs a server on ln until Close, outside a test: a local sink for
// load tests (seedload -smtp-sink) that speaks real SMTP to the real
// client.
func Serve(ln net.Listener, opts ...Option) *Server {
	s := &Server{ln: ln, changed: make(chan struct{}), conns: make(map[net.Conn]*connState)}
	for _, opt := range opts {
		opt(s)
	}
	s.wg.Add(1)
	go s.serve()
	return s
}

// Addr is the server's address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the server's host, "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the server's TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted is how many connections the server has accepted so far (a client that
// reuses its connections opens fewer than it sends messages).
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// WaitOpen blocks until exactly n connections are open (accepted and not
// yet closed by either side).
func (s *Server) WaitOpen(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := len(s.conns), s.changed
		s.mu.Unlock()
		if got == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("smtptest: %d connections open, want %d: %w", got, n, ctx.Err())
		}
	}
}

// DropIdle closes every connection that is waiting for a command outside a
// mail transaction, as a server restarting or timing out idle clients does,
// and returns how many it closed. A message is never cut: a connection in a
// transaction (MAIL to the end of DATA) is left alone, and one whose last
// message was accepted has been sent its 250 already.
func (s *Server) DropIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c, st := range s.conns {
		if st.idle {
			c.Close()
			n++
		}
	}
	return n
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Count is how many messages the server has accepted so far.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Rejected is how many deliveries FailNext has refused so far.
func (s *Server) Rejected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Wait blocks until at least n messages have been accepted and returns them all (none
// with CountOnly), or returns ctx's error (with the messages so far) when ctx ends
// first.
func (s *Server) Wait(ctx context.Context, n int) ([]Received, error) {
	for {
		s.mu.Lock()
		if s.count >= n {
			msgs := append([]Received(nil), s.msgs...)
			s.mu.Unlock()
			return msgs, nil
		}
		changed, count := s.changed, s.count
		msgs := append([]Received(nil), s.msgs...)
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, fmt.Errorf("smtptest: %d of %d messages received: %w", count, n, ctx.Err())
		}
	}
}

// WaitRejected blocks until FailNext has refused at least n deliveries in total.
func (s *Server) WaitRejected(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := s.rejected, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("smtptest: %d of %d deliveries rejected: %w", got, n, ctx.Err())
		}
	}
}

// Hang makes the server accept new connections and never answer them (no
// greeting; whatever the client sends is read and ignored), as a server that is
// up but stuck, until Hang(false). Connections already hung stay so until the
// client gives up or Close.
func (s *Server) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hang = on
}

// Hung is how many connections Hang has left unanswered so far.
func (s *Server) Hung() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hung
}

// WaitHung blocks until Hang has left at least n connections unanswered in total.
func (s *Server) WaitHung(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, changed := s.hung, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("smtptest: %d of %d connections hung: %w", got, n, ctx.Err())
		}
	}
}

// FailNext makes the next n deliveries fail: the server reads the message and answers
// the end of DATA with code (400–599) instead of 250, keeping nothing. A 4xx reply is a
// transient failure a client should retry; a 5xx is permanent. FailNext(0, 0) stops it.
func (s *Server) FailNext(n, code int) {
	if n > 0 && (code < 400 || code > 599) {
		panic(fmt.Sprintf("smtptest: FailNext code %d is not a 4xx or 5xx reply", code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, code
}

// Close stops the server and closes open connections. It is idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		st := &connState{}
		s.conns[conn] = st
		s.accepted++
		s.wg.Add(1)
		hang := s.hang
		if hang {
			s.hung++
		}
		s.notify()
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.notify()
				s.mu.Unlock()
				conn.Close()
			}()
			if hang {
				io.Copy(io.Discard, conn) // until the client or Close hangs up
				return
			}
			(&session{srv: s, st: st, r: bufio.NewReader(conn), w: conn}).run()
		}()
	}
}

// notify wakes the waiters; s.mu is held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// record stores an accepted message, or counts a refusal; it returns the reply to send.
func (s *Server) record(m Received) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	if s.failN > 0 {
		s.failN--
		s.rejected++
		return fmt.Sprintf("%d %d.0.0 smtptest: delivery refused on request", s.failCode, s.failCode/100)
	}
	s.count++
	if !s.countOnly {
		s.msgs = append(s.msgs, m)
	}
	return "250 2.0.0 OK: queued"
}

// session is one client connection.
type session struct {
	srv  *Server
	st   *connState
	r    *bufio.Reader
	w    io.Writer
	user string // authenticated user

	inTx bool // MAIL seen
	from string
	to   []string
}

// reply writes a reply. The connection becomes idle for DropIdle once a
// reply outside a mail transaction is written, in one step under the lock:
// DropIdle never closes a connection before the 250 of its message is sent.
func (c *session) reply(lines ...string) error {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	_, err := io.WriteString(c.w, b.String())
	c.st.idle = !c.inTx
	return err
}

func (c *session) readLine() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// setIdle(false) marks a command being handled.
func (c *session) setIdle(idle bool) {
	c.srv.mu.Lock()
	c.st.idle = idle
	c.srv.mu.Unlock()
}

func (c *session) reset() {
	c.inTx, c.from, c.to = false, "", nil
}

func (c *session) run() {
	if c.reply("220 smtptest ESMTP ready") != nil {
		return
	}
	for {
		line, err := c.readLine()
		c.setIdle(false)
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			c.reset()
			lines := []string{"250-smtptest greets " + arg, "250-8BITMIME", "250-SIZE " + strconv.Itoa(maxMessageSize)}
			if !c.srv.noPipelining {
				// Pipelined commands need nothing more: they are read
				// and answered one line at a time.
				lines = append(lines, "250-PIPELINING")
			}
			if c.srv.authRequired {
				lines = append(lines, "250-AUTH PLAIN")
			}
			err = c.reply(append(lines, "250 HELP")...)
		case "HELO":
			c.reset()
			err = c.reply("250 smtptest")
		case "AUTH":
			err = c.auth(arg)
		case "MAIL":
			err = c.mail(arg)
		case "RCPT":
			err = c.rcpt(arg)
		case "DATA":
			err = c.data()
		case "RSET":
			c.reset()
			err = c.reply("250 2.0.0 OK")
		case "NOOP":
			err = c.reply("250 2.0.0 OK")
		case "VRFY":
			err = c.reply("252 2.5.2 Cannot VRFY user")
		case "QUIT":
			_ = c.reply("221 2.0.0 Bye")
			return
		default:
			err = c.reply("502 5.5.2 Command not implemented")
		}
		if err != nil {
			return
		}
	}
}

func (c *session) auth(arg string) error {
	mech, initial, hasInitial := strings.Cut(arg, " ")
	switch {
	case !c.srv.authRequired:
		return c.reply("502 5.5.1 AUTH not available")
	case c.user != "":
		return c.reply("503 5.5.1 Already authenticated")
	case c.inTx:
		return c.reply("503 5.5.1 AUTH not allowed during a mail transaction")
	case !strings.EqualFold(mech, "PLAIN"):
		return c.reply("504 5.5.4 Unrecognized authentication type")
	}
	if !hasInitial {
		if err := c.reply("334 "); err != nil {
			return err
		}
		line, err := c.readLine()
		if err != nil {
			return err
		}
		initial = line
	}
	if initial == "*" {
		return c.reply("501 5.7.0 Authentication cancelled")
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return c.reply("501 5.5.2 Cannot decode response")
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[1] != c.srv.authUser || parts[2] != c.srv.authPass {
		return c.reply("535 5.7.8 Authentication credentials invalid")
	}
	c.user = parts[1]
	return c.reply("235 2.7.0 Authentication successful")
}

// path extracts the address of "FROM:<a@b> PARAMS" or "TO:<a@b>".
func path(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}

func (c *session) mail(arg string) error {
	if c.srv.authRequired && c.user == "" {
		return c.reply("530 5.7.0 Authentication required")
	}
	if c.inTx {
		return c.reply("503 5.5.1 Nested MAIL command")
	}
	from, ok := path(arg, "FROM:")
	if !ok {
		return c.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
	}
	c.inTx, c.from = true, from
	return c.reply("250 2.1.0 OK")
}

func (c *session) rcpt(arg string) error {
	if !c.inTx {
		return c.reply("503 5.5.1 Need MAIL before RCPT")
	}
	to, ok := path(arg, "TO:")
	if !ok || to == "" {
		return c.reply("501 5.5.4 Syntax: RCPT TO:<address>")
	}
	c.to = append(c.to, to)
	return c.reply("250 2.1.5 OK")
}

func (c *session) data() error {
	if !c.inTx || len(c.to) == 0 {
		return c.reply("503 5.5.1 Need RCPT before DATA")
	}
	if err := c.reply("354 End data with <CR><LF>.<CR><LF>"); err != nil {
		return err
	}
	var buf bytes.Buffer
	tooBig := false
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == ".\r\n" || line == ".\n" {
			break
		}
		line = strings.TrimPrefix(line, ".") // dot-unstuffing (RFC 5321 §4.5.2)
		if buf.Len()+len(line) > maxMessageSize {
			tooBig = true
			continue
		}
		buf.WriteString(line)
	}
	m := Received{From: c.from, To: c.to, Data: buf.Bytes(), User: c.user}
	c.reset()
	if tooBig {
		return c.reply("552 5.3.4 Message too big")
	}
	return c.reply(c.srv.record(m))
}
