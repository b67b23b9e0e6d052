package scheduling

import (
	"context"
	"encoding/json"
	"fmt"

	"pasched"
	"pasched/realtime"
)

// Event types, as the seed's ScheduleConsumer sends them.
const (
	EventShiftRequested  = "shift.requested"
	EventShiftApproved   = "shift.approved"
	EventShiftRejected   = "shift.rejected"
	EventShiftUpdated    = "shift.updated"
	EventShiftDeleted    = "shift.deleted"
	EventCoverageAlert   = "coverage.alert"
	EventPeriodFinalized = "period.finalized"
)

// shiftMessage is shift.requested, shift.approved and shift.rejected.
type shiftMessage struct {
	Type    string    `json:"type"`
	Shift   ShiftJSON `json:"shift"`
	Message string    `json:"message"`
}

// shiftUpdatedMessage is shift.updated; changes is always present, as the
// seed's consumer sends event.get('changes', {}).
type shiftUpdatedMessage struct {
	Type    string            `json:"type"`
	Shift   ShiftJSON         `json:"shift"`
	Changes map[string]Change `json:"changes"`
	Message string            `json:"message"`
}

// Change is one field of a shift.updated event's changes: its value before
// and after the edit.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// shiftDeletedMessage is shift.deleted.
type shiftDeletedMessage struct {
	Type    string `json:"type"`
	ShiftID int64  `json:"shift_id"`
	Message string `json:"message"`
}

// coverageMessage is coverage.alert.
type coverageMessage struct {
	Type     string       `json:"type"`
	Date     string       `json:"date"`
	Coverage CoverageJSON `json:"coverage"`
	Message  string       `json:"message"`
}

// periodMessage is period.finalized.
type periodMessage struct {
	Type    string     `json:"type"`
	Period  PeriodJSON `json:"period"`
	Message string     `json:"message"`
}

// stage hands an event to the broker inside tx: it is published only if
// and when tx commits.
func (s *Service) stage(ctx context.Context, tx *wtx, periodID, ownerID int64, full, public any) error {
	if s.Broker == nil {
		return nil
	}
	ev := realtime.Event{PeriodID: periodID, OwnerID: ownerID}
	var err error
	if ev.Full, err = json.Marshal(full); err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	if public != nil {
		if ev.Public, err = json.Marshal(public); err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
	}
	if err := s.Broker.Stage(ctx, tx, ev); err != nil {
		return fmt.Errorf("stage event: %w", err)
	}
	return nil
}

// stageShift stages shift.requested/approved/rejected for sh. Other PAs see
// an approved shift without its admin notes, and nothing of any other.
func (s *Service) stageShift(ctx context.Context, tx *wtx, typ string, sh *pasched.Shift, msg string) error {
	full := shiftMessage{Type: typ, Shift: NewShiftJSON(sh), Message: msg}
	var public any
	if sh.Status == pasched.ShiftApproved {
		public = shiftMessage{Type: typ, Shift: publicShiftJSON(sh), Message: msg}
	}
	return s.stage(ctx, tx, sh.PeriodID, sh.RequestedByID, full, public)
}

// stageDeleted stages shift.deleted; other PAs hear of it when the shift was
// an approved calendar entry.
func (s *Service) stageDeleted(ctx context.Context, tx *wtx, sh *pasched.Shift, msg string) error {
	m := shiftDeletedMessage{Type: EventShiftDeleted, ShiftID: sh.ID, Message: msg}
	var public any
	if sh.Status == pasched.ShiftApproved {
		public = m
	}
	return s.stage(ctx, tx, sh.PeriodID, sh.RequestedByID, m, public)
}
