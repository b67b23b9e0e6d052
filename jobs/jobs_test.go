package jobs_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/accounts"
	"pasched/jobs"
	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

const from = "noreply@pa.example.test"

// bundle is one running job system over a fresh database, sending to a
// local SMTP sink.
type bundle struct {
	db       *sqlstore.DB
	sys      *jobs.System
	smtp     *smtptest.Server
	events   <-chan *river.Event
	pending  []*river.Event // events received while waiting for another kind
	accounts *accounts.Service
}

func setup(t *testing.T, d sqlstore.Dialect) *bundle {
	t.Helper()
	ctx := context.Background()
	db := sqltest.Open(t, d)
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), From: "PA Scheduling <" + from + ">", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	acc := &accounts.Service{DB: db, Hasher: password.NewHasher(1), Signer: token.NewSigner("k"), FrontendURL: "http://frontend.test"}
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, PasswordReset: acc, Work: true, TestOnly: true,
		RetryBase: time.Millisecond, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	acc.Jobs = sys.Client
	t.Cleanup(sys.Close)
	events, cancel := sys.Client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	t.Cleanup(cancel)
	if err := sys.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		sys.Stop(sctx)
	})
	return &bundle{db: db, sys: sys, smtp: srv, events: events, accounts: acc}
}

// wait returns the next event of a job of kind, failing after a deadline
// (a guard: nothing here sleeps).
func (b *bundle) wait(t *testing.T, kind string) *river.Event {
	t.Helper()
	for i, ev := range b.pending {
		if ev.Job.Kind == kind {
			b.pending = append(b.pending[:i], b.pending[i+1:]...)
			return ev
		}
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case ev := <-b.events:
			if ev.Job.Kind == kind {
				return ev
			}
			b.pending = append(b.pending, ev)
		case <-timeout:
			t.Fatalf("no event for a %s job", kind)
		}
	}
}

func (b *bundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func ptr(s string) *string { return &s }

// parsed is a delivered message: headers and its two bodies.
type parsed struct {
	subject, to, from, text, html string
}

func parse(t *testing.T, r smtptest.Received) parsed {
	t.Helper()
	m, err := r.Parse()
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{subject: subject, to: m.Header.Get("To"), from: m.Header.Get("From")}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = part
		switch strings.ToLower(part.Header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(part)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cp["charset"] != "" && !strings.EqualFold(cp["charset"], "utf-8") {
			t.Errorf("charset %q", cp["charset"])
		}
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	return p
}

// TestVerificationEmail: registering enqueues the email in the same
// transaction; a River worker delivers it over a real SMTP conversation,
// with a text and an HTML part.
func TestVerificationEmail(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		ctx := context.Background()
		u, err := b.accounts.Register(ctx, accounts.RegisterInput{Email: ptr("erin@example.com"), Username: ptr("erin"),
			Password: ptr("Maple-Comet-55"), PasswordConfirm: ptr("Maple-Comet-55"), FirstName: ptr("Erin"), LastName: ptr("Evans"),
			PhoneNumber: ptr("555-0106")})
		if err != nil {
			t.Fatal(err)
		}
		if ev := b.wait(t, "email"); ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 1 {
			t.Fatalf("email job: %s after %d attempts", ev.Kind, ev.Job.Attempt)
		}
		msgs := b.smtp.Messages()
		if len(msgs) != 1 || msgs[0].From != from || strings.Join(msgs[0].To, ",") != "erin@example.com" {
			t.Fatalf("envelope %+v", msgs)
		}
		var tok string
		if err := b.db.QueryRowContext(ctx, `SELECT token FROM email_verification_tokens WHERE user_id = $1`, u.ID).Scan(&tok); err != nil {
			t.Fatal(err)
		}
		link := "http://frontend.test/verify-email?token=" + tok
		p := parse(t, msgs[0])
		if p.subject != "✉️ Verify Your Email - PA Scheduling System" || p.to != "<erin@example.com>" || p.from != `"PA Scheduling" <`+from+`>` {
			t.Errorf("headers %q %q %q", p.subject, p.to, p.from)
		}
		for _, want := range []string{"✉️ VERIFY YOUR EMAIL", "Hi Erin Evans,", "Welcome to PA Scheduling System!", "Verification Link:\n" + link,
			"This link will expire in 7 days.", "Best regards,\nPA Scheduling System"} {
			if !strings.Contains(strings.ReplaceAll(p.text, "\r\n", "\n"), want) {
				t.Errorf("text part lacks %q:\n%s", want, p.text)
			}
		}
		for _, want := range []string{`<a href="` + link + `"`, "Hi Erin Evans,", "This link will expire in 7 days."} {
			if !strings.Contains(p.html, want) {
				t.Errorf("HTML part lacks %q:\n%s", want, p.html)
			}
		}
	})
}

