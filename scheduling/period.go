package scheduling

import (
	"context"
	"fmt"
	"strconv"

	"pasched"
	"pasched/mail"
	"pasched/schedule"
	"pasched/sqlstore"
)

// PeriodInput is a period's fields: nil is a field that was not given (for
// an edit, one that keeps its value).
type PeriodInput struct {
	Name      *string
	StartDate *schedule.Date
	EndDate   *schedule.Date
	Status    *string
}

// Field names of PeriodInput in validation errors.
const (
	FieldName      = "name"
	FieldStartDate = "start_date"
	FieldEndDate   = "end_date"
	FieldStatus    = "status"
)

// Messages of the period rules.
const (
	msgEndBeforeStart = "End date must be after start date."
	msgStatusMove     = "Status can only move between OPEN and LOCKED; a period is finalized only through finalize."
)

var msgTooLong = fmt.Sprintf("A schedule period cannot be longer than %d days.", pasched.MaxPeriodDays)

func requireAdmin(u *pasched.User) error {
	if u == nil || !u.IsAdmin() {
		return pasched.Errorf(pasched.EFORBIDDEN, "You do not have permission to perform this action.")
	}
	return nil
}

// CountPeriods counts every period.
func (s *Service) CountPeriods(ctx context.Context) (int, error) {
	return sqlstore.CountPeriods(ctx, s.DB)
}

// FindPeriods returns a page of periods, latest start first.
func (s *Service) FindPeriods(ctx context.Context, offset, limit int) ([]*pasched.Period, error) {
	return sqlstore.FindPeriods(ctx, s.DB, offset, limit)
}

// PeriodDetail is a period with its shifts (by date and start time) and the
// seed's coverage_summary counts.
type PeriodDetail struct {
	Period  *pasched.Period
	Shifts  []*pasched.Shift
	Summary pasched.PeriodSummary
}

// Public reports whether u sees sh only as a calendar entry (another PA's
// approved shift, without its admin notes).
func Public(u *pasched.User, sh *pasched.Shift) bool {
	return !u.IsAdmin() && sh.RequestedByID != u.ID
}

// FindPeriodDetail returns a period's detail as u may see it, in two
// queries (ENOTFOUND). The seed listed every request of every PA to
// everyone; a PA sees their own shifts and the others' approved ones
// (SPEC §7: a PA never sees another PA's requests), the counts stay whole.
func (s *Service) FindPeriodDetail(ctx context.Context, u *pasched.User, id int64) (*PeriodDetail, error) {
	p, sum, err := sqlstore.FindPeriodWithSummary(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	f := sqlstore.ShiftFilter{PeriodID: id, Order: "date"}
	if !u.IsAdmin() {
		f.VisibleTo = u.ID
	}
	shifts, err := sqlstore.FindShifts(ctx, s.DB, f)
	if err != nil {
		return nil, err
	}
	return &PeriodDetail{Period: p, Shifts: shifts, Summary: sum}, nil
}

// PeriodExists reports whether a period exists (ENOTFOUND otherwise).
func (s *Service) PeriodExists(ctx context.Context, id int64) error {
	_, err := sqlstore.FindPeriodForCheck(ctx, s.DB, id)
	return err
}

// statusMoveOK is SPEC §3 item 16: a period's status moves only between
// OPEN and LOCKED; FINALIZED is reached through finalize only, and left never.
func statusMoveOK(from, to string) bool {
	if from == to {
		return true
	}
	return (from == pasched.PeriodOpen || from == pasched.PeriodLocked) &&
		(to == pasched.PeriodOpen || to == pasched.PeriodLocked)
}

// validatePeriod checks the whole period after its fields decoded.
func validatePeriod(p *pasched.Period) error {
	if p.EndDate.Before(p.StartDate) {
		return pasched.Invalid(FieldEndDate, msgEndBeforeStart)
	}
	if p.StartDate.DaysUntil(p.EndDate)+1 > pasched.MaxPeriodDays {
		return pasched.Invalid(FieldEndDate, msgTooLong)
	}
	return nil
}

// periodStatusField adds the FieldStatus error of a move from one status
// to in's, if in gives one.
func periodStatusField(from string, in PeriodInput, fe *pasched.FieldErrors) {
	if in.Status != nil && !statusMoveOK(from, *in.Status) {
		fe.Add(FieldStatus, msgStatusMove)
	}
}

// CheckNewPeriod returns the field errors CreatePeriod would find in the
// fields that are given, without writing anything (see CheckShiftRequest).
// Codes: EFORBIDDEN, EINVALID.
func (s *Service) CheckNewPeriod(u *pasched.User, in PeriodInput) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	var fe pasched.FieldErrors
	periodStatusField(pasched.PeriodOpen, in, &fe)
	return fe.Err()
}

