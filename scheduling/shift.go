package scheduling

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// ShiftInput is a shift request's fields: a nil pointer is a field that was
// not given (for an edit, one that keeps its value).
type ShiftInput struct {
	PeriodID   *int64
	Date       *schedule.Date
	Start, End *schedule.TimeOfDay
	Notes      *string
	// AdminNotes and RejectedReason are writable by admins only (edits);
	// a PA's are ignored.
	AdminNotes, RejectedReason *string
	// AdminDirect makes an admin's new shift approved at once.
	AdminDirect bool
	// ForPA, with AdminDirect, is the PA whose shift the admin creates (the
	// console's "create a shift for a PA"); the weekly limit is then checked
	// as for an approval (OverrideOvertime passes it). Unset: the shift is
	// the admin's own, as the seed's API makes it.
	ForPA *int64
	// OverrideOvertime lets an edit of an approved shift take its PA past
	// their weekly limit.
	OverrideOvertime bool
}

// Field names of ShiftInput in validation errors (pasched.Error.Fields),
// with "time" for a clash with another shift and pasched.NonField for the
// weekly limit.
const (
	FieldPeriod = "schedule_period"
	FieldDate   = "date"
	FieldStart  = "start_time"
	FieldEnd    = "end_time"
	FieldTime   = "time"
	FieldPA     = "pa"
)

// Messages of the shift rules, as the seed words them where it has them.
const (
	msgPeriodNotOpen = "Cannot submit requests for %s periods. Period must be OPEN."
	msgDateOutside   = "Date must be between %s and %s"
	msgTaken         = "This time slot is already taken. %s has an approved shift from %s to %s on this date."
	msgYouHave       = "You already have a shift from %s to %s on this date."
	msgTheyHave      = "%s already has a shift from %s to %s on this date."
	msgZeroLength    = "End time must differ from start time: a shift cannot last zero hours (an end time before the start time means the shift ends the next day)."
	msgNoShift       = "No ShiftRequest matches the given query."
	msgRequired      = "This field is required."
	msgChoosePA      = "Choose an active PA."
)

// MsgUnknownPeriod is the FieldPeriod message of a period that does not
// exist (the api words it as DRF does, with the value the client sent).
const MsgUnknownPeriod = "No such schedule period."

var errNoShift = pasched.Errorf(pasched.ENOTFOUND, msgNoShift)

// visible reports whether u may see sh: admins see every shift, a PA only
// their own (the seed's queryset filter, so another PA's shift is a 404).
func visible(u *pasched.User, sh *pasched.Shift) bool {
	return u.IsAdmin() || sh.RequestedByID == u.ID
}

