package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pasched/mail"
	"pasched/mail/smtptest"
)

const fromAddr = "noreply@pa.example.test"

func newSMTP(t *testing.T, srv *smtptest.Server, mod func(*mail.SMTPConfig)) mail.Sender {
	t.Helper()
	cfg := mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: "PA Scheduling <" + fromAddr + ">"}
	if mod != nil {
		mod(&cfg)
	}
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func TestSMTPDeliversEveryEmail(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("mailer", "s3cret"))
	sender := newSMTP(t, srv, func(c *mail.SMTPConfig) { c.Username, c.Password = "mailer", "s3cret" })
	ctx := testContext(t)

	for i, c := range emailCases() {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.render()
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			if err := sender.Send(ctx, m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs, err := srv.Wait(ctx, i+1)
			if err != nil {
				t.Fatal(err)
			}
			got := msgs[i]
			if got.From != fromAddr || got.User != "mailer" {
				t.Errorf("envelope from %q user %q, want %q and mailer", got.From, got.User, fromAddr)
			}
			if strings.Join(got.To, ",") != strings.Join(c.to, ",") {
				t.Errorf("envelope to %v, want %v", got.To, c.to)
			}
			p := parseMessage(t, got.Data)
			checkContent(t, c, p)
			from, err := p.header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != fromAddr || from[0].Name != "PA Scheduling" {
				t.Errorf("From = %v (%v), want PA Scheduling <%s>", from, err, fromAddr)
			}
			for _, h := range []string{"Date", "Message-Id", "Mime-Version"} {
				if p.header.Get(h) == "" {
					t.Errorf("header %s missing", h)
				}
			}
			if got := p.header.Get("Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got)
			}
		})
	}
}

func TestSMTPServerRefusal(t *testing.T) {
	t.Parallel()
	eachPipelining(t, func(t *testing.T, opts ...smtptest.Option) {
		srv := smtptest.Start(t, opts...)
		sender := newSMTP(t, srv, nil)
		ctx := testContext(t)
		m, err := mail.ShiftApproved("pa@example.test", shiftFixture())
		if err != nil {
			t.Fatal(err)
		}

		srv.FailNext(1, 451)
		err = sender.Send(ctx, m)
		if err == nil || mail.IsPermanent(err) {
			t.Fatalf("Send after 451 = %v, want a transient error", err)
		}
		srv.FailNext(1, 550)
		if err := sender.Send(ctx, m); !mail.IsPermanent(err) {
			t.Fatalf("Send after 550 = %v, want a permanent error", err)
		}
		if err := sender.Send(ctx, m); err != nil {
			t.Fatalf("Send once the server accepts: %v", err)
		}
		if _, err := srv.Wait(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if n, r := len(srv.Messages()), srv.Rejected(); n != 1 || r != 2 {
			t.Errorf("accepted %d, rejected %d; want 1 and 2", n, r)
		}
	})
}

func TestSMTPStartTLSIsMandatory(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t) // offers no STARTTLS
	sender := newSMTP(t, srv, func(c *mail.SMTPConfig) { c.UseTLS = true })
	m, err := mail.Verification("new@example.test", "New", frontend+"/verify-email?token=x")
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(testContext(t), m); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want a STARTTLS error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent in clear text", n)
	}
}

func TestSMTPImplicitTLSRefusesPlainServer(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender := newSMTP(t, srv, func(c *mail.SMTPConfig) { c.UseSSL = true })
	m, err := mail.Verification("new@example.test", "New", frontend+"/verify-email?token=x")
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(testContext(t), m); err == nil {
		t.Fatal("Send over implicit TLS to a plain server succeeded")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent in clear text", n)
	}
}

func TestSMTPSendHonoursCancellation(t *testing.T) {
	t.Parallel()
	// A server that accepts and then never says a word.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	// No timeout to save the day: only the cancellation can end the wait
	// for the greeting (else testContext's deadline does, and the error is
	// not context.Canceled).
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, From: fromAddr, Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Verification("new@example.test", "New", frontend+"/verify-email?token=x")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(testContext(t))
	done := make(chan error, 1)
	go func() { done <- sender.Send(ctx, m) }()
	c := <-accepted
	defer c.Close()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
}