// CreatePeriod creates a period (admins only): EINVALID with every field
// error, else with the whole-period one. Codes: EFORBIDDEN, EINVALID.
func (s *Service) CreatePeriod(ctx context.Context, u *pasched.User, in PeriodInput) (*pasched.Period, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var fe pasched.FieldErrors
	for _, f := range []struct {
		name  string
		given bool
	}{{FieldName, in.Name != nil}, {FieldStartDate, in.StartDate != nil}, {FieldEndDate, in.EndDate != nil}} {
		if !f.given {
			fe.Add(f.name, msgRequired)
		}
	}
	periodStatusField(pasched.PeriodOpen, in, &fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	status := pasched.PeriodOpen
	if in.Status != nil {
		status = *in.Status
	}
	p := &pasched.Period{Name: *in.Name, StartDate: *in.StartDate, EndDate: *in.EndDate, Status: status,
		CreatedByID: u.ID, CreatedByName: u.FullName()}
	if err := validatePeriod(p); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := sqlstore.CreatePeriod(ctx, tx.Tx, p); err != nil {
			return err
		}
		return s.auditPeriod(ctx, tx, u, pasched.AuditPeriodCreated, "Created period "+p.Name, nil, p)
	})
	if err != nil {
		return nil, fmt.Errorf("create period: %w", err)
	}
	return p, nil
}

// CheckPeriodEdit returns, without writing anything, what UpdatePeriod
// would refuse before it applies the edit: not an admin (EFORBIDDEN), no
// such period (ENOTFOUND), else the field errors of the fields given
// (EINVALID). See CheckShiftEdit.
func (s *Service) CheckPeriodEdit(ctx context.Context, u *pasched.User, id int64, in PeriodInput) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	p, err := sqlstore.FindPeriodForCheck(ctx, s.DB, id)
	if err != nil {
		return err
	}
	var fe pasched.FieldErrors
	periodStatusField(p.Status, in, &fe)
	return fe.Err()
}

// UpdatePeriod changes a period (admins only); absent fields keep their
// value, and the whole period is checked again (SPEC §3 item 16).
// Codes: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) UpdatePeriod(ctx context.Context, u *pasched.User, id int64, in PeriodInput) (*pasched.Period, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var p *pasched.Period
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := tx.lockAll(ctx); err != nil {
			return err
		}
		var err error
		if p, err = sqlstore.FindPeriodByID(ctx, tx, id); err != nil {
			return err
		}
		before := *p
		var fe pasched.FieldErrors
		periodStatusField(p.Status, in, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		if in.Name != nil {
			p.Name = *in.Name
		}
		if in.StartDate != nil {
			p.StartDate = *in.StartDate
		}
		if in.EndDate != nil {
			p.EndDate = *in.EndDate
		}
		if in.Status != nil {
			p.Status = *in.Status
		}
		if err := validatePeriod(p); err != nil {
			return err
		}
		if err := sqlstore.UpdatePeriod(ctx, tx.Tx, p); err != nil {
			return err
		}
		summary := "Changed period " + p.Name
		switch {
		case before.Status != p.Status && p.Status == pasched.PeriodLocked:
			summary = "Locked period " + p.Name
		case before.Status != p.Status && p.Status == pasched.PeriodOpen:
			summary = "Unlocked period " + p.Name
		}
		return s.auditPeriod(ctx, tx, u, pasched.AuditPeriodUpdated, summary, &before, p)
	})
	if err != nil {
		return nil, fmt.Errorf("update period %d: %w", id, err)
	}
	return p, nil
}

