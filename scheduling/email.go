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

// Seed's texts of automatic changes.
const (
	// FinalizedReason is the rejected_reason of requests still pending when
	// their period is finalised.
	FinalizedReason = "Schedule period has been finalized"
)

// location is TIME_ZONE (UTC when unset).
func (s *Service) location() *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// shiftEmail is what the shift emails say about sh (the reminder worker
// says the same, through the same function).
func (s *Service) shiftEmail(sh *pasched.Shift) mail.ShiftEmail {
	return jobs.ShiftEmail(sh, s.location(), s.FrontendURL)
}

// enqueue inserts an email job in tx (no email for a change that rolls back).
func (s *Service) enqueue(ctx context.Context, tx *wtx, m mail.Message, event string) error {
	return s.enqueueMany(ctx, tx, []mail.Message{m}, []string{event})
}

// enqueueMany adds email jobs (jobs.EmailArgs, as jobs.EnqueueEmail makes
// them) to the change: they are inserted at the end of its transaction,
// in one statement, only if the change succeeds.
func (s *Service) enqueueMany(_ context.Context, tx *wtx, ms []mail.Message, events []string) error {
	for i, m := range ms {
		if len(m.To) == 0 {
			continue
		}
		tx.emails = append(tx.emails, river.InsertManyParams{Args: jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: events[i]}})
	}
	return nil
}

// emailNewRequest tells every active admin of a new request, one email
// each (each has their own settings and unsubscribe link).
func (s *Service) emailNewRequest(ctx context.Context, tx *wtx, sh *pasched.Shift) error {
	admins, err := sqlstore.ActiveRecipients(ctx, tx, pasched.RoleAdmin)
	if err != nil || len(admins) == 0 {
		return err
	}
	d := s.shiftEmail(sh)
	for _, a := range admins {
		m, err := mail.NewShiftRequest([]string{a.Email}, d)
		if err != nil {
			return fmt.Errorf("render new request email: %w", err)
		}
		s.enqueueNotice(tx, m, fmt.Sprintf("shift_requested:%d:%d", sh.ID, a.ID), pasched.NotifyNewRequest, a.ID, sh)
	}
	return nil
}

// emailApproved tells the PA their shift was approved and schedules its
// reminder.
func (s *Service) emailApproved(ctx context.Context, tx *wtx, sh *pasched.Shift) error {
	m, err := mail.ShiftApproved(sh.RequestedByMail, s.shiftEmail(sh))
	if err != nil {
		return fmt.Errorf("render approved email: %w", err)
	}
	s.enqueueNotice(tx, m, fmt.Sprintf("shift_approved:%d", sh.ID), pasched.NotifyShiftApproved, sh.RequestedByID, sh)
	return s.scheduleReminder(ctx, tx, sh)
}

// emailRejected tells the PA that sh was not approved.
func (s *Service) emailRejected(tx *wtx, sh *pasched.Shift) error {
	m, err := mail.ShiftRejected(sh.RequestedByMail, s.shiftEmail(sh))
	if err != nil {
		return fmt.Errorf("render rejected email: %w", err)
	}
	s.enqueueNotice(tx, m, fmt.Sprintf("shift_rejected:%d", sh.ID), pasched.NotifyShiftRejected, sh.RequestedByID, sh)
	return nil
}
