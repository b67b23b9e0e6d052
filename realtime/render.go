package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	"pasched"
	"pasched/api/wire"
	"pasched/schedule"
)

// Publisher is what the use cases announce their changes through
// (pasched.Events): it renders each domain event to the seed's WebSocket
// messages — in full, and as other PAs may see it — and stages them with
// its Broker.
//
// The rendering lives here, in the live channel's front end, because the
// messages are this channel's contract as the JSON bodies are the api's;
// the shapes they share with the api (a shift, a period, a date's
// coverage) come from api/wire, defined once. The use cases depend only on
// the pasched.Events interface, never on a front end. An event is rendered
// once, when it is staged inside its transaction (PGBroker sends it with
// NOTIFY there), not once per socket or per instance.
type Publisher struct {
	Broker Broker
}

// NewPublisher returns a Publisher that stages with b.
func NewPublisher(b Broker) *Publisher { return &Publisher{Broker: b} }

var _ pasched.Events = (*Publisher)(nil)

// Stage renders ev and stages it in tx.
func (p *Publisher) Stage(ctx context.Context, tx pasched.EventTx, ev pasched.Event) error {
	if ev.UserChangedID != 0 {
		// Not a message: nothing of the event is rendered or sent.
		if err := p.Broker.Stage(ctx, tx, Event{UserChangedID: ev.UserChangedID}); err != nil {
			return fmt.Errorf("stage event: %w", err)
		}
		return nil
	}
	out := Event{PeriodID: ev.PeriodID, OwnerID: ev.OwnerID, RevokeUserID: ev.RevokeUserID}
	if ev.RevokeUserID == 0 {
		full, public := render(ev)
		var err error
		if out.Full, err = json.Marshal(full); err != nil {
			return fmt.Errorf("encode event: %w", err)
		}
		if ev.Public {
			if out.Public, err = json.Marshal(public); err != nil {
				return fmt.Errorf("encode event: %w", err)
			}
		}
	}
	if err := p.Broker.Stage(ctx, tx, out); err != nil {
		return fmt.Errorf("stage event: %w", err)
	}
	return nil
}

// shiftMessage is shift.requested, shift.approved and shift.rejected.
type shiftMessage struct {
	Type    pasched.EventKind `json:"type"`
	Shift   wire.Shift        `json:"shift"`
	Message string            `json:"message"`
}

// shiftUpdatedMessage is shift.updated; changes is always present, as the
// seed's consumer sends event.get('changes', {}).
type shiftUpdatedMessage struct {
	Type    pasched.EventKind `json:"type"`
	Shift   wire.Shift        `json:"shift"`
	Changes map[string]change `json:"changes"`
	Message string            `json:"message"`
}

// change is one field of a shift.updated event's changes: its value before
// and after the edit.
type change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// shiftDeletedMessage is shift.deleted.
type shiftDeletedMessage struct {
	Type    pasched.EventKind `json:"type"`
	ShiftID int64             `json:"shift_id"`
	Message string            `json:"message"`
}

// coverageMessage is coverage.alert.
type coverageMessage struct {
	Type     pasched.EventKind `json:"type"`
	Date     schedule.Date     `json:"date"`
	Coverage wire.Coverage     `json:"coverage"`
	Message  string            `json:"message"`
}

// periodMessage is period.finalized.
type periodMessage struct {
	Type    pasched.EventKind `json:"type"`
	Period  wire.Period       `json:"period"`
	Message string            `json:"message"`
}

// render returns ev's message in full (admins, the owner) and as other PAs
// may see it (used only when ev.Public).
func render(ev pasched.Event) (full, public any) {
	switch ev.Kind {
	case pasched.EventShiftUpdated:
		return shiftUpdated(ev)
	case pasched.EventShiftDeleted:
		m := shiftDeletedMessage{Type: ev.Kind, ShiftID: ev.Shift.ID, Message: ev.Message}
		return m, m
	case pasched.EventCoverageAlert:
		m := coverageMessage{Type: ev.Kind, Date: ev.Date, Coverage: wire.NewCoverage(ev.Coverage), Message: ev.Message}
		return m, m
	case pasched.EventPeriodFinalized:
		m := periodMessage{Type: ev.Kind, Period: wire.NewPeriod(ev.Period), Message: ev.Message}
		return m, m
	}
	return shiftMessage{Type: ev.Kind, Shift: wire.NewShift(ev.Shift, false), Message: ev.Message},
		shiftMessage{Type: ev.Kind, Shift: wire.NewShift(ev.Shift, true), Message: ev.Message}
}

// shiftUpdated renders shift.updated with the fields that changed; only the
// full message tells of admin notes.
func shiftUpdated(ev pasched.Event) (full, public any) {
	old, sh := ev.Before, ev.Shift
	changes := map[string]change{}
	add := func(field string, o, n any, changed bool) {
		if changed {
			changes[field] = change{Old: o, New: n}
		}
	}
	add("schedule_period", old.PeriodID, sh.PeriodID, old.PeriodID != sh.PeriodID)
	add("date", old.Date, sh.Date, old.Date != sh.Date)
	add("start_time", old.Start, sh.Start, old.Start != sh.Start)
	add("end_time", old.End, sh.End, old.End != sh.End)
	add("duration_hours", schedule.FormatHours(old.DurationHundredths), schedule.FormatHours(sh.DurationHundredths),
		old.DurationHundredths != sh.DurationHundredths)
	add("notes", old.Notes, sh.Notes, old.Notes != sh.Notes)
	add("rejected_reason", old.RejectedReason, sh.RejectedReason, old.RejectedReason != sh.RejectedReason)
	public = shiftUpdatedMessage{Type: ev.Kind, Shift: wire.NewShift(sh, true), Changes: changes, Message: ev.Message}
	if old.AdminNotes != sh.AdminNotes {
		changes = maps.Clone(changes)
		changes["admin_notes"] = change{Old: old.AdminNotes, New: sh.AdminNotes}
	}
	full = shiftUpdatedMessage{Type: ev.Kind, Shift: wire.NewShift(sh, false), Changes: changes, Message: ev.Message}
	return full, public
}