func TestSMTPRejectsBadMessages(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender := newSMTP(t, srv, nil)
	ctx := testContext(t)
	for _, m := range []mail.Message{
		{Subject: "no recipients", Text: "x", HTML: "x"},
		{To: []string{"not an address"}, Subject: "bad", Text: "x", HTML: "x"},
	} {
		if err := sender.Send(ctx, m); err == nil {
			t.Errorf("Send(%q) succeeded", m.Subject)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages delivered", n)
	}
}

// sendN sends n Verification messages with IDs prefix-0… one after the other.
func sendN(t *testing.T, ctx context.Context, s mail.Sender, prefix string, n int) {
	t.Helper()
	for i := range n {
		if err := s.Send(ctx, idMessage(t, fmt.Sprintf("%s-%d", prefix, i))); err != nil {
			t.Fatalf("Send %s-%d: %v", prefix, i, err)
		}
	}
}

func idMessage(t *testing.T, id string) mail.Message {
	t.Helper()
	m, err := mail.Verification("new@example.test", "New", frontend+"/verify-email?token=x")
	if err != nil {
		t.Fatal(err)
	}
	m.ID = id + "@pa.example.test"
	return m
}

// deliveries counts the messages the sink accepted by Message-ID.
func deliveries(t *testing.T, msgs []smtptest.Received) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, r := range msgs {
		m, err := r.Parse()
		if err != nil {
			t.Fatal(err)
		}
		seen[m.Header.Get("Message-Id")]++
	}
	return seen
}

// eachPipelining runs fn as a subtest against a server that pipelines
// (RFC 2920: the sender sends RSET, MAIL, RCPT and DATA in one write) and
// one that does not (one command at a time, RSET probing a reused
// connection).
func eachPipelining(t *testing.T, fn func(t *testing.T, opts ...smtptest.Option)) {
	t.Run("pipelining", func(t *testing.T) { t.Parallel(); fn(t) })
	t.Run("one-by-one", func(t *testing.T) { t.Parallel(); fn(t, smtptest.WithoutPipelining()) })
}

// TestSMTPReusesConnection: consecutive messages go over one connection
// (RSET between), each delivered once and whole.
func TestSMTPReusesConnection(t *testing.T) {
	t.Parallel()
	eachPipelining(t, func(t *testing.T, opts ...smtptest.Option) {
		srv := smtptest.Start(t, opts...)
		sender := newSMTP(t, srv, nil)
		ctx := testContext(t)
		sendN(t, ctx, sender, "reuse", 5)
		msgs, err := srv.Wait(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		if n := srv.Accepted(); n != 1 {
			t.Errorf("%d connections for 5 messages, want 1", n)
		}
		seen := deliveries(t, msgs)
		for i := range 5 {
			if id := fmt.Sprintf("<reuse-%d@pa.example.test>", i); seen[id] != 1 || len(msgs) != 5 {
				t.Errorf("%s delivered %d times (%d messages)", id, seen[id], len(msgs))
			}
		}
		for _, r := range msgs {
			p := parseMessage(t, r.Data)
			if !strings.Contains(p.text, "verify-email?token=x") {
				t.Errorf("message body lost its link: %q", p.text)
			}
		}
	})
}

// TestSMTPRecoversDroppedConnection: the server closes the idle connection
// (a restart, its idle timeout); the next send probes it, finds it dead and
// delivers over a new one without an error.
func TestSMTPRecoversDroppedConnection(t *testing.T) {
	t.Parallel()
	eachPipelining(t, func(t *testing.T, opts ...smtptest.Option) {
		srv := smtptest.Start(t, opts...)
		sender := newSMTP(t, srv, nil)
		ctx := testContext(t)
		sendN(t, ctx, sender, "before", 1)
		if n := srv.DropIdle(); n != 1 {
			t.Fatalf("DropIdle closed %d connections, want the sender's 1", n)
		}
		sendN(t, ctx, sender, "after", 2)
		msgs, err := srv.Wait(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 || srv.Accepted() != 2 {
			t.Errorf("%d messages over %d connections, want 3 over 2", len(msgs), srv.Accepted())
		}
	})
}

// TestSMTPBurstExactlyOnce: concurrent senders, the server dropping its
// idle connections twice mid-burst. A send that fails is retried (as the job
// queue does); every message is delivered exactly once, over far fewer
// connections than messages.
func TestSMTPBurstExactlyOnce(t *testing.T) {
	t.Parallel()
	eachPipelining(t, func(t *testing.T, opts ...smtptest.Option) {
		srv := smtptest.Start(t, opts...)
		sender := newSMTP(t, srv, nil)
		ctx := testContext(t)
		const workers, each = 8, 40
		var wg sync.WaitGroup
		var retries atomic.Int64
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					m := idMessage(t, fmt.Sprintf("burst-%d-%d", w, i))
					for sender.Send(ctx, m) != nil {
						if ctx.Err() != nil {
							return
						}
						retries.Add(1)
					}
				}
			})
		}
		dropped := 0
		for _, at := range []int{workers * each / 3, 2 * workers * each / 3} {
			if _, err := srv.Wait(ctx, at); err != nil {
				t.Fatal(err)
			}
			dropped += srv.DropIdle()
		}
		wg.Wait()
		msgs, err := srv.Wait(ctx, workers*each)
		if err != nil {
			t.Fatal(err)
		}
		seen := deliveries(t, msgs)
		if len(msgs) != workers*each || len(seen) != workers*each {
			t.Fatalf("%d messages, %d distinct; want %d", len(msgs), len(seen), workers*each)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		if conns := srv.Accepted(); conns > workers+dropped {
			t.Errorf("%d connections for %d messages (%d dropped), want at most %d", conns, len(msgs), dropped, workers+dropped)
		}
		t.Logf("%d connections, %d dropped mid-burst, %d sends retried", srv.Accepted(), dropped, retries.Load())
	})
}