// DeletePeriod deletes a period and its shifts (admins only), recomputes
// the coverage and weekly hours they held and announces each deleted shift.
// Codes: EFORBIDDEN, ENOTFOUND.
func (s *Service) DeletePeriod(ctx context.Context, u *pasched.User, id int64) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := tx.lockAll(ctx); err != nil {
			return err
		}
		p, err := sqlstore.FindPeriodByID(ctx, tx, id)
		if err != nil {
			return err
		}
		shifts, err := sqlstore.FindShifts(ctx, tx, sqlstore.ShiftFilter{PeriodID: p.ID, Order: "date"})
		if err != nil {
			return err
		}
		eff := &effect{periodID: p.ID}
		for _, sh := range shifts {
			if sh.Status == pasched.ShiftApproved {
				eff.removed = append(eff.removed, sh.Rule())
			}
		}
		var sn *snapshot
		if !eff.empty() {
			if sn, err = s.loadSnapshot(ctx, tx, s.slotQuery(sqlstore.SlotQuery{}, eff)); err != nil {
				return err
			}
		}
		if err := sqlstore.DeletePeriod(ctx, tx.Tx, p.ID); err != nil {
			return err
		}
		if err := s.auditPeriod(ctx, tx, u, pasched.AuditPeriodDeleted,
			fmt.Sprintf("Deleted period %s with its %d shift %s", p.Name, len(shifts), plural(len(shifts), "request", "requests")), p, nil); err != nil {
			return err
		}
		for _, sh := range shifts {
			if err := s.stageDeleted(ctx, tx, sh, "Shift deleted by admin"); err != nil {
				return err
			}
		}
		if sn != nil {
			sn.apply(eff)
			return s.recompute(ctx, tx, sn, eff)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete period %d: %w", id, err)
	}
	return nil
}

// FinalizeResult is what finalising a period did.
type FinalizeResult struct {
	Period *pasched.Period
	// Rejected counts the pending requests finalisation rejected.
	Rejected int
	// Warnings are the seed's coverage warnings, one per uncovered window
	// of each date ("Mar 02: Morning (6-9 AM) not covered"), or one "No
	// coverage at all" for a date with no coverage row.
	Warnings []string
}

