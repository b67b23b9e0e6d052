package scheduling

import (
	"context"

	"pasched"
)

// stage hands ev to s.Events inside tx: it is published only if and when
// tx commits.
func (s *Service) stage(ctx context.Context, tx *wtx, ev pasched.Event) error {
	if s.Events == nil {
		return nil
	}
	return s.Events.Stage(ctx, tx, ev)
}

// stageShift stages shift.requested/approved/rejected for sh. Other PAs
// hear of an approved shift (as a calendar entry), of no other.
func (s *Service) stageShift(ctx context.Context, tx *wtx, kind pasched.EventKind, sh *pasched.Shift, msg string) error {
	return s.stage(ctx, tx, pasched.Event{Kind: kind, PeriodID: sh.PeriodID, OwnerID: sh.RequestedByID,
		Public: sh.Status == pasched.ShiftApproved, Shift: sh, Message: msg})
}

// stageUpdated stages shift.updated, old being the shift before the edit.
// A shift that moved is announced in the period it left too.
func (s *Service) stageUpdated(ctx context.Context, tx *wtx, old, sh *pasched.Shift, msg string) error {
	ev := pasched.Event{Kind: pasched.EventShiftUpdated, OwnerID: sh.RequestedByID, Public: sh.Status == pasched.ShiftApproved,
		Shift: sh, Before: old, Message: msg}
	if old.PeriodID != sh.PeriodID {
		ev.PeriodID = old.PeriodID
		if err := s.stage(ctx, tx, ev); err != nil {
			return err
		}
	}
	ev.PeriodID = sh.PeriodID
	return s.stage(ctx, tx, ev)
}

// stageDeleted stages shift.deleted; other PAs hear of it when the shift was
// an approved calendar entry.
func (s *Service) stageDeleted(ctx context.Context, tx *wtx, sh *pasched.Shift, msg string) error {
	return s.stage(ctx, tx, pasched.Event{Kind: pasched.EventShiftDeleted, PeriodID: sh.PeriodID, OwnerID: sh.RequestedByID,
		Public: sh.Status == pasched.ShiftApproved, Shift: sh, Message: msg})
}