// FindShift returns a shift u may see (ENOTFOUND otherwise).
func (s *Service) FindShift(ctx context.Context, u *pasched.User, id int64) (*pasched.Shift, error) {
	sh, err := sqlstore.FindShiftByID(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if !visible(u, sh) {
		return nil, errNoShift
	}
	return sh, nil
}

// scope limits f to what u may see.
func scope(u *pasched.User, f sqlstore.ShiftFilter) sqlstore.ShiftFilter {
	if id := ShiftScope(u); id != 0 {
		f.RequestedBy = id
	}
	return f
}

// ShiftScope is whose shifts u may list: 0 for an admin (everyone's), else
// u's own id (the seed's queryset filter).
func ShiftScope(u *pasched.User) int64 {
	if u.IsAdmin() {
		return 0
	}
	return u.ID
}

// CountShifts counts the shifts of f that u may see.
func (s *Service) CountShifts(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter) (int, error) {
	return sqlstore.CountShifts(ctx, s.DB, scope(u, f))
}

// FindShifts returns the shifts of f that u may see, newest first.
func (s *Service) FindShifts(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter) ([]*pasched.Shift, error) {
	return sqlstore.FindShifts(ctx, s.DB, scope(u, f))
}

// PendingShifts is the seed's `pending` action: every pending request
// (within f), for admins only (EFORBIDDEN with the seed's {"error"} body).
func (s *Service) PendingShifts(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter) ([]*pasched.Shift, error) {
	if !u.IsAdmin() {
		return nil, pasched.Errorf(pasched.EFORBIDDEN, "Admin access required.")
	}
	if f.Status != "" && f.Status != pasched.ShiftPending {
		return nil, nil
	}
	f.Status, f.Offset, f.Limit = pasched.ShiftPending, 0, 0
	return sqlstore.FindShifts(ctx, s.DB, f)
}

// MySchedule is the seed's `my_schedule` action: the PA's approved shifts
// (within f) by date and time, for PAs only (EFORBIDDEN).
func (s *Service) MySchedule(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter) ([]*pasched.Shift, error) {
	if u.Role != pasched.RolePA {
		return nil, pasched.Errorf(pasched.EFORBIDDEN, "PA access only.")
	}
	if f.Status != "" && f.Status != pasched.ShiftApproved {
		return nil, nil
	}
	f.Status, f.RequestedBy, f.Order, f.Offset, f.Limit = pasched.ShiftApproved, u.ID, "date", 0, 0
	return sqlstore.FindShifts(ctx, s.DB, f)
}

// periodQuerier is what reading a period needs: the database or a
// transaction.
type periodQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// lookupPeriod finds the period a request names, adding the field errors
// of an unknown or not OPEN one.
func lookupPeriod(ctx context.Context, q periodQuerier, in ShiftInput, fe *pasched.FieldErrors) (*pasched.Period, error) {
	if in.PeriodID == nil {
		return nil, nil
	}
	p, err := sqlstore.FindPeriodForCheck(ctx, q, *in.PeriodID)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		fe.Add(FieldPeriod, MsgUnknownPeriod)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Status != pasched.PeriodOpen {
		fe.Add(FieldPeriod, fmt.Sprintf(msgPeriodNotOpen, p.Status))
	}
	return p, nil
}

// requestFields checks the fields of a new request one by one (each is
// given; its period exists and is OPEN), as the seed's serializer does
// before it checks the whole request.
func requestFields(ctx context.Context, q periodQuerier, in ShiftInput) (*pasched.Period, error) {
	var fe pasched.FieldErrors
	if in.PeriodID == nil {
		fe.Add(FieldPeriod, msgRequired)
	}
	p, err := lookupPeriod(ctx, q, in, &fe)
	if err != nil {
		return nil, err
	}
	if in.Date == nil {
		fe.Add(FieldDate, msgRequired)
	}
	if in.Start == nil {
		fe.Add(FieldStart, msgRequired)
	}
	if in.End == nil {
		fe.Add(FieldEnd, msgRequired)
	}
	return p, fe.Err()
}

// CheckShiftRequest returns the field errors CreateShift would find in the
// fields that are given, without writing anything: a front end whose own
// reading of other fields failed calls it so that the user hears of every
// field at once. Codes: EINVALID.
func (s *Service) CheckShiftRequest(ctx context.Context, in ShiftInput) error {
	var fe pasched.FieldErrors
	if _, err := lookupPeriod(ctx, s.DB, in, &fe); err != nil {
		return err
	}
	return fe.Err()
}

// CreateShift is a PA's shift request, or with in.AdminDirect an admin's
// directly approved shift, checked with every rule of the seed's
// ShiftRequestCreateSerializer and the fixed ones (overnight overlaps, no
// zero-length shift), atomically with the write. Codes: EINVALID.
func (s *Service) CreateShift(ctx context.Context, u *pasched.User, in ShiftInput) (*pasched.Shift, error) {
	var out *pasched.Shift
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		var dates []schedule.Date
		if in.Date != nil {
			dates = append(dates, *in.Date)
		}
		if err := tx.lock(ctx, u.ID, dates...); err != nil {
			return err
		}
		p, err := requestFields(ctx, tx, in)
		if err != nil {
			return err
		}
		owner := u
		direct := u.IsAdmin() && in.AdminDirect
		var ot *overtime
		if direct && in.ForPA != nil {
			if owner, err = sqlstore.FindUserByID(ctx, tx, *in.ForPA); pasched.ErrorCode(err) == pasched.ENOTFOUND ||
				(err == nil && (owner.Role != pasched.RolePA || !owner.IsActive)) {
				return pasched.Invalid(FieldPA, msgChoosePA)
			} else if err != nil {
				return err
			}
			ot = &overtime{verb: "This shift", override: in.OverrideOvertime}
		}
		sh := &pasched.Shift{PeriodID: p.ID, PeriodName: p.Name, RequestedByID: owner.ID,
			RequestedByName: owner.FullName(), RequestedByMail: owner.Email,
			Date: *in.Date, Start: *in.Start, End: *in.End, Status: pasched.ShiftPending,
			DurationHundredths: schedule.DurationHundredths(*in.Start, *in.End)}
		if in.Notes != nil {
			sh.Notes = *in.Notes
		}
		eff := &effect{periodID: p.ID}
		if direct {
			now := tx.Now
			id := u.ID
			sh.Status, sh.ApprovedAt, sh.ApprovedByID, sh.ApprovedByName = pasched.ShiftApproved, &now, &id, sh.RequestedByName
			eff.added = []*pasched.Shift{sh}
		}
		sn, err := s.checkShift(ctx, tx, u, sh, p, eff, ot)
		if err != nil {
			return err
		}
		if err := sqlstore.CreateShift(ctx, tx.Tx, sh); err != nil {
			return err
		}
		out = sh
		if direct {
			if err := s.stageShift(ctx, tx, pasched.EventShiftApproved, sh, "Admin created shift directly"); err != nil {
				return err
			}
			if err := s.scheduleReminder(ctx, tx, sh); err != nil {
				return err
			}
			if err := s.auditShift(ctx, tx, u, pasched.AuditShiftCreatedDirect, "Created and approved a shift: "+ShiftWords(sh), nil, sh); err != nil {
				return err
			}
			sn.apply(eff)
			return s.recompute(ctx, tx, sn, eff)
		}
		if err := s.emailNewRequest(ctx, tx, sh); err != nil {
			return err
		}
		return s.stageShift(ctx, tx, pasched.EventShiftRequested, sh, sh.RequestedByName+" submitted a new shift request")
	})
	if err != nil {
		return nil, fmt.Errorf("create shift: %w", err)
	}
	return out, nil
}

