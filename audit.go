package pasched

import "time"

// Kinds of audit entries: every admin action on the rota and on people, and
// a PA's acceptance of a cover offer.
const (
	AuditShiftApproved      = "shift.approved"
	AuditShiftApprovedOver  = "shift.approved_overtime" // approved past the weekly limit, confirmed
	AuditShiftRejected      = "shift.rejected"
	AuditShiftCreatedDirect = "shift.created_direct"
	AuditShiftUpdated       = "shift.updated"
	AuditShiftDeleted       = "shift.deleted"
	AuditPeriodCreated      = "period.created"
	AuditPeriodUpdated      = "period.updated"
	AuditPeriodDeleted      = "period.deleted"
	AuditPeriodFinalized    = "period.finalized"
	AuditUserCreated        = "user.created"
	AuditUserDeactivated    = "user.deactivated"
	AuditUserReactivated    = "user.reactivated"
	AuditUserProfileUpdated = "user.profile_updated"
	AuditVerificationResent = "user.verification_resent"
	AuditCoverOfferAccepted = "offer.accepted"
)

// AuditKinds lists the kinds in the order a filter offers them, with the
// words a person reads.
var AuditKinds = []struct{ Kind, Label string }{
	{AuditShiftApproved, "Shift approved"},
	{AuditShiftApprovedOver, "Shift approved past the weekly limit"},
	{AuditShiftRejected, "Shift rejected"},
	{AuditShiftCreatedDirect, "Shift created by the admin"},
	{AuditShiftUpdated, "Shift changed"},
	{AuditShiftDeleted, "Shift deleted"},
	{AuditPeriodCreated, "Period created"},
	{AuditPeriodUpdated, "Period changed"},
	{AuditPeriodDeleted, "Period deleted"},
	{AuditPeriodFinalized, "Period finalised"},
	{AuditUserCreated, "Person added"},
	{AuditUserDeactivated, "Person deactivated"},
	{AuditUserReactivated, "Person reactivated"},
	{AuditUserProfileUpdated, "PA profile changed"},
	{AuditVerificationResent, "Verification email resent"},
	{AuditCoverOfferAccepted, "Cover offer accepted"},
}

// AuditEntry is one recorded action: who did what, when, to which period,
// shift or person, with what was there before and after (JSON, or empty).
type AuditEntry struct {
	ID        int64
	At        time.Time
	ActorID   *int64
	ActorName string
	Kind      string
	Summary   string
	// The subjects, when the action has them. SubjectUserID is the person
	// concerned: the PA whose shift it is, or the user changed.
	PeriodID, ShiftID, SubjectUserID *int64
	Before, After                    string
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	ActorID, PeriodID, SubjectUserID, ShiftID int64
	Kind                                      string
	Offset, Limit                             int // Limit 0: no limit
}

// Int64Ptr returns a pointer to v (for the optional ids of an AuditEntry).
func Int64Ptr(v int64) *int64 { return &v }