// TestEmailRetried: a delivery refused twice (4xx, transient) is retried
// with backoff and succeeds on the third attempt; a 5xx refusal is final.
func TestEmailRetried(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		ctx := context.Background()
		m, _ := mail.Verification("pa@example.test", "PA", "http://frontend.test/verify-email?token=x")
		enqueue := func(event string) {
			t.Helper()
			if err := b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error { return jobs.EnqueueEmail(ctx, b.sys.Client, tx, m, event) }); err != nil {
				t.Fatal(err)
			}
		}
		b.smtp.FailNext(2, 451)
		enqueue("retry")
		var ev *river.Event
		for ev = b.wait(t, "email"); ev.Kind == river.EventKindJobFailed; ev = b.wait(t, "email") {
		}
		if ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 3 || len(ev.Job.Errors) != 2 {
			t.Fatalf("%s after %d attempts, %d errors", ev.Kind, ev.Job.Attempt, len(ev.Job.Errors))
		}
		if b.smtp.Rejected() != 2 || len(b.smtp.Messages()) != 1 {
			t.Fatalf("rejected %d, delivered %d", b.smtp.Rejected(), len(b.smtp.Messages()))
		}
		// The backoff doubles from the base (1 ms here, 60 s in production).
		if ev.Job.MaxAttempts != jobs.EmailMaxAttempts {
			t.Errorf("max attempts %d", ev.Job.MaxAttempts)
		}

		b.smtp.FailNext(1, 550)
		enqueue("refused")
		if ev := b.wait(t, "email"); ev.Kind != river.EventKindJobCancelled || ev.Job.Attempt != 1 {
			t.Fatalf("permanent refusal: %s after %d attempts", ev.Kind, ev.Job.Attempt)
		}
		if b.smtp.Rejected() != 3 || len(b.smtp.Messages()) != 1 {
			t.Fatalf("rejected %d, delivered %d", b.smtp.Rejected(), len(b.smtp.Messages()))
		}
	})
}

// TestRolledBackTransactionLeavesNoJob: an email enqueued in a
// transaction that rolls back is never sent, nor even stored.
func TestRolledBackTransactionLeavesNoJob(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx := context.Background()
		db := sqltest.Open(t, d)
		sys, err := jobs.New(ctx, jobs.Opts{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		defer sys.Close()
		m, _ := mail.Verification("pa@example.test", "PA", "http://frontend.test/verify-email?token=x")
		boom := errors.New("boom")
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := jobs.EnqueueEmail(ctx, sys.Client, tx, m, "rolled back"); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil || n != 1 {
				t.Errorf("inside the transaction: %d jobs, %v", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("WriteTx: %v", err)
		}
		var n int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d jobs after a rollback", n)
		}
		// A registration that fails inside its transaction leaves neither
		// a user nor a job: make the token insert fail.
		acc := &accounts.Service{DB: db, Jobs: sys.Client, Hasher: password.NewHasher(1), Signer: token.NewSigner("k"), FrontendURL: "http://frontend.test"}
		if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `DROP TABLE email_verification_tokens`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = acc.Register(ctx, accounts.RegisterInput{Email: ptr("erin@example.com"), Username: ptr("erin"), Password: ptr("Maple-Comet-55"),
			PasswordConfirm: ptr("Maple-Comet-55"), PhoneNumber: ptr("1")})
		if err == nil {
			t.Fatal("registration succeeded without its token table")
		}
		var users, jobsN int
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&users)
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&jobsN)
		if users != 0 || jobsN != 0 {
			t.Fatalf("failed registration left %d users, %d jobs", users, jobsN)
		}
		// And a committed one leaves its job.
		if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error { return jobs.EnqueueEmail(ctx, sys.Client, tx, m, "committed") }); err != nil {
			t.Fatal(err)
		}
		db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&jobsN)
		if jobsN != 1 {
			t.Fatalf("%d jobs after a commit", jobsN)
		}
	})
}

