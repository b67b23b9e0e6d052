package scheduling

import (
	"strings"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func TestPAProfileValidate(t *testing.T) {
	t.Parallel()
	base := pasched.PAProfile{UserID: 1, MaxHoursPerWeek: 40, Notes: "kept"}
	for _, tc := range []struct {
		name   string
		in     PAProfileInput
		admin  bool
		fields []string
		check  func(*pasched.PAProfile) bool
	}{
		{"days ordered, repeats dropped", PAProfileInput{PreferredDays: []string{"friday", "monday", "friday"}}, false, nil,
			func(p *pasched.PAProfile) bool { return strings.Join(p.PreferredDays, ",") == "monday,friday" }},
		{"unknown day", PAProfileInput{PreferredDays: []string{"funday"}}, false, []string{FieldPreferredDays}, nil},
		{"times normalised", PAProfileInput{PreferredStart: "8:00", PreferredEnd: "16:30:00"}, false, nil,
			func(p *pasched.PAProfile) bool {
				return *p.PreferredStartTime == "08:00:00" && *p.PreferredEndTime == "16:30:00"
			}},
		{"bad time", PAProfileInput{PreferredStart: "25:00", PreferredEnd: "soon"}, false, []string{FieldPreferredStart, FieldPreferredEnd}, nil},
		{"a PA cannot change the limit or notes", PAProfileInput{MaxHoursPerWeek: 99, Notes: "mine"}, false, nil,
			func(p *pasched.PAProfile) bool { return p.MaxHoursPerWeek == 40 && p.Notes == "kept" }},
		{"admin sets the limit", PAProfileInput{MaxHoursPerWeek: 20, Notes: "n"}, true, nil,
			func(p *pasched.PAProfile) bool { return p.MaxHoursPerWeek == 20 && p.Notes == "n" }},
		{"limit too low", PAProfileInput{MaxHoursPerWeek: 0}, true, []string{FieldMaxHours}, nil},
		{"limit too high", PAProfileInput{MaxHoursPerWeek: 169}, true, []string{FieldMaxHours}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.in.validate(base, tc.admin)
			if len(tc.fields) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !tc.check(p) {
					t.Errorf("profile %+v", p)
				}
				return
			}
			pe, ok := err.(*pasched.Error)
			if !ok {
				t.Fatalf("err %v", err)
			}
			for _, f := range tc.fields {
				if len(pe.Fields[f]) == 0 {
					t.Errorf("no error on %s: %v", f, pe.Fields)
				}
			}
		})
	}
}

func FuzzPAProfileValidate(f *testing.F) {
	f.Add("monday", "08:00", "16:00", 40, "")
	f.Add("", "", "", 0, "x")
	f.Fuzz(func(t *testing.T, day, start, end string, limit int, notes string) {
		p, err := PAProfileInput{PreferredDays: []string{day}, PreferredStart: start, PreferredEnd: end, MaxHoursPerWeek: limit, Notes: notes}.
			validate(pasched.PAProfile{MaxHoursPerWeek: 40}, true)
		if err == nil && (p.MaxHoursPerWeek < 1 || p.MaxHoursPerWeek > MaxWeeklyLimit) {
			t.Fatalf("accepted limit %d", p.MaxHoursPerWeek)
		}
	})
}

func TestUpdatePAProfileRecomputesLimit(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, pat, sam := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Pat"), b.user(pasched.RolePA, "Sam")
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		for _, day := range []string{"2030-03-04", "2030-03-05"} { // 12 hours in the week of 4 March
			sh := b.request(pat, p.ID, day, "06:00", "12:00")
			if _, err := b.svc.ApproveShift(b.ctx, admin, sh.ID, ApproveInput{}); err != nil {
				t.Fatal(err)
			}
		}
		exceeds := func() bool {
			rows, err := sqlstore.FindWeeklyHoursOfPA(b.ctx, b.db, pat.ID)
			if err != nil || len(rows) != 1 || rows[0].Hundredths != 1200 {
				t.Fatalf("weekly rows %+v, %v", rows, err)
			}
			return rows[0].ExceedsLimit
		}
		if exceeds() {
			t.Fatal("12 h exceed 40 h")
		}

		// A PA changes their own preferences, not their limit; not another's.
		audited := b.auditCount()
		got, err := b.svc.UpdatePAProfile(b.ctx, pat, pat.ID, PAProfileInput{PreferredDays: []string{"tuesday"}, PreferredStart: "06:00", MaxHoursPerWeek: 5})
		if err != nil {
			t.Fatal(err)
		}
		if got.MaxHoursPerWeek != 40 || got.PreferredDays[0] != "tuesday" || exceeds() {
			t.Errorf("PA's own change: %+v", got)
		}
		if _, err := b.svc.UpdatePAProfile(b.ctx, sam, pat.ID, PAProfileInput{}); code(err) != pasched.EFORBIDDEN {
			t.Errorf("another PA: %v", err)
		}
		if n := b.auditCount(); n != audited {
			t.Errorf("%d audit entries for a PA's own changes", n-audited)
		}

		// The admin lowers the limit below the week's 12 hours, then raises it.
		for _, tc := range []struct {
			limit int
			over  bool
		}{{10, true}, {12, false}, {11, true}} {
			if _, err := b.svc.UpdatePAProfile(b.ctx, admin, pat.ID, PAProfileInput{MaxHoursPerWeek: tc.limit, PreferredDays: []string{"tuesday"}, PreferredStart: "06:00"}); err != nil {
				t.Fatal(err)
			}
			if exceeds() != tc.over {
				t.Errorf("limit %d: exceeds_limit %v", tc.limit, !tc.over)
			}
		}
		read, err := b.svc.FindPAProfile(b.ctx, pat, pat.ID)
		if err != nil || read.MaxHoursPerWeek != 11 || *read.PreferredStartTime != "06:00:00" || read.PreferredDays[0] != "tuesday" {
			t.Errorf("read back %+v, %v", read, err)
		}
		es := b.auditEntries(pasched.AuditFilter{Kind: pasched.AuditUserProfileUpdated})
		if len(es) != 3 || es[0].Summary != "Changed Pat Test's profile: weekly limit 12 → 11 hours" || *es[0].SubjectUserID != pat.ID {
			t.Errorf("audit %+v", es)
		}
		// A refused change writes nothing.
		if _, err := b.svc.UpdatePAProfile(b.ctx, admin, pat.ID, PAProfileInput{MaxHoursPerWeek: 0}); code(err) != pasched.EINVALID {
			t.Errorf("limit 0: %v", err)
		}
		if len(b.auditEntries(pasched.AuditFilter{Kind: pasched.AuditUserProfileUpdated})) != 3 {
			t.Error("a refused change was audited")
		}
	})
}
