package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"pasched"
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
	sent   *sentLog
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

// ResetTokenLifetime is how long a reset link works (the seed's 24 hours).
const ResetTokenLifetime = 24 * time.Hour

// PasswordResetWorker creates the reset token and enqueues its email in one
// transaction, for an active account with that email. The same transaction
// marks the job completed, so a crash between the commit and River's own
// bookkeeping cannot run it twice (two tokens, two emails).
type PasswordResetWorker struct {
	river.WorkerDefaults[PasswordResetArgs]
	DB          *sqlstore.DB
	FrontendURL string
}

// Work looks the account up and, if there is one, creates its token and email.
func (w *PasswordResetWorker) Work(ctx context.Context, job *river.Job[PasswordResetArgs]) error {
	client := river.ClientFromContext[*sql.Tx](ctx)
	return w.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := w.reset(ctx, client, tx, job.Args.Email); err != nil {
			return err
		}
		// The type parameter only names the driver family; River uses the
		// client's own driver (riversqlite or riverdatabasesql).
		_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQL(), job)
		return err
	})
}

func (w *PasswordResetWorker) reset(ctx context.Context, client *Client, tx *sqlstore.Tx, email string) error {
	u, err := sqlstore.FindUserByEmail(ctx, tx, email)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if !u.IsActive {
		return nil
	}
	tok, err := sqlstore.CreateOneTimeToken(ctx, tx, sqlstore.PasswordResetTokens, u.ID, uuid.NewString(), ResetTokenLifetime)
	if err != nil {
		return err
	}
	m, err := mail.PasswordReset(u.Email, u.DisplayName(), w.FrontendURL+"/reset-password?token="+tok.Token)
	if err != nil {
		return fmt.Errorf("render reset email: %w", err)
	}
	return EnqueueEmail(ctx, client, tx, m, fmt.Sprintf("password_reset:%d", tok.ID))
}
