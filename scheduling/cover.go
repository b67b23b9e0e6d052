package scheduling

import (
	"context"
	"fmt"

	"pasched"
	"pasched/mail"
	"pasched/schedule"
	"pasched/sqlstore"
)

// CoverInput is an approved shift given to a PA who took on a cover offer:
// the admin who made the offer approves it.
type CoverInput struct {
	PA       *pasched.User
	Admin    *pasched.User
	PeriodID int64
	Date     schedule.Date
	Start    schedule.TimeOfDay
	End      schedule.TimeOfDay
	Notes    string
	// Precheck, when set, runs first in the change's transaction, under the
	// schedule lock (an offer already filled ends the change there, before
	// the rules speak of a clash with the winner's shift). It must do
	// nothing but read.
	Precheck func(ctx context.Context, tx *sqlstore.Tx) error
	// Claim runs in the change's transaction once the shift has passed the
	// rules and been written (it has its ID): it claims the offer and
	// returns the extra emails to send with the change. An error ends the
	// change with nothing written. It must do nothing but SQL in tx.
	Claim func(ctx context.Context, tx *sqlstore.Tx, sh *pasched.Shift) ([]mail.Message, []string, error)
}

// CreateCoverShift creates in.PA's approved shift under the rules of an
// approval (no approved shift of another PA and no pending or approved
// shift of the PA's own may overlap it, overnight shifts included; the PA's
// week stays within their limit, with no override), whatever the period's
// status, then lets in.Claim claim what it covers; the write, the coverage
// and weekly hours, the approval email, in.Claim's emails and the events
// are one change, recorded in the audit trail as the PA's acceptance
// (pasched.AuditCoverOfferAccepted). Codes: ENOTFOUND (period), EINVALID (the rules, with the
// messages of a direct creation), and in.Claim's.
func (s *Service) CreateCoverShift(ctx context.Context, in CoverInput) (*pasched.Shift, error) {
	var out *pasched.Shift
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := tx.lock(ctx, in.PA.ID, in.Date); err != nil {
			return err
		}
		if in.Precheck != nil {
			if err := in.Precheck(ctx, tx.Tx); err != nil {
				return err
			}
		}
		p, err := sqlstore.FindPeriodForCheck(ctx, tx, in.PeriodID)
		if err != nil {
			return err
		}
		now, by := tx.Now, in.Admin.ID
		sh := &pasched.Shift{PeriodID: p.ID, PeriodName: p.Name, RequestedByID: in.PA.ID,
			RequestedByName: in.PA.FullName(), RequestedByMail: in.PA.Email,
			Date: in.Date, Start: in.Start, End: in.End, Status: pasched.ShiftApproved, Notes: in.Notes,
			DurationHundredths: schedule.DurationHundredths(in.Start, in.End),
			ApprovedAt:         &now, ApprovedByID: &by, ApprovedByName: in.Admin.FullName()}
		eff := &effect{periodID: p.ID, added: []*pasched.Shift{sh}}
		sn, err := s.checkShift(ctx, tx, in.Admin, sh, p, eff, &overtime{verb: "Taking this shift"})
		if err != nil {
			return err
		}
		if err := sqlstore.CreateShift(ctx, tx.Tx, sh); err != nil {
			return err
		}
		if in.Claim != nil {
			ms, events, err := in.Claim(ctx, tx.Tx, sh)
			if err != nil {
				return err
			}
			if err := s.enqueueMany(ctx, tx, ms, events); err != nil {
				return err
			}
		}
		// The PA's acceptance is the action the trail records (one entry,
		// in the change's transaction: none for an acceptance refused).
		if err := s.auditShift(ctx, tx, in.PA, pasched.AuditCoverOfferAccepted, "Took on a cover offer: "+ShiftWords(sh), nil, sh); err != nil {
			return err
		}
		if err := s.emailApproved(ctx, tx, sh); err != nil {
			return err
		}
		if err := s.stageShift(ctx, tx, pasched.EventShiftApproved, sh, sh.RequestedByName+" took on a cover offer"); err != nil {
			return err
		}
		out = sh
		sn.apply(eff)
		return s.recompute(ctx, tx, sn, eff)
	})
	if err != nil {
		return nil, fmt.Errorf("create cover shift: %w", err)
	}
	return out, nil
}
