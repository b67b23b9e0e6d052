package scheduling

import (
	"errors"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestChecks: the Check* use cases answer, without writing, what the
// matching write would refuse before applying its input — in the domain's
// words — so a front end whose own decoding failed can show everything at
// once.
func TestChecks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, alice, bob := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Alice"), b.user(pasched.RolePA, "Bob")
		open := b.period(admin, "March", "2030-03-01", "2030-03-31")
		locked := b.period(admin, "April", "2030-04-01", "2030-04-30")
		lockedStatus := pasched.PeriodLocked
		if _, err := b.svc.UpdatePeriod(b.ctx, admin, locked.ID, PeriodInput{Status: &lockedStatus}); err != nil {
			t.Fatal(err)
		}
		pendingShift := b.request(alice, open.ID, "2030-03-02", "06:00", "09:00")
		approved := b.request(alice, open.ID, "2030-03-03", "06:00", "09:00")
		if _, err := b.svc.ApproveShift(b.ctx, admin, approved.ID, ApproveInput{}); err != nil {
			t.Fatal(err)
		}
		id := func(v int64) *int64 { return &v }
		finalized := pasched.PeriodFinalized
		for _, c := range []struct {
			name  string
			err   error
			code  string
			field string // "" for a message, else the field that must carry msg
			msg   string
		}{
			{"request: fields fine", b.svc.CheckShiftRequest(b.ctx, ShiftInput{PeriodID: &open.ID}), "", "", ""},
			{"request: no period given", b.svc.CheckShiftRequest(b.ctx, ShiftInput{}), "", "", ""},
			{"request: unknown period", b.svc.CheckShiftRequest(b.ctx, ShiftInput{PeriodID: id(99999)}),
				pasched.EINVALID, FieldPeriod, MsgUnknownPeriod},
			{"request: locked period", b.svc.CheckShiftRequest(b.ctx, ShiftInput{PeriodID: &locked.ID}),
				pasched.EINVALID, FieldPeriod, "Cannot submit requests for LOCKED periods. Period must be OPEN."},
			{"edit: another PA's shift", b.svc.CheckShiftEdit(b.ctx, bob, pendingShift.ID, ShiftInput{}),
				pasched.ENOTFOUND, "", msgNoShift},
			{"edit: own approved shift", b.svc.CheckShiftEdit(b.ctx, alice, approved.ID, ShiftInput{}),
				pasched.EINVALID, "", "You can only edit pending requests."},
			{"edit: locked period", b.svc.CheckShiftEdit(b.ctx, alice, pendingShift.ID, ShiftInput{PeriodID: &locked.ID}),
				pasched.EINVALID, FieldPeriod, "Cannot submit requests for LOCKED periods. Period must be OPEN."},
			{"decide: not admin", b.svc.CheckDecision(b.ctx, alice, pendingShift.ID, DecisionApprove),
				pasched.EFORBIDDEN, "", "You do not have permission to perform this action."},
			{"decide: no such shift", b.svc.CheckDecision(b.ctx, admin, 99999, DecisionReject), pasched.ENOTFOUND, "", ""},
			{"decide: approved", b.svc.CheckDecision(b.ctx, admin, approved.ID, DecisionReject),
				pasched.EINVALID, "", "Cannot reject APPROVED request."},
			{"decide: pending", b.svc.CheckDecision(b.ctx, admin, pendingShift.ID, DecisionApprove), "", "", ""},
			{"new period: finalized", b.svc.CheckNewPeriod(admin, PeriodInput{Status: &finalized}),
				pasched.EINVALID, FieldStatus, msgStatusMove},
			{"new period: not admin", b.svc.CheckNewPeriod(alice, PeriodInput{}), pasched.EFORBIDDEN, "", ""},
			{"period edit: no such period", b.svc.CheckPeriodEdit(b.ctx, admin, 99999, PeriodInput{}), pasched.ENOTFOUND, "", ""},
			{"period edit: to finalized", b.svc.CheckPeriodEdit(b.ctx, admin, locked.ID, PeriodInput{Status: &finalized}),
				pasched.EINVALID, FieldStatus, msgStatusMove},
		} {
			var e *pasched.Error
			switch {
			case c.code == "" && c.err != nil:
				t.Errorf("%s: %v, want nil", c.name, c.err)
			case c.code == "":
			case !errors.As(c.err, &e) || e.Code != c.code:
				t.Errorf("%s: %v, want code %s", c.name, c.err, c.code)
			case c.field != "" && (len(e.Fields) != 1 || len(e.Fields[c.field]) != 1 || e.Fields[c.field][0] != c.msg):
				t.Errorf("%s: fields %v, want %s: %q", c.name, e.Fields, c.field, c.msg)
			case c.field == "" && (len(e.Fields) != 0 || (c.msg != "" && e.Message != c.msg)):
				t.Errorf("%s: %+v, want message %q", c.name, e, c.msg)
			}
		}
		// Nothing was written: the pending shift is still pending.
		if sh, err := b.svc.FindShift(b.ctx, admin, pendingShift.ID); err != nil || sh.Status != pasched.ShiftPending {
			t.Fatalf("after the checks: %v %v", sh, err)
		}
	})
}

// TestCreateRequiresFields: a use-case caller that leaves a required field
// out hears of it per field, in the domain's words (no write).
func TestCreateRequiresFields(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, alice := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Alice")
		_, err := b.svc.CreateShift(b.ctx, alice, ShiftInput{})
		var e *pasched.Error
		if !errors.As(err, &e) || e.Code != pasched.EINVALID || len(e.Fields) != 4 {
			t.Fatalf("CreateShift(empty) = %v", err)
		}
		for _, f := range []string{FieldPeriod, FieldDate, FieldStart, FieldEnd} {
			if got := e.Fields[f]; len(got) != 1 || got[0] != msgRequired {
				t.Errorf("%s: %v", f, got)
			}
		}
		_, err = b.svc.CreatePeriod(b.ctx, admin, PeriodInput{})
		if !errors.As(err, &e) || len(e.Fields) != 3 || e.Fields[FieldName][0] != msgRequired {
			t.Fatalf("CreatePeriod(empty) = %v", err)
		}
	})
}