// overtime holds what the weekly-limit check of an approved shift needs.
type overtime struct {
	verb     string // how the message starts: "Approving this shift", "This change"
	override bool   // override_overtime
}

// checkShift applies the rules of a shift request to sh (its owner is
// sh.RequestedByID, editor is who asks): the date lies in the period, the
// shift lasts more than zero hours, no approved shift of another PA overlaps
// it, no pending or approved shift of its owner overlaps it, and, when ot is
// set, the owner's week stays within their limit. It returns the snapshot
// read under the schedule lock, with what recomputing eff needs.
func (s *Service) checkShift(ctx context.Context, tx *wtx, editor *pasched.User, sh *pasched.Shift, p *pasched.Period, eff *effect, ot *overtime) (*snapshot, error) {
	if !p.Contains(sh.Date) {
		return nil, pasched.Invalid(FieldDate, fmt.Sprintf(msgDateOutside, p.StartDate, p.EndDate))
	}
	if err := schedule.ValidateTimes(sh.Start, sh.End); err != nil {
		return nil, pasched.Invalid(FieldEnd, msgZeroLength)
	}
	near := around(sh.Date)
	q := s.slotQuery(sqlstore.SlotQuery{Around: []sqlstore.ShiftDates{near}, PendingOf: sh.RequestedByID, PendingRange: &near}, eff)
	sn, err := s.loadSnapshot(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*pasched.Shift, len(sn.shifts))
	var others, own []schedule.Shift
	for _, o := range sn.shifts {
		if o.ID == sh.ID && sh.ID != 0 {
			continue
		}
		byID[o.ID] = o
		switch {
		case o.RequestedByID != sh.RequestedByID && o.Status == pasched.ShiftApproved:
			others = append(others, o.Rule())
		case o.RequestedByID == sh.RequestedByID && o.Occupies():
			own = append(own, o.Rule())
		}
	}
	cand := sh.Rule()
	if c := schedule.Conflicts(cand, others); len(c) > 0 {
		o := byID[c[0].ID]
		name, err := sqlstore.FindUserName(ctx, tx, o.RequestedByID)
		if err != nil {
			return nil, err
		}
		return nil, pasched.Invalid(FieldTime, onDay(fmt.Sprintf(msgTaken, name, o.Start.Format12h(), o.End.Format12h()), o, sh))
	}
	if c := schedule.Conflicts(cand, own); len(c) > 0 {
		o := byID[c[0].ID]
		if editor.ID == sh.RequestedByID {
			return nil, pasched.Invalid(FieldTime, onDay(fmt.Sprintf(msgYouHave, o.Start.Format12h(), o.End.Format12h()), o, sh))
		}
		return nil, pasched.Invalid(FieldTime, onDay(fmt.Sprintf(msgTheyHave, sh.RequestedByName, o.Start.Format12h(), o.End.Format12h()), o, sh))
	}
	if ot != nil {
		if err := s.checkOvertime(ctx, tx, sn, sh, *ot, pasched.Invalid(pasched.NonField, "")); err != nil {
			return nil, err
		}
	}
	return sn, nil
}

