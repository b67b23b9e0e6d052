package pasched

import (
	"time"

	"pasched/schedule"
)

// Statuses of a shift request.
const (
	ShiftPending   = "PENDING"
	ShiftApproved  = "APPROVED"
	ShiftRejected  = "REJECTED"
	ShiftCancelled = "CANCELLED"
)

// ValidShiftStatus reports whether s is one of the shift statuses.
func ValidShiftStatus(s string) bool {
	switch s {
	case ShiftPending, ShiftApproved, ShiftRejected, ShiftCancelled:
		return true
	}
	return false
}

// Shift is a shift request: a PA asks to work Start–End on Date (ending the
// next day when End is at or before Start), and an admin approves or
// rejects it.
type Shift struct {
	ID              int64
	PeriodID        int64
	PeriodName      string
	RequestedByID   int64
	RequestedByName string // the requester's full name
	RequestedByMail string // the requester's email (for notifications)
	Date            schedule.Date
	Start           schedule.TimeOfDay
	End             schedule.TimeOfDay
	// DurationHundredths is duration_hours in hundredths of an hour.
	DurationHundredths int64
	Status             string
	Notes              string
	AdminNotes         string
	RejectedReason     string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ApprovedAt         *time.Time
	ApprovedByID       *int64
	ApprovedByName     string // the approver's full name, "" when none
}

// Rule returns the shift as the scheduling rules see it.
func (s *Shift) Rule() schedule.Shift {
	return schedule.Shift{ID: s.ID, PAID: s.RequestedByID, Date: s.Date, Start: s.Start, End: s.End}
}

// Occupies reports whether the shift holds its time: pending and approved
// shifts do, rejected and cancelled ones do not.
func (s *Shift) Occupies() bool { return s.Status == ShiftPending || s.Status == ShiftApproved }