// TestPasswordResetJob: the reset request's job makes a token and an
// email for an active account, and nothing for an unknown or inactive one.
func TestPasswordResetJob(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		ctx := context.Background()
		u, _, err := b.accounts.CreateAdmin(ctx, pasched.NewUser{Email: "Ada@Example.com", Username: "ada", FirstName: "Ada", LastName: "Admin"}, "Adm1n-Pass-2030!")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.accounts.RequestPasswordReset(ctx, "nobody@example.com"); err != nil {
			t.Fatal(err)
		}
		if ev := b.wait(t, "password_reset_request"); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("unknown email: %s", ev.Kind)
		}
		if n := b.count(t, `SELECT COUNT(*) FROM password_reset_tokens`); n != 0 {
			t.Fatalf("%d tokens for an unknown email", n)
		}
		if n := b.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'email'`); n != 0 {
			t.Fatalf("%d emails for an unknown email", n)
		}

		if err := b.accounts.RequestPasswordReset(ctx, "ADA@example.com"); err != nil {
			t.Fatal(err)
		}
		if ev := b.wait(t, "password_reset_request"); ev.Kind != river.EventKindJobCompleted || ev.Job.Attempt != 1 {
			t.Fatalf("known email: %s", ev.Kind)
		}
		if ev := b.wait(t, "email"); ev.Kind != river.EventKindJobCompleted {
			t.Fatalf("reset email: %s", ev.Kind)
		}
		var tok string
		var exp sqlTime
		if err := b.db.QueryRowContext(ctx, `SELECT token, expires_at FROM password_reset_tokens WHERE user_id = $1 AND used = $2`, u.ID, false).Scan(&tok, &exp); err != nil {
			t.Fatal(err)
		}
		if dd := time.Until(exp.t); dd < 23*time.Hour || dd > 24*time.Hour {
			t.Errorf("token expires in %v, want 24 h", dd)
		}
		msgs := b.smtp.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "ada@example.com" {
			t.Fatalf("messages %+v", msgs)
		}
		p := parse(t, msgs[0])
		link := "http://frontend.test/reset-password?token=" + tok
		if p.subject != "🔐 Password Reset - PA Scheduling System" || !strings.Contains(p.text, link) || !strings.Contains(p.html, `href="`+link+`"`) ||
			!strings.Contains(p.text, "Hi Ada Admin,") || !strings.Contains(p.text, "This link will expire in 24 hours.") {
			t.Errorf("reset email %q\n%s\n%s", p.subject, p.text, p.html)
		}

		// An inactive account gets nothing either.
		if err := b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET is_active = $1 WHERE id = $2`, false, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.accounts.RequestPasswordReset(ctx, "ada@example.com"); err != nil {
			t.Fatal(err)
		}
		b.wait(t, "password_reset_request")
		if n := b.count(t, `SELECT COUNT(*) FROM password_reset_tokens`); n != 1 {
			t.Fatalf("%d tokens after an inactive account's request", n)
		}
		if n := b.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'email'`); n != 1 {
			t.Fatalf("%d email jobs", n)
		}
	})
}

// sqlTime scans a timestamp of either engine.
type sqlTime struct{ t time.Time }

func (s *sqlTime) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		s.t = v
		return nil
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(bytes.Clone(v)))
	}
	return errors.New("not a timestamp")
}

func (s *sqlTime) parse(v string) (err error) {
	s.t, err = time.Parse(time.RFC3339Nano, v)
	return err
}