// onDay keeps the seed's "on this date." when the clashing shift is on the
// candidate's date, and names the day when it is an overnight neighbour
// from the day before or after (the seed never saw those clashes).
func onDay(msg string, other, cand *pasched.Shift) string {
	if other.Date == cand.Date {
		return msg
	}
	return strings.TrimSuffix(msg, "this date.") + other.Date.String() + "."
}

// OvertimeError is a refusal of the weekly limit (SPEC §3 item 3): an
// approved shift would take its PA past max_hours_per_week in a
// Monday–Sunday week. It unwraps to the *pasched.Error a front end shows;
// a front end that offers the override says how (the api: "Send
// override_overtime: true").
type OvertimeError struct {
	// Err carries the message, as a whole-input field error of an edit or
	// as the ECONFLICT refusal of an approval.
	Err *pasched.Error
}

func (e *OvertimeError) Error() string { return e.Err.Error() }
func (e *OvertimeError) Unwrap() error { return e.Err }

// checkOvertime is SPEC §3 item 3: an approved shift may not take its PA
// past max_hours_per_week in a Monday–Sunday week unless overridden. The
// refusal is shaped as as (its message, or its only field's, is filled in).
func (s *Service) checkOvertime(ctx context.Context, tx *wtx, sn *snapshot, sh *pasched.Shift, ot overtime, as *pasched.Error) error {
	if ot.override {
		return nil
	}
	limits, err := sn.maxHours(ctx, tx, []int64{sh.RequestedByID})
	if err != nil {
		return err
	}
	limit := limits[sh.RequestedByID]
	mine := rulesOf(sn.approved(func(o *pasched.Shift) bool { return o.RequestedByID == sh.RequestedByID }))
	over := schedule.WouldExceed(mine, sh.Rule(), limit)
	if len(over) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%s would bring %s to %s hours in the week starting %s, over their limit of %d hours a week.",
		ot.verb, sh.RequestedByName, schedule.FormatHours(over[0].Hundredths), over[0].WeekStart, limit)
	if as.Fields != nil {
		for k := range as.Fields {
			as.Fields[k] = []string{msg}
		}
	} else {
		as.Message = msg
	}
	return &OvertimeError{Err: as}
}

