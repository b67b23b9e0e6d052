package mail_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

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
	srv := smtptest.Start(t)
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
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, From: fromAddr})
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
