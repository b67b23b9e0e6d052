package smtptest_test

import (
	"context"
	"errors"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"pasched/mail/smtptest"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const body = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nline one\r\n.leading dot\r\n"

func TestDeliveryWithAuth(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("user", "secret"))

	auth := smtp.PlainAuth("", "user", "secret", srv.Host())
	if err := smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(body)); err != nil {
		t.Fatalf("SendMail: %v", err)
	}
	msgs, err := srv.Wait(testContext(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[0]
	if got.From != "a@example.com" || strings.Join(got.To, ",") != "b@example.com,c@example.com" || got.User != "user" {
		t.Errorf("envelope = %q %q user %q", got.From, got.To, got.User)
	}
	if string(got.Data) != body {
		t.Errorf("data = %q, want %q (dot-unstuffed)", got.Data, body)
	}
	m, err := got.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Header.Get("Subject"); s != "hi" {
		t.Errorf("subject = %q", s)
	}
}

func TestAuthRequiredAndChecked(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.WithAuth("user", "secret"))

	err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body))
	if code := replyCode(err); code != 530 {
		t.Errorf("without AUTH: err %v, want 530", err)
	}
	bad := smtp.PlainAuth("", "user", "wrong", srv.Host())
	err = smtp.SendMail(srv.Addr(), bad, "a@example.com", []string{"b@example.com"}, []byte(body))
	if code := replyCode(err); code != 535 {
		t.Errorf("bad password: err %v, want 535", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted, want 0", n)
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	ctx := testContext(t)

	srv.FailNext(2, 451)
	for i := range 2 {
		err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body))
		if code := replyCode(err); code != 451 {
			t.Fatalf("delivery %d: err %v, want 451", i, err)
		}
	}
	if err := srv.WaitRejected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, 554)
	err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body))
	if code := replyCode(err); code != 554 {
		t.Fatalf("err %v, want 554", err)
	}
	if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
		t.Fatalf("delivery after the failures: %v", err)
	}
	if _, err := srv.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got, n := srv.Rejected(), len(srv.Messages()); got != 3 || n != 1 {
		t.Errorf("rejected %d, accepted %d; want 3 and 1", got, n)
	}
}

func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.Wait(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}

func TestCloseEndsOpenSessions(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	srv.Close() // must not hang on the idle session
	if err := c.Noop(); err == nil {
		t.Errorf("NOOP after Close = %v, want an error", err)
	}
}

func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// TestDropIdleSparesTransactions: DropIdle closes a connection waiting
// between messages, never one inside a mail transaction, and counts
// connections accepted and open.
func TestDropIdleSparesTransactions(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	ctx := testContext(t)
	between, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer between.Close()
	inTx, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer inTx.Close()
	for _, c := range []*smtp.Client{between, inTx} {
		if err := c.Hello("client.test"); err != nil {
			t.Fatal(err)
		}
	}
	// One message accepted on `between`; `inTx` is between MAIL and DATA.
	if err := between.Mail("a@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := between.Rcpt("b@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err := between.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of DATA: %v", err)
	}
	if err := inTx.Mail("a@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Accepted(); got != 2 {
		t.Fatalf("Accepted = %d, want 2", got)
	}
	if n := srv.DropIdle(); n != 1 {
		t.Fatalf("DropIdle closed %d connections, want 1", n)
	}
	if err := between.Noop(); err == nil {
		t.Error("NOOP on a dropped connection succeeded")
	}
	// The transaction goes on and is delivered.
	if err := inTx.Rcpt("c@example.com"); err != nil {
		t.Fatal(err)
	}
	w, err = inTx.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of DATA after DropIdle: %v", err)
	}
	if err := srv.WaitOpen(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 2 || msgs[1].To[0] != "c@example.com" {
		t.Fatalf("messages %+v, want both", msgs)
	}
	if err := inTx.Quit(); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitOpen(ctx, 0); err != nil {
		t.Fatal(err)
	}
}

// TestServeOutsideATest: Serve runs the same server on a listener of the
// caller's, as the load tests' sink process does, counting without keeping.
func TestServeOutsideATest(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Serve(ln, smtptest.CountOnly())
	defer srv.Close()
	for range 2 {
		if err := smtp.SendMail(srv.Addr(), nil, "a@example.com", []string{"b@example.com"}, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if msgs, err := srv.Wait(testContext(t), 2); err != nil || len(msgs) != 0 || srv.Count() != 2 {
		t.Fatalf("Wait = %d messages (%v), Count %d; want none kept and 2 counted", len(msgs), err, srv.Count())
	}
	srv.Close()
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("the listener still accepts after Close")
	}
}