// UpdateShift is a PUT or PATCH of a shift (SPEC §3 item 4): a PA edits
// their own pending requests, an admin any shift; a change to its period,
// date or times is checked with the rules of a new request (and the weekly
// limit for an approved shift), atomically with the write, and coverage and
// weekly hours follow the old and the new dates. Codes: ENOTFOUND,
// EINVALID.
func (s *Service) UpdateShift(ctx context.Context, u *pasched.User, id int64, in ShiftInput) (*pasched.Shift, error) {
	var out *pasched.Shift
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		var dates []schedule.Date
		if in.Date != nil {
			dates = append(dates, *in.Date)
		}
		l, err := tx.lockShift(ctx, id, dates...)
		if err != nil {
			return err
		}
		sh, err := editable(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if err := l.covers(sh); err != nil {
			return err
		}
		var fe pasched.FieldErrors
		newPeriod, err := lookupPeriod(ctx, tx, in, &fe)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		old := *sh
		if newPeriod != nil {
			sh.PeriodID, sh.PeriodName = newPeriod.ID, newPeriod.Name
		}
		if in.Date != nil {
			sh.Date = *in.Date
		}
		if in.Start != nil {
			sh.Start = *in.Start
		}
		if in.End != nil {
			sh.End = *in.End
		}
		if in.Start != nil || in.End != nil {
			sh.DurationHundredths = schedule.DurationHundredths(sh.Start, sh.End)
		}
		if in.Notes != nil {
			sh.Notes = *in.Notes
		}
		if u.IsAdmin() {
			if in.AdminNotes != nil {
				sh.AdminNotes = *in.AdminNotes
			}
			if in.RejectedReason != nil {
				sh.RejectedReason = *in.RejectedReason
			}
		}
		eff := &effect{periodID: sh.PeriodID, oldPeriodID: old.PeriodID}
		var sn *snapshot
		if in.PeriodID != nil || in.Date != nil || in.Start != nil || in.End != nil {
			p := newPeriod
			if p == nil {
				if p, err = sqlstore.FindPeriodForCheck(ctx, tx, sh.PeriodID); err != nil {
					return err
				}
				if p.Status != pasched.PeriodOpen {
					return pasched.Invalid(FieldPeriod, fmt.Sprintf(msgPeriodNotOpen, p.Status))
				}
			}
			var ot *overtime
			if sh.Status == pasched.ShiftApproved {
				eff.removed, eff.added = []schedule.Shift{old.Rule()}, []*pasched.Shift{sh}
				ot = &overtime{verb: "This change", override: in.OverrideOvertime}
			}
			if sh.Occupies() {
				if sn, err = s.checkShift(ctx, tx, u, sh, p, eff, ot); err != nil {
					return err
				}
			} else {
				if !p.Contains(sh.Date) {
					return pasched.Invalid(FieldDate, fmt.Sprintf(msgDateOutside, p.StartDate, p.EndDate))
				}
				if err := schedule.ValidateTimes(sh.Start, sh.End); err != nil {
					return pasched.Invalid(FieldEnd, msgZeroLength)
				}
			}
		}
		if err := sqlstore.UpdateShift(ctx, tx.Tx, sh); err != nil {
			return err
		}
		out = sh
		if err := s.stageUpdated(ctx, tx, &old, sh, "Shift updated by "+u.FullName()); err != nil {
			return err
		}
		if err := s.emailChanged(ctx, tx, &old, sh); err != nil {
			return err
		}
		if u.IsAdmin() {
			if err := s.auditShift(ctx, tx, u, pasched.AuditShiftUpdated, "Changed a shift: "+ShiftWords(sh), &old, sh); err != nil {
				return err
			}
		}
		if sn != nil && !eff.empty() {
			sn.apply(eff)
			return s.recompute(ctx, tx, sn, eff)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update shift %d: %w", id, err)
	}
	return out, nil
}

// editable loads shift id for an edit by u: one u may see (ENOTFOUND),
// pending unless u is an admin (EINVALID).
func editable(ctx context.Context, q periodQuerier, u *pasched.User, id int64) (*pasched.Shift, error) {
	sh, err := sqlstore.FindShiftByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !visible(u, sh) {
		return nil, errNoShift
	}
	if !u.IsAdmin() && sh.Status != pasched.ShiftPending {
		return nil, pasched.Errorf(pasched.EINVALID, "You can only edit pending requests.")
	}
	return sh, nil
}

// CheckShiftEdit returns, without writing anything, what UpdateShift would
// refuse before it applies the edit: the shift is unknown to u (ENOTFOUND)
// or not editable by u (EINVALID without fields), else the field errors of
// the fields given (EINVALID). A front end whose own reading of the edit
// failed calls it to answer in the order the seed does (the object first,
// then every field).
func (s *Service) CheckShiftEdit(ctx context.Context, u *pasched.User, id int64, in ShiftInput) error {
	if _, err := editable(ctx, s.DB, u, id); err != nil {
		return err
	}
	return s.CheckShiftRequest(ctx, in)
}

// DeleteShift is the seed's destroy: a PA cancels their own pending
// request (its status becomes CANCELLED, cancelled is true); an admin
// deletes any shift, and coverage and weekly hours follow. Codes:
// ENOTFOUND, EINVALID.
func (s *Service) DeleteShift(ctx context.Context, u *pasched.User, id int64) (cancelled bool, err error) {
	err = s.write(ctx, func(ctx context.Context, tx *wtx) error {
		l, err := tx.lockShift(ctx, id)
		if err != nil {
			return err
		}
		sh, err := sqlstore.FindShiftByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := l.covers(sh); err != nil {
			return err
		}
		if !visible(u, sh) {
			return errNoShift
		}
		old := *sh
		if !u.IsAdmin() {
			if sh.Status != pasched.ShiftPending {
				return pasched.Errorf(pasched.EINVALID, "You can only cancel pending requests.")
			}
			sh.Status = pasched.ShiftCancelled
			if err := sqlstore.UpdateShift(ctx, tx.Tx, sh); err != nil {
				return err
			}
			cancelled = true
			return s.stageDeleted(ctx, tx, &old, "Shift cancelled by "+u.FullName())
		}
		eff := &effect{periodID: sh.PeriodID}
		var sn *snapshot
		if sh.Status == pasched.ShiftApproved {
			eff.removed = []schedule.Shift{sh.Rule()}
			if sn, err = s.loadSnapshot(ctx, tx, s.slotQuery(sqlstore.SlotQuery{}, eff)); err != nil {
				return err
			}
		}
		if err := sqlstore.DeleteShift(ctx, tx.Tx, sh.ID); err != nil {
			return err
		}
		if err := s.stageDeleted(ctx, tx, &old, "Shift deleted by admin"); err != nil {
			return err
		}
		if err := s.emailCancelled(tx, &old, u); err != nil {
			return err
		}
		if err := s.auditShift(ctx, tx, u, pasched.AuditShiftDeleted, "Deleted a shift: "+ShiftWords(&old), &old, nil); err != nil {
			return err
		}
		if sn != nil {
			sn.apply(eff)
			return s.recompute(ctx, tx, sn, eff)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("delete shift %d: %w", id, err)
	}
	return cancelled, nil
}

// ApproveInput is what an admin may add to an approval.
type ApproveInput struct {
	AdminNotes       *string
	OverrideOvertime bool
}

// ApproveShift approves a pending request (admins only): no approved shift
// may overlap it (overnight shifts included), and it may not take the PA past
// their weekly limit unless in.OverrideOvertime. The check, the write, the
// coverage and weekly hours, the email and the events are one transaction.
// Codes: EFORBIDDEN, ENOTFOUND, EINVALID, ECONFLICT.
func (s *Service) ApproveShift(ctx context.Context, u *pasched.User, id int64, in ApproveInput) (*pasched.Shift, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var out *pasched.Shift
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		sh, err := pendingForDecision(ctx, tx, id, DecisionApprove)
		if err != nil {
			return err
		}
		now, by := tx.Now, u.ID
		sh.Status, sh.ApprovedAt, sh.ApprovedByID, sh.ApprovedByName = pasched.ShiftApproved, &now, &by, u.FullName()
		if in.AdminNotes != nil && *in.AdminNotes != "" {
			sh.AdminNotes = *in.AdminNotes
		}
		eff := &effect{periodID: sh.PeriodID, added: []*pasched.Shift{sh}}
		sn, err := s.loadSnapshot(ctx, tx, s.slotQuery(sqlstore.SlotQuery{Around: []sqlstore.ShiftDates{around(sh.Date)}}, eff), sh.RequestedByID)
		if err != nil {
			return err
		}
		others := sn.approved(func(o *pasched.Shift) bool { return o.ID != sh.ID })
		if c := schedule.Conflicts(sh.Rule(), rulesOf(others)); len(c) > 0 {
			i := slices.IndexFunc(others, func(o *pasched.Shift) bool { return o.ID == c[0].ID })
			o := others[i]
			name, err := sqlstore.FindUserName(ctx, tx, o.RequestedByID)
			if err != nil {
				return err
			}
			return pasched.Errorf(pasched.ECONFLICT, "Conflict detected: %s already has a shift from %s to %s",
				name, o.Start, o.End)
		}
		err = s.checkOvertime(ctx, tx, sn, sh, overtime{verb: "Approving this shift", override: in.OverrideOvertime},
			&pasched.Error{Code: pasched.ECONFLICT})
		if err != nil {
			return err
		}
		kind, summary := pasched.AuditShiftApproved, "Approved a shift: "+ShiftWords(sh)
		if in.OverrideOvertime {
			// Was the override needed? The same check without it says,
			// and its words name the overtime in the trail.
			var oe *OvertimeError
			if err := s.checkOvertime(ctx, tx, sn, sh, overtime{verb: "Approving this shift"}, &pasched.Error{Code: pasched.ECONFLICT}); errors.As(err, &oe) {
				kind, summary = pasched.AuditShiftApprovedOver, "Approved a shift past the weekly limit: "+ShiftWords(sh)+". "+oe.Err.Message
			} else if err != nil {
				return err
			}
		}
		before := *sh
		before.Status, before.ApprovedAt, before.ApprovedByID, before.ApprovedByName = pasched.ShiftPending, nil, nil, ""
		if err := sqlstore.UpdateShift(ctx, tx.Tx, sh); err != nil {
			return err
		}
		if err := s.emailApproved(ctx, tx, sh); err != nil {
			return err
		}
		if err := s.stageShift(ctx, tx, pasched.EventShiftApproved, sh, "Shift approved by "+sh.ApprovedByName); err != nil {
			return err
		}
		if err := s.auditShift(ctx, tx, u, kind, summary, &before, sh); err != nil {
			return err
		}
		out = sh
		sn.apply(eff)
		return s.recompute(ctx, tx, sn, eff)
	})
	if err != nil {
		return nil, fmt.Errorf("approve shift %d: %w", id, err)
	}
	return out, nil
}

// pendingForDecision takes the shift's locks and loads the shift an admin
// approves or rejects (verb): it must be pending.
func pendingForDecision(ctx context.Context, tx *wtx, id int64, verb string) (*pasched.Shift, error) {
	sh, l, err := tx.lockAndLoad(ctx, id)
	if err != nil {
		return nil, err
	}
	if sh.Status != pasched.ShiftPending {
		return nil, pasched.Errorf(pasched.EINVALID, "Cannot %s %s request.", verb, sh.Status)
	}
	return sh, l.covers(sh)
}

// pending loads shift id, which must be pending for an admin to decide on
// it (verb: "approve", "reject").
func pending(ctx context.Context, q periodQuerier, id int64, verb string) (*pasched.Shift, error) {
	sh, err := sqlstore.FindShiftByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if sh.Status != pasched.ShiftPending {
		return nil, pasched.Errorf(pasched.EINVALID, "Cannot %s %s request.", verb, sh.Status)
	}
	return sh, nil
}

// Decisions an admin takes on a pending request (CheckDecision's verb).
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// CheckDecision returns, without writing anything, what ApproveShift or
// RejectShift (verb: DecisionApprove, DecisionReject) would refuse before
// reading the admin's input: not an admin (EFORBIDDEN), no such shift
// (ENOTFOUND), a shift that is not pending (EINVALID). A front end whose own
// reading of that input failed calls it to answer in the seed's order.
func (s *Service) CheckDecision(ctx context.Context, u *pasched.User, id int64, verb string) error {
	if err := requireAdmin(u); err != nil {
		return err
	}
	_, err := pending(ctx, s.DB, id, verb)
	return err
}

// RejectShift rejects a pending request with a reason (admins only), emails
// the PA and announces it. Codes: EFORBIDDEN, ENOTFOUND, EINVALID.
func (s *Service) RejectShift(ctx context.Context, u *pasched.User, id int64, reason string) (*pasched.Shift, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	var out *pasched.Shift
	err := s.write(ctx, func(ctx context.Context, tx *wtx) error {
		sh, err := pendingForDecision(ctx, tx, id, DecisionReject)
		if err != nil {
			return err
		}
		before := *sh
		sh.Status, sh.RejectedReason = pasched.ShiftRejected, reason
		if err := sqlstore.UpdateShift(ctx, tx.Tx, sh); err != nil {
			return err
		}
		summary := "Rejected a shift: " + ShiftWords(sh)
		if reason != "" {
			summary += ". Reason: " + reason
		}
		if err := s.auditShift(ctx, tx, u, pasched.AuditShiftRejected, summary, &before, sh); err != nil {
			return err
		}
		if err := s.emailRejected(tx, sh); err != nil {
			return err
		}
		out = sh
		return s.stageShift(ctx, tx, pasched.EventShiftRejected, sh, "Shift rejected by "+u.FullName())
	})
	if err != nil {
		return nil, fmt.Errorf("reject shift %d: %w", id, err)
	}
	return out, nil
}