// FinalizePeriod finalises a period (admins only), whatever its coverage:
// it rejects the pending requests with the seed's reason, emails and
// announces each rejection, emails every active PA, and announces the
// period. Codes: EFORBIDDEN, ENOTFOUND, EINVALID (already finalised).
func (s *Service) FinalizePeriod(ctx context.Context, u *pasched.User, id int64) (*FinalizeResult, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var res *FinalizeResult
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		if err := tx.lockAll(ctx); err != nil {
			return err
		}
		p, err := sqlstore.FindPeriodByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status == pasched.PeriodFinalized {
			return pasched.Errorf(pasched.EINVALID, "This period is already finalized.")
		}
		cov, err := sqlstore.FindCoverageBetween(ctx, tx, p.StartDate, p.EndDate)
		if err != nil {
			return err
		}
		res = &FinalizeResult{Period: p, Warnings: s.coverageWarnings(p, cov)}
		pending, err := sqlstore.FindShifts(ctx, tx, sqlstore.ShiftFilter{PeriodID: p.ID, Status: pasched.ShiftPending, Order: "date"})
		if err != nil {
			return err
		}
		before := *p
		p.Status = pasched.PeriodFinalized
		if err := sqlstore.UpdatePeriod(ctx, tx.Tx, p); err != nil {
			return err
		}
		if err := s.auditPeriod(ctx, tx, u, pasched.AuditPeriodFinalized,
			fmt.Sprintf("Finalised period %s: %d pending %s rejected, %d coverage %s", p.Name,
				len(pending), plural(len(pending), "request", "requests"), len(res.Warnings), plural(len(res.Warnings), "warning", "warnings")),
			&before, p); err != nil {
			return err
		}
		n, err := sqlstore.RejectPendingShifts(ctx, tx.Tx, p.ID, FinalizedReason)
		if err != nil {
			return err
		}
		res.Rejected = int(n)
		closed := map[int64]int{}
		for _, sh := range pending {
			sh.Status, sh.RejectedReason, sh.UpdatedAt = pasched.ShiftRejected, FinalizedReason, tx.Now
			closed[sh.RequestedByID]++
			if err := s.emailRejected(tx, sh); err != nil {
				return err
			}
			if err := s.stageShift(ctx, tx, pasched.EventShiftRejected, sh, FinalizedReason); err != nil {
				return err
			}
		}
		stats, err := sqlstore.FindPAPeriodStats(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		for _, st := range stats {
			d := mail.PeriodEmail{PAName: st.Name, PeriodName: p.Name,
				StartDate: p.StartDate.Midnight().Format(mail.DateLayout), EndDate: p.EndDate.Midnight().Format(mail.DateLayout),
				ApprovedShifts: st.ApprovedShifts, ClosedRequests: closed[st.ID], FrontendURL: s.FrontendURL}
			if st.ApprovedShifts > 0 {
				d.ApprovedHours = schedule.FormatHours(st.ApprovedHundredths)
			}
			m, err := mail.PeriodFinalized([]string{st.Email}, d)
			if err != nil {
				return fmt.Errorf("render finalized email: %w", err)
			}
			s.enqueueNotice(tx, m, fmt.Sprintf("period_finalized:%d:%d", p.ID, st.ID), pasched.NotifyPeriodFinalized, st.ID, nil)
		}
		return s.stage(ctx, tx, pasched.Event{Kind: pasched.EventPeriodFinalized, PeriodID: p.ID, Period: p, Message: p.Name + " has been finalized"})
	})
	if err != nil {
		return nil, fmt.Errorf("finalize period %d: %w", id, err)
	}
	return res, nil
}

// coverageWarnings are the seed's finalisation warnings for every date of p.
func (s *Service) coverageWarnings(p *pasched.Period, cov map[schedule.Date]*pasched.DayCoverage) []string {
	var out []string
	ws := s.windows()
	for d := p.StartDate; !d.After(p.EndDate); d = d.AddDays(1) {
		day := d.Midnight().Format("Jan 02")
		c, ok := cov[d]
		if !ok {
			out = append(out, day+": No coverage at all")
			continue
		}
		for i, w := range ws {
			if !windowCovered(c, w) {
				out = append(out, day+": "+WindowLabel(i, w)+" not covered")
			}
		}
	}
	return out
}

// WindowLabel names a critical window as the seed's warnings do: "Morning
// (6-9 AM)" and "Evening (9-10 PM)" for the first two, "Critical time N
// (…)" for further ones.
func WindowLabel(i int, w schedule.Window) string {
	name := "Critical time " + strconv.Itoa(i+1)
	switch i {
	case 0:
		name = "Morning"
	case 1:
		name = "Evening"
	}
	return name + " (" + windowSpan(w) + ")"
}

// windowSpan formats a window as the seed's "6-9 AM" or "11 AM-1 PM".
func windowSpan(w schedule.Window) string {
	clock := func(t schedule.TimeOfDay) (string, string) {
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		s := strconv.Itoa(h)
		if t.Minute() != 0 || t.Second() != 0 {
			s += fmt.Sprintf(":%02d", t.Minute())
		}
		if t.Hour() < 12 {
			return s, "AM"
		}
		return s, "PM"
	}
	s1, m1 := clock(w.Start)
	s2, m2 := clock(w.End)
	if m1 == m2 {
		return s1 + "-" + s2 + " " + m2
	}
	return s1 + " " + m1 + "-" + s2 + " " + m2
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
