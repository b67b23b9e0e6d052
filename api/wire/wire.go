// Package wire defines the seed's JSON shapes of the schedule — a shift, a
// period, a date's coverage — once, for the two front ends that speak the
// seed's contract: the JSON API (api) and the live channel (realtime). The
// use cases know nothing of it.
package wire

import (
	"strconv"
	"time"

	"pasched"
	"pasched/internal/jsonenc"
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

// AppendJSON appends j's JSON to b: the bytes encoding/json gives for the
// struct (field order, HTML-safe string escaping), without reflection, as
// list pages render fifty of them per request.
func (j Shift) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, j.ID, 10)
	b = append(b, `,"schedule_period":`...)
	b = strconv.AppendInt(b, j.SchedulePeriod, 10)
	b = append(b, `,"schedule_period_name":`...)
	b = jsonenc.AppendString(b, j.SchedulePeriodName)
	b = append(b, `,"requested_by":`...)
	b = strconv.AppendInt(b, j.RequestedBy, 10)
	b = append(b, `,"requested_by_name":`...)
	b = jsonenc.AppendString(b, j.RequestedByName)
	b = append(b, `,"date":"`...)
	b = appendDate(b, j.Date)
	b = append(b, `","start_time":"`...)
	b = appendTime(b, j.StartTime)
	b = append(b, `","end_time":"`...)
	b = appendTime(b, j.EndTime)
	b = append(b, `","duration_hours":`...)
	b = jsonenc.AppendString(b, j.DurationHours)
	b = append(b, `,"status":`...)
	b = jsonenc.AppendString(b, j.Status)
	b = append(b, `,"notes":`...)
	b = jsonenc.AppendString(b, j.Notes)
	if j.AdminNotes != nil {
		b = append(b, `,"admin_notes":`...)
		b = jsonenc.AppendString(b, *j.AdminNotes)
	}
	b = append(b, `,"rejected_reason":`...)
	b = jsonenc.AppendString(b, j.RejectedReason)
	b = append(b, `,"created_at":`...)
	b = jsonenc.AppendString(b, j.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = jsonenc.AppendString(b, j.UpdatedAt)
	b = append(b, `,"approved_at":`...)
	if j.ApprovedAt != nil {
		b = jsonenc.AppendString(b, *j.ApprovedAt)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"approved_by":`...)
	if j.ApprovedBy != nil {
		b = strconv.AppendInt(b, *j.ApprovedBy, 10)
	} else {
		b = append(b, "null"...)
	}
	if j.ApprovedByName != nil {
		b = append(b, `,"approved_by_name":`...)
		b = jsonenc.AppendString(b, *j.ApprovedByName)
	}
	return append(b, '}')
}

// AppendShift appends sh's JSON, the same bytes as
// NewShift(sh, public).AppendJSON, without
// building the intermediate strings: list pages render fifty per request.
func AppendShift(b []byte, sh *pasched.Shift, public bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, sh.ID, 10)
	b = append(b, `,"schedule_period":`...)
	b = strconv.AppendInt(b, sh.PeriodID, 10)
	b = append(b, `,"schedule_period_name":`...)
	b = jsonenc.AppendString(b, sh.PeriodName)
	b = append(b, `,"requested_by":`...)
	b = strconv.AppendInt(b, sh.RequestedByID, 10)
	b = append(b, `,"requested_by_name":`...)
	b = jsonenc.AppendString(b, sh.RequestedByName)
	b = append(b, `,"date":"`...)
	b = appendDate(b, sh.Date)
	b = append(b, `","start_time":"`...)
	b = appendTime(b, sh.Start)
	b = append(b, `","end_time":"`...)
	b = appendTime(b, sh.End)
	b = append(b, `","duration_hours":"`...)
	b = appendHours(b, sh.DurationHundredths)
	b = append(b, `","status":`...)
	b = jsonenc.AppendString(b, sh.Status)
	b = append(b, `,"notes":`...)
	b = jsonenc.AppendString(b, sh.Notes)
	if !public {
		b = append(b, `,"admin_notes":`...)
		b = jsonenc.AppendString(b, sh.AdminNotes)
	}
	b = append(b, `,"rejected_reason":`...)
	b = jsonenc.AppendString(b, sh.RejectedReason)
	b = append(b, `,"created_at":"`...)
	b = AppendDateTime(b, sh.CreatedAt)
	b = append(b, `","updated_at":"`...)
	b = AppendDateTime(b, sh.UpdatedAt)
	b = append(b, `","approved_at":`...)
	if sh.ApprovedAt != nil {
		b = append(b, '"')
		b = AppendDateTime(b, *sh.ApprovedAt)
		b = append(b, '"')
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"approved_by":`...)
	if sh.ApprovedByID != nil {
		b = strconv.AppendInt(b, *sh.ApprovedByID, 10)
		b = append(b, `,"approved_by_name":`...)
		b = jsonenc.AppendString(b, sh.ApprovedByName)
	} else {
		b = append(b, "null"...)
	}
	return append(b, '}')
}

// appendHours appends hundredths of an hour as schedule.FormatHours does.
func appendHours(b []byte, h int64) []byte {
	if h < 0 {
		b = append(b, '-')
		h = -h
	}
	b = strconv.AppendInt(b, h/100, 10)
	return append(b, '.', byte('0'+h%100/10), byte('0'+h%10))
}

// AppendDateTime appends t as FormatDateTime formats it (years 0..9999).
func AppendDateTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	two := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	if y < 0 || y > 9999 {
		return append(b, FormatDateTime(t)...)
	}
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = two(b, int(mo))
	b = append(b, '-')
	b = two(b, d)
	b = append(b, 'T')
	b = two(b, h)
	b = append(b, ':')
	b = two(b, mi)
	b = append(b, ':')
	b = two(b, sec)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		for div := 100000; div > 0; div /= 10 {
			b = append(b, byte('0'+us/div%10))
		}
	}
	return append(b, 'Z')
}

// MarshalJSON renders j with AppendJSON.
func (j Shift) MarshalJSON() ([]byte, error) { return j.AppendJSON(make([]byte, 0, 512)), nil }

// appendDate appends d as "2030-03-02" (years 1..9999).
func appendDate(b []byte, d schedule.Date) []byte {
	y, m, day := d.Date()
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	b = append(b, byte('0'+int(m)/10), byte('0'+int(m)%10), '-')
	return append(b, byte('0'+day/10), byte('0'+day%10))
}

// appendTime appends t as DRF renders a TimeField ("06:00:00", with
// ".ffffff" when there are microseconds).
func appendTime(b []byte, t schedule.TimeOfDay) []byte {
	two := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	b = two(b, t.Hour())
	b = append(b, ':')
	b = two(b, t.Minute())
	b = append(b, ':')
	b = two(b, t.Second())
	if us := t.Microsecond(); us != 0 {
		b = append(b, '.')
		for div := 100000; div > 0; div /= 10 {
			b = append(b, byte('0'+us/div%10))
		}
	}
	return b
}
