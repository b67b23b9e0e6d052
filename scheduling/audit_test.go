package scheduling

import (
	"errors"
	"strings"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// lastAudit returns the newest audit entry, or nil.
func (b *bundle) auditEntries(f pasched.AuditFilter) []*pasched.AuditEntry {
	b.t.Helper()
	es, err := sqlstore.FindAudit(b.ctx, b.db, f)
	if err != nil {
		b.t.Fatal(err)
	}
	return es
}

func (b *bundle) auditCount() int {
	b.t.Helper()
	n, err := sqlstore.CountAudit(b.ctx, b.db, pasched.AuditFilter{})
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// TestAuditEveryAdminAction performs each kind of admin action on the rota
// and checks the one entry it leaves, and that a refused action leaves none.
func TestAuditEveryAdminAction(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, pat, sam := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Pat"), b.user(pasched.RolePA, "Sam")
		b.setMaxHours(pat, 10)
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")

		type step struct {
			name    string
			do      func() error
			kind    string // "" for an action that must fail and leave nothing
			summary string
			subject *pasched.User
		}
		var s1, s2, s3, s4 *pasched.Shift
		reason := "Sam is covering"
		steps := []step{
			{"create period", func() error { return nil }, pasched.AuditPeriodCreated, "Created period March", nil},
			{"approve", func() error {
				s1 = b.request(pat, p.ID, "2030-03-04", "06:00", "12:00")
				s3 = b.request(sam, p.ID, "2030-03-04", "08:00", "10:00") // pending: clashes once s1 is approved
				_, err := b.svc.ApproveShift(b.ctx, admin, s1.ID, ApproveInput{})
				return err
			}, pasched.AuditShiftApproved, "Approved a shift: Pat Test, Monday 4 March 2030, 06:00–12:00", pat},
			{"approve past the limit without the override is refused", func() error {
				s2 = b.request(pat, p.ID, "2030-03-05", "21:00", "07:00")
				_, err := b.svc.ApproveShift(b.ctx, admin, s2.ID, ApproveInput{})
				return err
			}, "", "", nil},
			{"approve past the limit with the override", func() error {
				_, err := b.svc.ApproveShift(b.ctx, admin, s2.ID, ApproveInput{OverrideOvertime: true})
				return err
			}, pasched.AuditShiftApprovedOver, "Approved a shift past the weekly limit: Pat Test, Tuesday 5 March 2030, 21:00–07:00 (next day). Approving this shift would bring Pat Test to 16.00 hours", pat},
			{"a clash is refused", func() error {
				_, err := b.svc.ApproveShift(b.ctx, admin, s3.ID, ApproveInput{})
				return err
			}, "", "", nil},
			{"reject", func() error {
				_, err := b.svc.RejectShift(b.ctx, admin, s3.ID, reason)
				return err
			}, pasched.AuditShiftRejected, "Rejected a shift: Sam Test, Monday 4 March 2030, 08:00–10:00. Reason: Sam is covering", sam},
			{"direct create", func() error {
				in := input(p.ID, "2030-03-06", "21:00", "22:00")
				in.AdminDirect = true
				in.ForPA = &sam.ID
				var err error
				s4, err = b.svc.CreateShift(b.ctx, admin, in)
				return err
			}, pasched.AuditShiftCreatedDirect, "Created and approved a shift", nil},
			{"edit", func() error {
				e := clock("23:00")
				_, err := b.svc.UpdateShift(b.ctx, admin, s4.ID, ShiftInput{End: &e})
				return err
			}, pasched.AuditShiftUpdated, "Changed a shift", nil},
			{"a PA's own edit is not an admin action", func() error {
				sh := b.request(pat, p.ID, "2030-03-20", "06:00", "07:00")
				n := "please"
				_, err := b.svc.UpdateShift(b.ctx, pat, sh.ID, ShiftInput{Notes: &n})
				if err == nil {
					err = errStage // nothing recorded: reported as a "failure" with no entry
				}
				return err
			}, "", "", nil},
			{"delete", func() error {
				_, err := b.svc.DeleteShift(b.ctx, admin, s1.ID)
				return err
			}, pasched.AuditShiftDeleted, "Deleted a shift: Pat Test, Monday 4 March 2030, 06:00–12:00", pat},
			{"lock", func() error {
				st := pasched.PeriodLocked
				_, err := b.svc.UpdatePeriod(b.ctx, admin, p.ID, PeriodInput{Status: &st})
				return err
			}, pasched.AuditPeriodUpdated, "Locked period March", nil},
			{"unlock", func() error {
				st := pasched.PeriodOpen
				_, err := b.svc.UpdatePeriod(b.ctx, admin, p.ID, PeriodInput{Status: &st})
				return err
			}, pasched.AuditPeriodUpdated, "Unlocked period March", nil},
			{"a PA cannot finalise", func() error {
				_, err := b.svc.FinalizePeriod(b.ctx, pat, p.ID)
				return err
			}, "", "", nil},
			{"finalise", func() error {
				_, err := b.svc.FinalizePeriod(b.ctx, admin, p.ID)
				return err
			}, pasched.AuditPeriodFinalized, "Finalised period March: 1 pending request rejected", nil},
			{"delete the period", func() error {
				return b.svc.DeletePeriod(b.ctx, admin, p.ID)
			}, pasched.AuditPeriodDeleted, "Deleted period March", nil},
		}
		for _, st := range steps {
			before := b.auditCount()
			err := st.do()
			after := b.auditCount()
			if st.kind == "" {
				if err == nil {
					t.Fatalf("%s: succeeded", st.name)
				}
				if after != before {
					t.Errorf("%s: a refused action left %d audit entries", st.name, after-before)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if after != before+1 && st.name != "create period" {
				t.Fatalf("%s: %d new audit entries, want 1", st.name, after-before)
			}
			e := b.auditEntries(pasched.AuditFilter{Limit: 1})[0]
			if e.Kind != st.kind || !strings.HasPrefix(e.Summary, st.summary) || e.ActorID == nil || *e.ActorID != admin.ID ||
				e.ActorName != "Ada Test" || e.PeriodID == nil || *e.PeriodID != p.ID {
				t.Errorf("%s: entry %+v", st.name, e)
			}
			if st.subject != nil && (e.SubjectUserID == nil || *e.SubjectUserID != st.subject.ID) {
				t.Errorf("%s: subject %v, want %d", st.name, e.SubjectUserID, st.subject.ID)
			}
			switch st.kind {
			case pasched.AuditShiftApproved, pasched.AuditShiftApprovedOver:
				if !strings.Contains(e.Before, `"status":"PENDING"`) || !strings.Contains(e.After, `"status":"APPROVED"`) {
					t.Errorf("%s: before %s after %s", st.name, e.Before, e.After)
				}
			case pasched.AuditShiftUpdated:
				if !strings.Contains(e.Before, `"end_time":"22:00:00"`) || !strings.Contains(e.After, `"end_time":"23:00:00"`) {
					t.Errorf("%s: before %s after %s", st.name, e.Before, e.After)
				}
			case pasched.AuditShiftDeleted, pasched.AuditPeriodDeleted:
				if e.Before == "" || e.After != "" {
					t.Errorf("%s: before %q after %q", st.name, e.Before, e.After)
				}
			case pasched.AuditPeriodFinalized:
				if !strings.Contains(e.After, `"status":"FINALIZED"`) {
					t.Errorf("%s: after %s", st.name, e.After)
				}
			}
		}

		// A PA sees only the trail of their own shifts; an admin filters.
		mine, n, err := b.svc.AuditTrail(b.ctx, pat, pasched.AuditFilter{SubjectUserID: sam.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 || len(mine) != 3 {
			t.Errorf("Pat's trail: %d entries", n)
		}
		for _, e := range mine {
			if *e.SubjectUserID != pat.ID {
				t.Errorf("Pat sees %+v", e)
			}
		}
		all, n, err := b.svc.AuditTrail(b.ctx, admin, pasched.AuditFilter{PeriodID: p.ID, Kind: pasched.AuditPeriodUpdated})
		if err != nil || n != 2 || len(all) != 2 {
			t.Errorf("admin's filtered trail: %d, %v", n, err)
		}
	})
}

func TestDirectShiftForPA(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, pat, other := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Pat"), b.user(pasched.RoleAdmin, "Bo")
		b.setMaxHours(pat, 8)
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		direct := func(pa int64, day, start, end string, override bool) (*pasched.Shift, error) {
			in := input(p.ID, day, start, end)
			in.AdminDirect, in.ForPA, in.OverrideOvertime = true, &pa, override
			return b.svc.CreateShift(b.ctx, admin, in)
		}
		sh, err := direct(pat.ID, "2030-03-04", "06:00", "12:00", false)
		if err != nil {
			t.Fatal(err)
		}
		if sh.RequestedByID != pat.ID || sh.Status != pasched.ShiftApproved || sh.ApprovedByID == nil || *sh.ApprovedByID != admin.ID {
			t.Errorf("direct shift %+v", sh)
		}
		for _, tc := range []struct {
			name  string
			pa    int64
			day   string
			field string
		}{
			{"not a PA", other.ID, "2030-03-10", FieldPA},
			{"no such user", 99999, "2030-03-10", FieldPA},
			{"clash with their own shift", pat.ID, "2030-03-04", FieldTime},
			{"past the weekly limit", pat.ID, "2030-03-05", pasched.NonField},
		} {
			n := b.auditCount()
			_, err := direct(tc.pa, tc.day, "06:00", "09:00", false)
			var pe *pasched.Error
			if !errorsAs(err, &pe) || pe.Code != pasched.EINVALID || len(pe.Fields[tc.field]) == 0 {
				t.Errorf("%s: %v", tc.name, err)
			}
			if b.auditCount() != n {
				t.Errorf("%s: refused but audited", tc.name)
			}
		}
		if _, err := direct(pat.ID, "2030-03-05", "06:00", "09:00", true); err != nil {
			t.Errorf("with the override: %v", err)
		}
	})
}

func errorsAs(err error, pe **pasched.Error) bool { return errors.As(err, pe) }
