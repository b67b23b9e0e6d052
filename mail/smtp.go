package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// SMTPConfig configures the smtp backend; the fields mirror Django's EMAIL_* settings.
type SMTPConfig struct {
	Host     string // EMAIL_HOST
	Port     int    // EMAIL_PORT; 0 means 587 with UseTLS, 465 with UseSSL, else 25
	Username string // EMAIL_HOST_USER; when set, SMTP AUTH (PLAIN, else LOGIN) is required
	Password string // EMAIL_HOST_PASSWORD
	UseTLS   bool   // EMAIL_USE_TLS: STARTTLS, mandatory (a server without it is refused)
	UseSSL   bool   // EMAIL_USE_SSL: implicit TLS from the first byte (port 465)
	From     string // DEFAULT_FROM_EMAIL
	// Timeout bounds the dial and each exchange with the server; 0 means 15 seconds.
	Timeout time.Duration
	// MaxIdle bounds the connections kept open for the next messages; 0 means
	// DefaultSMTPMaxIdle.
	MaxIdle int
	// IdleTimeout is how long an unused connection is kept; 0 means
	// DefaultSMTPIdleTimeout.
	IdleTimeout time.Duration
}

// SMTP connection reuse. A burst of emails (a period finalised, a digest)
// used to open one TCP connection per message: connect, greeting, EHLO,
// MAIL, RCPT, DATA, QUIT and the close, of which only MAIL…DATA carry the
// message. Idle connections are now kept and reused, as MTAs' own
// connection caches do (Postfix's smtp_connection_cache_*): a reused
// connection is first probed with RSET, and a message goes only to a
// connection that answered it.
const (
	// DefaultSMTPMaxIdle bounds the connections kept open between messages:
	// as many as the job workers that may send at once (jobs.DefaultWorkers),
	// so a burst's workers each keep theirs.
	DefaultSMTPMaxIdle = 100
	// DefaultSMTPIdleTimeout is how long an unused connection is kept. A burst
	// reuses its connections within milliseconds; between bursts they are
	// closed (QUIT), well before a server's own idle timeout (RFC 5321
	// §4.5.3.2 suggests at least 5 minutes; hosted relays use less).
	DefaultSMTPIdleTimeout = 5 * time.Second
)

type smtpSender struct {
	cfg    SMTPConfig
	client *gomail.Client // the settings; each connection is its own *smtp.Client

	mu     sync.Mutex
	idle   []*smtpConn // most recently used last
	sweep  *time.Timer // closes idle connections past IdleTimeout; nil when none is armed
	closed bool
}

// smtpConn is one open connection to the server.
type smtpConn struct {
	c    *smtp.Client
	conn net.Conn // to close it when a send's context ends
	used time.Time
}

