package scheduling

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
)

// Notification emails go one recipient to a job, carrying their kind, the
// recipient's id and, when they are about a shift, its start: the email
// worker applies the recipient's settings (kind switched off, quiet hours)
// when it sends, and adds the recipient's own unsubscribe link.

// enqueueNotice adds a notification email for user (of kind) to the change.
// shift, when set, is what the email is about (quiet hours never hold back
// an email about a shift starting before they end).
func (s *Service) enqueueNotice(tx *wtx, m mail.Message, event, kind string, userID int64, shift *pasched.Shift) {
	if len(m.To) == 0 {
		return
	}
	a := jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: event, Notify: kind, UserID: userID}
	if shift != nil {
		start := pasched.ShiftStart(shift.Date, shift.Start, s.location()).UTC()
		a.ShiftStart = &start
	}
	tx.emails = append(tx.emails, river.InsertManyParams{Args: a})
}

// now is the service's clock (the transaction's now, for reminders).
func (s *Service) now(tx *wtx) time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return tx.Now
}

// scheduleReminder schedules the reminder of an approved shift for its
// PA's lead time, in the change's transaction. An earlier job for another
// start or lead time stays queued and does nothing when it runs (the
// reminder worker re-checks the shift), so moving a shift is one new job.
func (s *Service) scheduleReminder(ctx context.Context, tx *wtx, sh *pasched.Shift) error {
	if sh.Status != pasched.ShiftApproved {
		return nil
	}
	lead, ok := tx.leads[sh.RequestedByID]
	if !ok {
		st, err := sqlstore.FindNotificationSettings(ctx, tx, sh.RequestedByID)
		if err != nil {
			return err
		}
		lead = st.ReminderLeadHours
	}
	if job, ok := jobs.ReminderJob(sh, lead, s.location(), s.now(tx)); ok {
		tx.emails = append(tx.emails, job)
	}
	return nil
}

// emailChanged tells the PA that an approved shift of theirs now starts,
// ends or falls on another day, and schedules its reminder for the new
// start.
func (s *Service) emailChanged(ctx context.Context, tx *wtx, old, sh *pasched.Shift) error {
	if sh.Status != pasched.ShiftApproved || (old.Date == sh.Date && old.Start == sh.Start && old.End == sh.End) {
		return nil
	}
	prev := old.Date.Midnight().Format(mail.DateLayout) + ", " + old.Start.Format12h() + " – " + old.End.Format12h()
	if old.Rule().EndsNextDay() {
		prev += " (next day)"
	}
	m, err := mail.ShiftChanged(sh.RequestedByMail, s.shiftEmail(sh), prev)
	if err != nil {
		return fmt.Errorf("render changed email: %w", err)
	}
	s.enqueueNotice(tx, m, fmt.Sprintf("shift_changed:%d:%d", sh.ID, sh.UpdatedAt.UnixMicro()), pasched.NotifyShiftChanged, sh.RequestedByID, sh)
	if old.Date != sh.Date || old.Start != sh.Start {
		return s.scheduleReminder(ctx, tx, sh)
	}
	return nil
}

// emailCancelled tells the PA that an admin deleted an approved shift of
// theirs (its reminder finds the shift gone and sends nothing).
func (s *Service) emailCancelled(tx *wtx, sh *pasched.Shift, by *pasched.User) error {
	if sh.Status != pasched.ShiftApproved {
		return nil
	}
	d := s.shiftEmail(sh)
	d.AdminName = by.FullName()
	m, err := mail.ShiftCancelled(sh.RequestedByMail, d)
	if err != nil {
		return fmt.Errorf("render cancelled email: %w", err)
	}
	s.enqueueNotice(tx, m, fmt.Sprintf("shift_cancelled:%d", sh.ID), pasched.NotifyShiftCancelled, sh.RequestedByID, sh)
	return nil
}
