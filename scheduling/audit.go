package scheduling

import (
	"context"
	"encoding/json"
	"fmt"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// The audit trail of the rota: every admin action on shifts and periods is
// recorded in the change's own transaction (its savepoint, in a batch), so
// an entry exists exactly when its change committed.

// shiftAudit is what the trail keeps of a shift.
type shiftAudit struct {
	PeriodID       int64  `json:"period_id"`
	PA             string `json:"pa"`
	Date           string `json:"date"`
	Start          string `json:"start_time"`
	End            string `json:"end_time"`
	Status         string `json:"status"`
	Notes          string `json:"notes,omitempty"`
	AdminNotes     string `json:"admin_notes,omitempty"`
	RejectedReason string `json:"rejected_reason,omitempty"`
}

func shiftSnapshot(sh *pasched.Shift) *shiftAudit {
	if sh == nil {
		return nil
	}
	return &shiftAudit{PeriodID: sh.PeriodID, PA: sh.RequestedByName, Date: sh.Date.String(), Start: sh.Start.String(),
		End: sh.End.String(), Status: sh.Status, Notes: sh.Notes, AdminNotes: sh.AdminNotes, RejectedReason: sh.RejectedReason}
}

// periodAudit is what the trail keeps of a period.
type periodAudit struct {
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	Status    string `json:"status"`
}

func periodSnapshot(p *pasched.Period) *periodAudit {
	if p == nil {
		return nil
	}
	return &periodAudit{Name: p.Name, StartDate: p.StartDate.String(), EndDate: p.EndDate.String(), Status: p.Status}
}

func auditJSON[T any](v *T) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// ShiftWords names a shift for people: "Pat Jones, Tuesday 2 March 2027,
// 08:00–14:00" (an overnight shift's end is the next morning).
func ShiftWords(sh *pasched.Shift) string {
	return fmt.Sprintf("%s, %s, %s", orName(sh.RequestedByName, sh.RequestedByMail), DateWords(sh.Date), TimesWords(sh.Start, sh.End))
}

// DateWords is a date as people say it: "Tuesday 2 March 2027".
func DateWords(d schedule.Date) string {
	return d.Midnight().Format("Monday 2 January 2006")
}

// TimesWords is "08:00–14:00", with "(next day)" after an overnight end.
func TimesWords(start, end schedule.TimeOfDay) string {
	s := fmt.Sprintf("%02d:%02d–%02d:%02d", start.Hour(), start.Minute(), end.Hour(), end.Minute())
	if !end.After(start) {
		s += " (next day)"
	}
	return s
}

func orName(name, email string) string {
	if name != "" {
		return name
	}
	return email
}

// auditShift records an admin's action on a shift.
func (s *Service) auditShift(ctx context.Context, tx *wtx, actor *pasched.User, kind, summary string, before, after *pasched.Shift) error {
	sh := after
	if sh == nil {
		sh = before
	}
	return sqlstore.InsertAudit(ctx, tx.Tx, &pasched.AuditEntry{
		At: tx.Now, ActorID: &actor.ID, ActorName: actor.DisplayName(), Kind: kind, Summary: summary,
		PeriodID: pasched.Int64Ptr(sh.PeriodID), ShiftID: pasched.Int64Ptr(sh.ID), SubjectUserID: pasched.Int64Ptr(sh.RequestedByID),
		Before: auditJSON(shiftSnapshot(before)), After: auditJSON(shiftSnapshot(after)),
	})
}

// auditPeriod records an admin's action on a period.
func (s *Service) auditPeriod(ctx context.Context, tx *wtx, actor *pasched.User, kind, summary string, before, after *pasched.Period) error {
	p := after
	if p == nil {
		p = before
	}
	return sqlstore.InsertAudit(ctx, tx.Tx, &pasched.AuditEntry{
		At: tx.Now, ActorID: &actor.ID, ActorName: actor.DisplayName(), Kind: kind, Summary: summary,
		PeriodID: pasched.Int64Ptr(p.ID), Before: auditJSON(periodSnapshot(before)), After: auditJSON(periodSnapshot(after)),
	})
}

// AuditTrail lists audit entries: an admin any (filtered by f), a PA only
// those about their own shifts (f's subject is forced to them). It returns
// the page and the total count.
func (s *Service) AuditTrail(ctx context.Context, u *pasched.User, f pasched.AuditFilter) ([]*pasched.AuditEntry, int, error) {
	if !u.IsAdmin() {
		f.SubjectUserID, f.ActorID = u.ID, 0
	}
	n, err := sqlstore.CountAudit(ctx, s.DB, f)
	if err != nil {
		return nil, 0, err
	}
	es, err := sqlstore.FindAudit(ctx, s.DB, f)
	return es, n, err
}