// NewSMTP returns a Sender that delivers through the SMTP server cfg names. Connections
// are kept open between messages (up to MaxIdle, for IdleTimeout) and reused; Close
// closes the idle ones. With neither UseTLS nor UseSSL the conversation is plain text,
// which is meant for local sinks; credentials are then sent only to localhost, as
// go-mail's PLAIN and LOGIN mechanisms refuse to expose them elsewhere.
func NewSMTP(cfg SMTPConfig) (Sender, error) {
	cfg.Host = strings.TrimSpace(cfg.Host)
	if cfg.Host == "" {
		return nil, errors.New("mail: the smtp backend needs EMAIL_HOST")
	}
	if cfg.UseTLS && cfg.UseSSL {
		return nil, errors.New("mail: EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive")
	}
	if cfg.Port == 0 {
		switch {
		case cfg.UseTLS:
			cfg.Port = 587
		case cfg.UseSSL:
			cfg.Port = 465
		default:
			cfg.Port = 25
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("mail: invalid EMAIL_PORT %d", cfg.Port)
	}
	if cfg.Timeout < 0 || cfg.IdleTimeout < 0 || cfg.MaxIdle < 0 {
		return nil, fmt.Errorf("mail: invalid SMTP timeout %v, idle timeout %v or idle connections %d",
			cfg.Timeout, cfg.IdleTimeout, cfg.MaxIdle)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = gomail.DefaultTimeout
	}
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = DefaultSMTPMaxIdle
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultSMTPIdleTimeout
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	if err := checkFrom(cfg.From); err != nil {
		return nil, err
	}
	// Built once, so that option errors surface at start-up, not at first send.
	client, err := newSMTPClient(cfg)
	if err != nil {
		return nil, err
	}
	return &smtpSender{cfg: cfg, client: client}, nil
}

// Send delivers m over an idle connection that answers RSET, or a new one. Cancelling
// ctx closes the connection, which aborts whatever exchange is under way. A refusal by
// the server is a *gomail.SendError or, from a server that pipelines, a
// *textproto.Error; IsPermanent tells 5xx from 4xx.
//
// Exactly once: a message is sent at most once per call. The only retry inside Send is
// a new connection after an idle one failed its RSET probe (or, pipelined, failed
// before DATA was answered), before any of the message was sent. Any failure after
// the message's first byte is returned (the job is retried later), and the
// connection is closed, never reused: its state is unknown.
func (s *smtpSender) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	msg, err := buildMsg(s.cfg.From, m, gomail.EncodingQP)
	if err != nil {
		return err
	}
	for {
		sc, stop, probe, err := s.conn(ctx)
		if err != nil {
			return s.fail(ctx, "connect to", err)
		}
		var delivered, stale bool
		if pipelines(sc) {
			delivered, stale, err = s.sendPipelined(sc, msg, probe)
		} else {
			err = s.client.SendWithSMTPClient(sc.c, msg)
			delivered = msg.IsDelivered()
		}
		aborted := !stop() // ctx ended: the connection is closed or closing
		switch {
		case stale && !aborted:
			// An idle connection the server had closed: nothing was sent.
			sc.conn.Close()
			continue
		case err == nil && !aborted:
			s.put(sc)
			return nil
		case err == nil || delivered:
			// Accepted (250 after DATA); what failed afterwards does not undo that.
			sc.conn.Close()
			return nil
		}
		// The state of the conversation is unknown after a failure: the
		// connection is not reused. A server that answered (a refusal) is told
		// QUIT; after a network error or a timeout it is just closed.
		if replyCode(err) >= 400 && !aborted {
			s.quit(sc)
		} else {
			sc.conn.Close()
		}
		return s.fail(ctx, "send through", err)
	}
}

