package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"pasched"
	"pasched/mail"
	"pasched/schedule"
	"pasched/sqlstore"
)

// ReminderArgs asks for the reminder of a shift that, when the job was
// scheduled, started at StartsAt and whose PA wanted it LeadHours before.
// A change of the shift or of the lead time schedules a new job; the old
// one finds the shift no longer matching and does nothing.
type ReminderArgs struct {
	ShiftID   int64     `json:"shift_id"`
	StartsAt  time.Time `json:"starts_at"`
	LeadHours int       `json:"lead_hours"`
}

// Kind names the job in River.
func (ReminderArgs) Kind() string { return "shift_reminder" }

// InsertOpts sets the retry count.
func (ReminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: EmailMaxAttempts}
}

// ReminderJob returns the job of sh's reminder for a lead of leadHours in
// TIME_ZONE loc, due at the lead time (at once when that has passed), and
// false when there is none: the PA wants no reminders, or the shift has
// started by now.
func ReminderJob(sh *pasched.Shift, leadHours int, loc *time.Location, now time.Time) (river.InsertManyParams, bool) {
	start := pasched.ShiftStart(sh.Date, sh.Start, loc)
	at := pasched.ReminderAt(start, leadHours)
	if at.IsZero() || !now.Before(start) {
		return river.InsertManyParams{}, false
	}
	if at.Before(now) {
		at = now
	}
	return river.InsertManyParams{
		Args:       ReminderArgs{ShiftID: sh.ID, StartsAt: start.UTC(), LeadHours: leadHours},
		InsertOpts: &river.InsertOpts{MaxAttempts: EmailMaxAttempts, ScheduledAt: at},
	}, true
}

// ReminderWorker sends a shift's reminder when the shift is still as it was
// scheduled for: still there and approved, starting at the same time, not
// started, the PA's lead time unchanged, and no reminder sent for that
// start yet. The check, the sent-marker, the email job and the job's
// completion are one transaction, so a reminder is queued once.
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	DB          *sqlstore.DB
	Location    *time.Location
	FrontendURL string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Work checks the shift and queues its reminder email.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	client := river.ClientFromContext[*sql.Tx](ctx)
	return w.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		if err := w.remind(ctx, client, tx, job.Args); err != nil {
			return err
		}
		_, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx.SQL(), job)
		return err
	})
}

func (w *ReminderWorker) loc() *time.Location {
	if w.Location == nil {
		return time.UTC
	}
	return w.Location
}

func (w *ReminderWorker) remind(ctx context.Context, client *Client, tx *sqlstore.Tx, a ReminderArgs) error {
	sh, err := sqlstore.FindShiftByID(ctx, tx, a.ShiftID)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		return nil // deleted
	}
	if err != nil {
		return err
	}
	if sh.Status != pasched.ShiftApproved {
		return nil
	}
	start := pasched.ShiftStart(sh.Date, sh.Start, w.loc())
	if !start.Equal(a.StartsAt) {
		return nil // moved: the job of its new start reminds
	}
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	if !now.Before(start) {
		return nil // started: too late to remind
	}
	s, err := sqlstore.FindNotificationSettings(ctx, tx, sh.RequestedByID)
	if err != nil {
		return err
	}
	if s.ReminderLeadHours != a.LeadHours {
		return nil // the lead time changed: the job of the new one reminds
	}
	if first, err := sqlstore.MarkReminderSent(ctx, tx, sh.ID, start); err != nil || !first {
		return err
	}
	m, err := mail.ShiftReminder(sh.RequestedByMail, ShiftEmail(sh, w.loc(), w.FrontendURL), startsIn(start.Sub(now)))
	if err != nil {
		return fmt.Errorf("render reminder: %w", err)
	}
	startUTC := start.UTC()
	_, err = client.InsertTx(ctx, tx.SQL(), EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Event: fmt.Sprintf("shift_reminder:%d:%d", sh.ID, start.Unix()), Notify: pasched.NotifyReminder,
		UserID: sh.RequestedByID, ShiftStart: &startUTC}, nil)
	if err != nil {
		return fmt.Errorf("enqueue reminder of shift %d: %w", sh.ID, err)
	}
	return nil
}

// startsIn says in words how far away the start is, rounded to the hour
// when over one ("in 12 hours", "in 1 hour", "in 25 minutes").
func startsIn(d time.Duration) string {
	switch {
	case d >= 90*time.Minute:
		return fmt.Sprintf("in %d hours", int((d+30*time.Minute)/time.Hour))
	case d >= 55*time.Minute:
		return "in 1 hour"
	case d >= 2*time.Minute:
		return fmt.Sprintf("in %d minutes", int(d/time.Minute))
	}
	return "in a moment"
}

// ShiftEmail is what the shift emails say about sh, in TIME_ZONE loc.
func ShiftEmail(sh *pasched.Shift, loc *time.Location, frontendURL string) mail.ShiftEmail {
	day := sh.Date.Midnight()
	return mail.ShiftEmail{
		PAName:         sh.RequestedByName,
		PAEmail:        sh.RequestedByMail,
		AdminName:      sh.ApprovedByName,
		ShiftDate:      day.Format(mail.DateLayout),
		ShortDate:      day.Format(mail.ShortDateLayout),
		StartTime:      sh.Start.Format12h(),
		EndTime:        sh.End.Format12h(),
		EndsNextDay:    sh.Rule().EndsNextDay(),
		Duration:       schedule.FormatHours(sh.DurationHundredths),
		PeriodName:     sh.PeriodName,
		PANotes:        sh.Notes,
		AdminNotes:     sh.AdminNotes,
		RejectedReason: sh.RejectedReason,
		SubmittedAt:    sh.CreatedAt.In(loc).Format(mail.SubmittedAtLayout),
		FrontendURL:    frontendURL,
	}
}
