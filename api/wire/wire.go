// Package wire defines the seed's JSON shapes of the schedule — a shift, a
// period, a date's coverage — once, for the two front ends that speak the
// seed's contract: the JSON API (api) and the live channel (realtime). The
// use cases know nothing of it.
package wire

import (
	"time"

	"pasched"
	"pasched/schedule"
)

// Shift is a shift as the seed's ShiftRequestSerializer renders it. The
// API answers with it and the live events carry it, so both always agree.
type Shift struct {
	ID                 int64              `json:"id"`
	SchedulePeriod     int64              `json:"schedule_period"`
	SchedulePeriodName string             `json:"schedule_period_name"`
	RequestedBy        int64              `json:"requested_by"`
	RequestedByName    string             `json:"requested_by_name"`
	Date               schedule.Date      `json:"date"`
	StartTime          schedule.TimeOfDay `json:"start_time"`
	EndTime            schedule.TimeOfDay `json:"end_time"`
	DurationHours      string             `json:"duration_hours"`
	Status             string             `json:"status"`
	Notes              string             `json:"notes"`
	// AdminNotes is nil only in what other PAs see of an approved shift
	// (SPEC §3 item 14).
	AdminNotes     *string `json:"admin_notes,omitempty"`
	RejectedReason string  `json:"rejected_reason"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	ApprovedAt     *string `json:"approved_at"`
	ApprovedBy     *int64  `json:"approved_by"`
	// ApprovedByName is absent when there is no approver, as DRF skips a
	// field whose source is None.
	ApprovedByName *string `json:"approved_by_name,omitempty"`
}

// NewShift renders s: in full, or, when public, as other PAs may see an
// approved shift (no admin_notes, SPEC §3 item 14).
func NewShift(s *pasched.Shift, public bool) Shift {
	notes := s.AdminNotes
	j := Shift{
		ID:                 s.ID,
		SchedulePeriod:     s.PeriodID,
		SchedulePeriodName: s.PeriodName,
		RequestedBy:        s.RequestedByID,
		RequestedByName:    s.RequestedByName,
		Date:               s.Date,
		StartTime:          s.Start,
		EndTime:            s.End,
		DurationHours:      schedule.FormatHours(s.DurationHundredths),
		Status:             s.Status,
		Notes:              s.Notes,
		AdminNotes:         &notes,
		RejectedReason:     s.RejectedReason,
		CreatedAt:          FormatDateTime(s.CreatedAt),
		UpdatedAt:          FormatDateTime(s.UpdatedAt),
		ApprovedBy:         s.ApprovedByID,
	}
	if s.ApprovedAt != nil {
		t := FormatDateTime(*s.ApprovedAt)
		j.ApprovedAt = &t
	}
	if s.ApprovedByID != nil {
		n := s.ApprovedByName
		j.ApprovedByName = &n
	}
	if public {
		j.AdminNotes = nil
	}
	return j
}

// Period is a period as the seed's SchedulePeriodSerializer renders it.
type Period struct {
	ID            int64         `json:"id"`
	Name          string        `json:"name"`
	StartDate     schedule.Date `json:"start_date"`
	EndDate       schedule.Date `json:"end_date"`
	Status        string        `json:"status"`
	CreatedBy     int64         `json:"created_by"`
	CreatedByName string        `json:"created_by_name"`
	ShiftCount    int           `json:"shift_count"`
	CreatedAt     string        `json:"created_at"`
	UpdatedAt     string        `json:"updated_at"`
}

// NewPeriod renders p.
func NewPeriod(p *pasched.Period) Period {
	return Period{ID: p.ID, Name: p.Name, StartDate: p.StartDate, EndDate: p.EndDate, Status: p.Status,
		CreatedBy: p.CreatedByID, CreatedByName: p.CreatedByName, ShiftCount: p.ShiftCount,
		CreatedAt: FormatDateTime(p.CreatedAt), UpdatedAt: FormatDateTime(p.UpdatedAt)}
}

// FormatDateTime renders a timestamp as DRF does: ISO 8601 in UTC with Z,
// microseconds only when there are some.
func FormatDateTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// Coverage is a date's coverage in a coverage.alert event: the seed's
// morning/evening flags and status, and every configured window.
type Coverage struct {
	MorningCovered bool             `json:"morning_covered"`
	EveningCovered bool             `json:"evening_covered"`
	Status         string           `json:"status"`
	Windows        []CoverageWindow `json:"windows"`
}

// CoverageWindow is one critical window of a date.
type CoverageWindow struct {
	Start   schedule.TimeOfDay `json:"start"`
	End     schedule.TimeOfDay `json:"end"`
	Covered bool               `json:"covered"`
	ShiftID *int64             `json:"shift_id"`
}

// NewCoverage renders c.
func NewCoverage(c *pasched.DayCoverage) Coverage {
	j := Coverage{MorningCovered: c.Morning().Covered, EveningCovered: c.Evening().Covered, Status: c.Status(),
		Windows: make([]CoverageWindow, len(c.Windows))}
	for i, w := range c.Windows {
		j.Windows[i] = CoverageWindow{Start: w.Window.Start, End: w.Window.End, Covered: w.Covered}
		if w.ShiftID != 0 {
			id := w.ShiftID
			j.Windows[i].ShiftID = &id
		}
	}
	return j
}