// replyCode is the SMTP reply code of a refusal, or 0.
func replyCode(err error) int {
	if se := (*gomail.SendError)(nil); errors.As(err, &se) {
		return se.ErrorCode()
	}
	if te := (*textproto.Error)(nil); errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// pipelines reports whether sc's server accepts pipelined commands
// (RFC 2920, widely offered).
func pipelines(sc *smtpConn) bool {
	ok, _ := sc.c.Extension("PIPELINING")
	return ok
}

// sendPipelined delivers msg over sc, whose server pipelines: RSET (the
// probe of a reused connection, when probe is set), MAIL, every RCPT and
// DATA go in one write and their replies are read in order; then the
// message and its final dot. Two round trips instead of the five of RSET,
// MAIL, RCPT, DATA and the message one after the other; each costs a
// write, a read and a wake-up on both sides. go-mail has no pipelining, so
// this speaks to its connection's textproto.Conn, as go-mail's own
// extensions do.
//
// delivered reports a 250 to the message. stale reports that a reused
// connection failed before DATA was answered (the server had closed it
// while idle): nothing of the message was sent and another connection may
// be tried. A refusal (a reply code) is a *textproto.Error.
func (s *smtpSender) sendPipelined(sc *smtpConn, msg *gomail.Msg, probe bool) (delivered, stale bool, err error) {
	from, err := msg.GetSender(false)
	if err != nil {
		return false, false, err
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return false, false, err
	}
	for _, a := range append([]string{from}, rcpts...) {
		if strings.ContainsAny(a, "\r\n") {
			return false, false, fmt.Errorf("mail: address %q contains CR or LF", a)
		}
	}
	var cmds strings.Builder
	if probe {
		cmds.WriteString("RSET\r\n")
	}
	// The parameters go-mail's Client.Mail gives MAIL (no DSN is asked for).
	cmds.WriteString("MAIL FROM:" + from)
	if ok, _ := sc.c.Extension("8BITMIME"); ok {
		cmds.WriteString(" BODY=8BITMIME")
	}
	if ok, _ := sc.c.Extension("SMTPUTF8"); ok {
		cmds.WriteString(" SMTPUTF8")
	}
	cmds.WriteString("\r\n")
	for _, r := range rcpts {
		cmds.WriteString("RCPT TO:" + r + "\r\n")
	}
	cmds.WriteString("DATA\r\n")
	if err := sc.c.UpdateDeadline(s.cfg.Timeout); err != nil {
		return false, probe, err
	}
	t := sc.c.Text
	if _, err := t.W.WriteString(cmds.String()); err != nil {
		return false, probe, err
	}
	if err := t.W.Flush(); err != nil {
		return false, probe, err
	}
	// Every reply is read, also after a refusal: the server answers each
	// command. The first refusal is the error.
	var refused error
	read := func(expect int) (ok bool, netErr error) {
		_, _, err := t.ReadResponse(expect)
		if err == nil {
			return true, nil
		}
		if te := (*textproto.Error)(nil); errors.As(err, &te) {
			if refused == nil {
				refused = te
			}
			return false, nil
		}
		return false, err
	}
	if probe {
		if ok, netErr := read(250); netErr != nil || !ok {
			return false, true, firstErr(netErr, refused, errors.New("mail: RSET refused"))
		}
	}
	if _, netErr := read(250); netErr != nil {
		return false, probe, netErr
	}
	for range rcpts {
		if _, netErr := read(25); netErr != nil {
			return false, probe, netErr
		}
	}
	dataOK, netErr := read(354)
	if netErr != nil {
		return false, probe, netErr
	}
	if refused != nil {
		if dataOK {
			// A server that took DATA after refusing MAIL or every RCPT
			// gets an empty message's dot (RFC 2920 §3.1) and refuses it.
			if _, err := t.W.WriteString(".\r\n"); err == nil && t.W.Flush() == nil {
				read(0)
			}
		}
		return false, false, refused
	}
	// From here on the message is on its way: no retry.
	if err := sc.c.UpdateDeadline(s.cfg.Timeout); err != nil {
		return false, false, err
	}
	w := t.DotWriter()
	if _, err := msg.WriteTo(w); err != nil {
		return false, false, err
	}
	if err := w.Close(); err != nil {
		return false, false, err
	}
	if _, _, err := t.ReadResponse(250); err != nil {
		return false, false, err
	}
	return true, false, nil
}

// firstErr is the first non-nil of errs.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// conn returns an idle connection, or dials a new one; either way, ctx's end closes
// it until stop is called. An idle connection is probed with RSET first, unless its
// server pipelines: then probe is set, and the caller sends RSET with the message's
// commands.
func (s *smtpSender) conn(ctx context.Context) (sc *smtpConn, stop func() bool, probe bool, err error) {
	for sc = s.take(); sc != nil; sc = s.take() {
		// The probe runs under the send's timeout and context: a server that
		// dropped the connection answers at once (EOF or a reset), one that
		// hangs is given up on after Timeout like any exchange.
		stop = context.AfterFunc(ctx, func() { sc.conn.Close() })
		if pipelines(sc) {
			return sc, stop, true, nil
		}
		err = sc.c.UpdateDeadline(s.cfg.Timeout)
		if err == nil {
			err = sc.c.Reset()
		}
		if err == nil {
			return sc, stop, false, nil
		}
		stop()
		sc.conn.Close() // stale: closed by the server, or its idle timeout
		if ctx.Err() != nil {
			return nil, nil, false, ctx.Err()
		}
	}
	d := &dialedConn{ctx: ctx}
	c, err := s.client.DialToSMTPClientWithContext(context.WithValue(ctx, dialedKey{}, d))
	if err != nil {
		if d.conn != nil {
			d.stop()
			d.conn.Close()
		}
		return nil, nil, false, err
	}
	return &smtpConn{c: c, conn: d.conn}, d.stop, false, nil
}

// take pops the most recently used idle connection that is still young
// enough, closing older ones.
func (s *smtpSender) take() *smtpConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.idle) > 0 {
		sc := s.idle[len(s.idle)-1]
		s.idle = s.idle[:len(s.idle)-1]
		if time.Since(sc.used) < s.cfg.IdleTimeout {
			return sc
		}
		go s.quit(sc)
	}
	return nil
}

