package pasched

import (
	"context"

	"pasched/schedule"
)

// EventKind names a change announced on a schedule period's live channel.
// The values are the seed's event types.
type EventKind string

// Kinds of events.
const (
	EventShiftRequested  EventKind = "shift.requested"
	EventShiftApproved   EventKind = "shift.approved"
	EventShiftRejected   EventKind = "shift.rejected"
	EventShiftUpdated    EventKind = "shift.updated"
	EventShiftDeleted    EventKind = "shift.deleted"
	EventCoverageAlert   EventKind = "coverage.alert"
	EventPeriodFinalized EventKind = "period.finalized"
)

// Event is a change of the schedule as the use cases announce it: domain
// values and who may hear of it. How it looks on the wire is the live
// channel's business (realtime renders the seed's JSON).
type Event struct {
	Kind EventKind
	// PeriodID is the period whose channel hears of the change.
	PeriodID int64
	// OwnerID is the PA whose shift the event concerns (admins and they
	// hear all of it); 0 means it concerns everyone.
	OwnerID int64
	// Public reports whether other PAs hear of it too, as a calendar entry
	// (an approved shift, without what only its owner and admins see).
	Public bool
	// Shift is the shift of a shift.* event: as it is now, or as it was
	// when deleted.
	Shift *Shift
	// Before is the shift before the edit (shift.updated).
	Before *Shift
	// Date and Coverage are a date's new coverage (coverage.alert).
	Date     schedule.Date
	Coverage *DayCoverage
	// Period is the finalised period (period.finalized).
	Period *Period
	// Message is a sentence for people ("Shift approved by Ada Admin").
	Message string
	// RevokeUserID, when not 0, makes the event the end of every live
	// session of that user (a password reset) instead of a message; the
	// other fields are then ignored.
	RevokeUserID int64
	// UserChangedID, when not 0, makes the event the news that this
	// user's row changed (password, active flag, role, tokens_valid_after,
	// profile…), for the instances that keep users in memory: each drops
	// its copy. It is never sent to a live socket; the other fields are
	// then ignored.
	UserChangedID int64
}

// EventTx is the part of a database transaction that staging an event
// needs (sqlstore.Tx has it).
type EventTx interface {
	// ExecAtCommit runs a write that nothing later in the transaction
	// reads (an event's row), at the latest just before the commit
	// (sqlstore.Tx.ExecAtCommit).
	ExecAtCommit(ctx context.Context, query string, args ...any) error
	// AfterCommit registers fn to run once the transaction has committed
	// (never when it rolls back).
	AfterCommit(fn func())
}

// Events carries the events of a change from its transaction to whoever
// listens: an event is published only if and when tx commits. Stage reads
// ev's values during the call only (the use case may change them after).
type Events interface {
	Stage(ctx context.Context, tx EventTx, ev Event) error
}
