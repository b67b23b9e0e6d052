package pasched

import (
	"time"

	"pasched/schedule"
)

// Statuses of a cover offer. An OPEN offer whose time has come reads as
// EXPIRED (see CoverOffer.StatusAt); FILLED is final.
const (
	OfferOpen    = "OPEN"
	OfferFilled  = "FILLED"
	OfferExpired = "EXPIRED"
)

// CoverOffer is an uncovered slot an admin offers to chosen PAs: the first
// to accept gets it as an approved shift.
type CoverOffer struct {
	ID        int64
	PeriodID  int64
	Date      schedule.Date
	Start     schedule.TimeOfDay
	End       schedule.TimeOfDay
	Status    string
	CreatedBy int64
	CreatedAt time.Time
	// ExpiresAt is when the slot starts, in real time: nobody can take it
	// on after that.
	ExpiresAt time.Time
	// FilledBy and ShiftID name the winner and their shift once FILLED.
	FilledBy *int64
	ShiftID  *int64
	FilledAt *time.Time
	// Recipients are the PAs offered the slot, in the order asked.
	Recipients []OfferRecipient
}

// OfferRecipient is one PA an offer was sent to.
type OfferRecipient struct {
	PAID  int64
	Name  string
	Email string
}

// Rule is the offered slot as the scheduling rules see it.
func (o *CoverOffer) Rule() schedule.Shift {
	return schedule.Shift{Date: o.Date, Start: o.Start, End: o.End}
}

// StatusAt is the offer's status at now: an OPEN offer past its start is
// EXPIRED.
func (o *CoverOffer) StatusAt(now time.Time) string {
	if o.Status == OfferOpen && !now.Before(o.ExpiresAt) {
		return OfferExpired
	}
	return o.Status
}

// HasRecipient reports whether the offer was sent to PA id.
func (o *CoverOffer) HasRecipient(id int64) bool {
	for _, r := range o.Recipients {
		if r.PAID == id {
			return true
		}
	}
	return false
}