// put keeps sc for the next message, or says QUIT when enough are kept.
func (s *smtpSender) put(sc *smtpConn) {
	sc.used = time.Now()
	s.mu.Lock()
	if s.closed || len(s.idle) >= s.cfg.MaxIdle {
		s.mu.Unlock()
		s.quit(sc)
		return
	}
	s.idle = append(s.idle, sc)
	if s.sweep == nil {
		s.sweep = time.AfterFunc(s.cfg.IdleTimeout, s.sweepIdle)
	}
	s.mu.Unlock()
}

// sweepIdle closes the connections idle for IdleTimeout, and runs again
// while some remain.
func (s *smtpSender) sweepIdle() {
	s.mu.Lock()
	s.sweep = nil
	now := time.Now()
	var old []*smtpConn
	keep := s.idle[:0]
	for _, sc := range s.idle { // oldest first
		if now.Sub(sc.used) >= s.cfg.IdleTimeout {
			old = append(old, sc)
		} else {
			keep = append(keep, sc)
		}
	}
	clear(s.idle[len(keep):])
	s.idle = keep
	if len(s.idle) > 0 && !s.closed {
		s.sweep = time.AfterFunc(s.cfg.IdleTimeout-now.Sub(s.idle[0].used), s.sweepIdle)
	}
	s.mu.Unlock()
	for _, sc := range old {
		s.quit(sc)
	}
}

// quit says QUIT (briefly: it is a courtesy) and closes the connection.
func (s *smtpSender) quit(sc *smtpConn) {
	if sc.c.UpdateDeadline(min(s.cfg.Timeout, 2*time.Second)) == nil {
		_ = sc.c.Quit()
	}
	sc.conn.Close()
}

// Close says QUIT on the idle connections and closes them. Sends after Close still
// work, over connections that are closed after each message.
func (s *smtpSender) Close() error {
	s.mu.Lock()
	s.closed = true
	idle := s.idle
	s.idle = nil
	if s.sweep != nil {
		s.sweep.Stop()
		s.sweep = nil
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, sc := range idle {
		wg.Go(func() { s.quit(sc) })
	}
	wg.Wait()
	return nil
}

// dialedKey carries a *dialedConn in the dial's context, so that Send gets
// the net.Conn that go-mail's client wraps, to close it when the send's
// context ends: go-mail's own context covers the TCP dial only, not the
// greeting, EHLO and AUTH that follow.
type dialedKey struct{}

type dialedConn struct {
	ctx  context.Context // the send's (go-mail's is cancelled when its dial returns)
	conn net.Conn
	stop func() bool // stops closing conn when ctx ends
}

// fail wraps err, preferring ctx's error when the send was cancelled.
func (s *smtpSender) fail(ctx context.Context, action string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("mail: %s SMTP server %s:%d: %w (%v)", action, s.cfg.Host, s.cfg.Port, ctxErr, err)
	}
	return fmt.Errorf("mail: %s SMTP server %s:%d: %w", action, s.cfg.Host, s.cfg.Port, err)
}

// newSMTPClient builds the go-mail client for cfg: the settings of every
// connection. Its dial hands each connection to the dialedConn in the dial's
// context.
func newSMTPClient(cfg SMTPConfig) (*gomail.Client, error) {
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{}
		var conn net.Conn
		var err error
		if cfg.UseSSL {
			conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(dialCtx, network, addr)
		} else {
			conn, err = d.DialContext(dialCtx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		if d, ok := dialCtx.Value(dialedKey{}).(*dialedConn); ok {
			d.conn = conn
			d.stop = context.AfterFunc(d.ctx, func() { conn.Close() })
		}
		return conn, nil
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(dial),
		// go-mail would send NOOP before each message and NOOP+RSET after
		// it: three round trips of the seven a reused connection needs. The
		// RSET probe before reuse (Send) checks the connection instead, and
		// a completed DATA leaves the session reset already (RFC 5321
		// §4.1.1.4).
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	switch {
	case cfg.UseSSL:
		opts = append(opts, gomail.WithSSL())
	case cfg.UseTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.Username != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: configure SMTP client: %w", err)
	}
	return client, nil
}
