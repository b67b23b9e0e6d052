package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"pasched/mail"
	"pasched/sqlstore"
)

// EmailArgs is a rendered email waiting to be sent.
type EmailArgs struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html"`
	Event   string   `json:"event"`
	// Notify (the kind), UserID and ShiftStart are set on notification emails (one
	// recipient each): the recipient's settings are applied when it is sent
	// (Policy). Account emails have no kind and are always sent.
	Notify     string     `json:"notify,omitempty"`
	UserID     int64      `json:"user_id,omitempty"`
	ShiftStart *time.Time `json:"shift_start,omitempty"`
	// listUnsubscribe is the one-click URL the Policy gave this send.
	listUnsubscribe string
}

// Kind names the job in River.
func (EmailArgs) Kind() string { return "email" }

// InsertOpts sets the seed's retry count.
func (EmailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailMaxAttempts}
}

// EmailWorker sends one email; a transient failure is retried with
// backoff, a permanent refusal (an SMTP 5xx) cancels the job. Each job's
// message has its own Message-ID (MessageID) and, once a sender has
// accepted it, a mark in email_sent: a job run again after a crash finds
// the mark and completes without sending (see sendOnce).
type EmailWorker struct {
	river.WorkerDefaults[EmailArgs]
	Sender mail.Sender
	// Policy applies the recipient's notification settings; nil sends all.
	Policy *Policy
	// sent and the rest are set by New.
	sent *sentLog
	// pace paces the sends (Opts.EmailRate); nil sends at once.
	pace   *pacer
	domain string
	stats  *EmailStats
	logger *slog.Logger
}

// Work sends the message once.
func (w *EmailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	a := job.Args
	if w.Policy != nil {
		m, send, err := w.Policy.Apply(ctx, a, mail.Message{To: a.To, Subject: a.Subject, Text: a.Text, HTML: a.HTML})
		if err != nil || !send {
			return err
		}
		a.Text, a.HTML, a.listUnsubscribe = m.Text, m.HTML, m.ListUnsubscribe
	}
	err := w.sendOnce(ctx, job.JobRow, a)
	if err != nil && mail.IsPermanent(err) {
		return river.JobCancel(fmt.Errorf("email %s refused: %w", job.Args.Event, err))
	}
	return err
}

// PasswordResetArgs asks for a reset link for an email that may or may not
// have an account: the request handler does the same work either way, so
// neither its answer nor its timing tells whether the account exists.
type PasswordResetArgs struct {
	Email string `json:"email"`
}

// Kind names the job in River.
func (PasswordResetArgs) Kind() string { return "password_reset_request" }

// InsertOpts sets the retry count.
func (PasswordResetArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailMaxAttempts}
}

// PasswordResetter issues a password reset for an email inside tx: the
// use case itself (accounts.Service) — look the account up and, for an
// active one, create its reset token and enqueue its email. The job only
// runs it.
type PasswordResetter interface {
	IssuePasswordReset(ctx context.Context, tx *sqlstore.Tx, email string) error
}

// PasswordResetWorker runs the reset use case in a transaction that also
// marks the job completed, so a crash between the commit and River's own
// bookkeeping cannot run it twice (two tokens, two emails).
type PasswordResetWorker struct {
	river.WorkerDefaults[PasswordResetArgs]
	DB    *sqlstore.DB
	Reset PasswordResetter
}

// Work issues the reset and completes the job in one transaction.
func (w *PasswordResetWorker) Work(ctx context.Context, job *river.Job[PasswordResetArgs]) error {
	if w.Reset == nil {
		return errors.New("password reset: this process has no PasswordResetter")
	}
	return w.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := w.Reset.IssuePasswordReset(ctx, tx, job.Args.Email); err != nil {
			return err
		}
		// The type parameter only names the driver family; River uses the
		// client's own driver (riversqlite or riverdatabasesql).
		_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQL(), job)
		return err
	})
}