// TestSMTPClosesIdleConnections: unused connections are closed after
// IdleTimeout, and Close closes the others at once.
func TestSMTPClosesIdleConnections(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := smtptest.Start(t)
	short := newSMTP(t, srv, func(c *mail.SMTPConfig) { c.IdleTimeout = 20 * time.Millisecond })
	sendN(t, ctx, short, "short", 1)
	if err := srv.WaitOpen(ctx, 0); err != nil {
		t.Fatalf("idle connection kept past IdleTimeout: %v", err)
	}
	sendN(t, ctx, short, "again", 1) // a new connection after the sweep
	if err := srv.WaitOpen(ctx, 0); err != nil {
		t.Fatal(err)
	}

	srv2 := smtptest.Start(t)
	long := newSMTP(t, srv2, func(c *mail.SMTPConfig) { c.IdleTimeout = time.Hour })
	sendN(t, ctx, long, "long", 2)
	if n := srv2.Accepted(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	if err := long.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv2.WaitOpen(ctx, 0); err != nil {
		t.Fatalf("Close left idle connections open: %v", err)
	}
	sendN(t, ctx, long, "after-close", 1) // still delivers, connection not kept
	if err := srv2.WaitOpen(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if msgs, err := srv2.Wait(ctx, 3); err != nil || len(msgs) != 3 {
		t.Fatalf("%d messages (%v), want 3", len(msgs), err)
	}
}

// TestSMTPRefusalDropsConnection: after a refusal the connection is not
// reused (its state is unknown to the client); the next message gets a new
// one.
func TestSMTPRefusalDropsConnection(t *testing.T) {
	t.Parallel()
	eachPipelining(t, func(t *testing.T, opts ...smtptest.Option) {
		srv := smtptest.Start(t, opts...)
		sender := newSMTP(t, srv, nil)
		ctx := testContext(t)
		sendN(t, ctx, sender, "ok", 1)
		srv.FailNext(1, 451)
		if err := sender.Send(ctx, idMessage(t, "refused")); err == nil {
			t.Fatal("Send after 451 succeeded")
		}
		sendN(t, ctx, sender, "next", 1)
		if n, conns := len(srv.Messages()), srv.Accepted(); n != 2 || conns != 2 {
			t.Errorf("%d messages over %d connections, want 2 over 2", n, conns)
		}
	})
}

// TestSMTPPipelinedRefusalBeforeData: a server that pipelines and refuses
// MAIL (here: authentication required) answers RCPT and DATA with errors
// too; the message is not sent, the refusal is permanent, and the next
// send works over a new connection.
func TestSMTPPipelinedRefusalBeforeData(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("user", "secret"))
	anonymous := newSMTP(t, srv, nil)
	ctx := testContext(t)
	err := anonymous.Send(ctx, idMessage(t, "refused"))
	if err == nil || !mail.IsPermanent(err) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("Send without AUTH = %v, want the permanent 530", err)
	}
	authed := newSMTP(t, srv, func(c *mail.SMTPConfig) { c.Username, c.Password = "user", "secret" })
	sendN(t, ctx, authed, "ok", 2)
	msgs, err := srv.Wait(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
}
