package coverage

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func offerInput(d, start, end string, pas ...*pasched.User) OfferInput {
	dd, s, e := date(d), clock(start), clock(end)
	in := OfferInput{Date: &dd, Start: &s, End: &e}
	for _, p := range pas {
		in.PAIDs = append(in.PAIDs, p.ID)
	}
	return in
}

// TestOfferRace: 20 PAs accept one offer at once, through two instances:
// one shift, 19 polite refusals, no overlap, every other PA told it was
// filled.
func TestOfferRace(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		b.period("2030-03-01", "2030-03-31")
		var pas []*pasched.User
		for i := 0; i < 20; i++ {
			pas = append(pas, b.user(pasched.RolePA, fmt.Sprintf("PA%02d", i)))
		}
		o, err := b.svc.CreateOffer(b.ctx, b.admin, offerInput("2030-03-05", "06:00", "09:00", pas...))
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Recipients) != 20 || !o.ExpiresAt.Equal(time.Date(2030, 3, 5, 6, 0, 0, 0, time.UTC)) {
			t.Fatalf("offer %+v", o)
		}
		if n := len(b.emailsOf("cover_offer:")); n != 20 {
			t.Fatalf("%d offer emails", n)
		}
		// Half the PAs go through another instance's service.
		twin := b.twin()
		results := make([]*AcceptResult, len(pas))
		errs := make([]error, len(pas))
		var ready, wg sync.WaitGroup
		gate := make(chan struct{})
		for i, pa := range pas {
			ready.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-gate
				svc := b.svc
				if i%2 == 1 {
					svc = twin
				}
				results[i], errs[i] = svc.AcceptOffer(b.ctx, pa, o.ID)
			}()
		}
		ready.Wait()
		close(gate)
		wg.Wait()
		var winner *pasched.User
		refused := 0
		for i, r := range results {
			if errs[i] != nil {
				t.Fatalf("PA %d: %v", i, errs[i])
			}
			if r.Accepted {
				if winner != nil {
					t.Fatalf("two winners: %s and %s", winner.FirstName, pas[i].FirstName)
				}
				winner = pas[i]
				if r.Shift == nil || r.Shift.Status != pasched.ShiftApproved || r.Shift.RequestedByID != pas[i].ID {
					t.Errorf("winner's shift %+v", r.Shift)
				}
				continue
			}
			refused++
			if r.Reason != RefusedFilled || !strings.HasPrefix(r.Message, "Thank you") {
				t.Errorf("refusal %q: %q", r.Reason, r.Message)
			}
		}
		if winner == nil || refused != 19 {
			t.Fatalf("winner %v, %d refused", winner, refused)
		}
		if n := b.count(`SELECT COUNT(*) FROM shift_requests WHERE date = $1 AND status = $2`, "2030-03-05", pasched.ShiftApproved); n != 1 {
			t.Errorf("%d approved shifts on the date", n)
		}
		stored, err := b.svc.FindOffer(b.ctx, b.admin, o.ID)
		if err != nil || stored.Status != pasched.OfferFilled || *stored.FilledBy != winner.ID {
			t.Errorf("stored offer %+v, %v", stored, err)
		}
		cov, err := sqlstore.FindCoverage(b.ctx, b.db, []schedule.Date{date("2030-03-05")})
		if err != nil || !cov[date("2030-03-05")].Morning().Covered {
			t.Errorf("coverage not recomputed: %+v, %v", cov, err)
		}
		filled := b.emailsOf("cover_offer_filled:")
		if len(filled) != 19 {
			t.Errorf("%d filled emails", len(filled))
		}
		for _, e := range filled {
			if e.To[0] == winner.Email || !strings.Contains(e.Text, "has now been covered") {
				t.Errorf("filled email to %v: %s", e.To, e.Text)
			}
		}
		if n := b.count(`SELECT COUNT(*) FROM audit_log WHERE kind = $1 AND actor_id = $2`, pasched.AuditCoverOfferAccepted, winner.ID); n != 1 {
			t.Errorf("%d audit entries of the acceptance", n)
		}
		if n := b.count(`SELECT COUNT(*) FROM audit_log WHERE kind = $1`, pasched.AuditCoverOfferAccepted); n != 1 {
			t.Errorf("%d acceptances in the audit trail, want one", n)
		}
		if n := len(b.emailsOf("shift_approved:")); n != 1 {
			t.Errorf("%d approval emails", n)
		}
		if ty := b.rec.types(); len(ty) < 2 || ty[0] != "shift.approved" || ty[1] != "coverage.alert" {
			t.Errorf("events %v", ty)
		}
		// A late acceptance is refused the same way.
		r, err := b.svc.AcceptOffer(b.ctx, pas[0], o.ID)
		if err != nil || (r.Accepted != (pas[0] == winner)) && r.Reason != RefusedFilled {
			t.Errorf("late: %+v, %v", r, err)
		}
	})
}

func TestOfferRules(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		p := b.period("2030-03-01", "2030-03-31")
		alice, bob, cara, dan, eve := b.user(pasched.RolePA, "Alice"), b.user(pasched.RolePA, "Bob"),
			b.user(pasched.RolePA, "Cara"), b.user(pasched.RolePA, "Dan"), b.user(pasched.RolePA, "Eve")
		b.approved(dan, p, "2030-03-05", "05:00", "06:30") // covers the start of the morning
		b.request(eve, p, "2030-03-06", "22:00", "07:00")  // a pending night: Eve is busy on the 7th's morning

		for _, tc := range []struct {
			name  string
			u     *pasched.User
			in    OfferInput
			code  string
			field string
			msg   string
		}{
			{"a PA cannot offer", alice, offerInput("2030-03-05", "06:30", "09:00"), pasched.EFORBIDDEN, "", "permission"},
			{"zero length", b.admin, offerInput("2030-03-05", "06:30", "06:30"), pasched.EINVALID, "end_time", "must differ"},
			{"already started", b.admin, offerInput("2030-03-04", "04:00", "09:00"), pasched.EINVALID, pasched.NonField, "already started"},
			{"no period", b.admin, offerInput("2030-04-02", "06:00", "09:00"), pasched.EINVALID, "date", "No schedule period includes 2030-04-02"},
			{"overlaps an approved shift", b.admin, offerInput("2030-03-05", "06:00", "09:00"), pasched.EINVALID, pasched.NonField, "2030-03-05 05:00–06:30"},
			{"a PA with a clash", b.admin, offerInput("2030-03-07", "06:00", "09:00", alice, eve), pasched.EINVALID, "pa_ids",
				"Eve Test cannot take this slot: has a shift 2030-03-06 22:00–07:00."},
			{"an unknown PA", b.admin, OfferInput{Date: offerInput("2030-03-07", "06:00", "09:00").Date,
				Start: offerInput("2030-03-07", "06:00", "09:00").Start, End: offerInput("2030-03-07", "06:00", "09:00").End,
				PAIDs: []int64{b.admin.ID}}, pasched.EINVALID, "pa_ids", fmt.Sprintf("No active PA has the id %d.", b.admin.ID)},
		} {
			_, err := b.svc.CreateOffer(b.ctx, tc.u, tc.in)
			e, _ := err.(*pasched.Error)
			if code(err) != tc.code || e == nil {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
				continue
			}
			msg := e.Message
			if tc.code == pasched.EINVALID {
				msg = strings.Join(e.Fields[tc.field], " ")
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("%s: %q lacks %q", tc.name, msg, tc.msg)
			}
		}

		// Nobody named: the three best ranked. Dan (busy 05:00–06:30) is
		// free from 06:30 too, so four are free; Eve's night clashes on the 7th
		// only.
		o, err := b.svc.CreateOffer(b.ctx, b.admin, offerInput("2030-03-05", "06:30", "09:00"))
		if err != nil {
			t.Fatal(err)
		}
		if len(o.Recipients) != DefaultOfferRecipients {
			t.Fatalf("recipients %v", o.Recipients)
		}
		email := b.emailsOf(fmt.Sprintf("cover_offer:%d:", o.ID))[0]
		if email.Subject != "Can you cover Tuesday 5 March 2030, 06:30–09:00?" ||
			!strings.Contains(email.Text, fmt.Sprintf("http://frontend.test/offers/%d", o.ID)) {
			t.Errorf("offer email %q:\n%s", email.Subject, email.Text)
		}
		// Someone not asked cannot see or take it.
		var outsider *pasched.User
		for _, u := range []*pasched.User{alice, bob, cara, dan, eve} {
			if !o.HasRecipient(u.ID) {
				outsider = u
				break
			}
		}
		if _, err := b.svc.AcceptOffer(b.ctx, outsider, o.ID); code(err) != pasched.ENOTFOUND {
			t.Errorf("outsider accept: %v", err)
		}
		if _, err := b.svc.FindOffer(b.ctx, outsider, o.ID); code(err) != pasched.ENOTFOUND {
			t.Errorf("outsider read: %v", err)
		}

		// A recipient who has since got a clash is refused by the rules, and
		// the offer stays open for the next.
		first, second := recipientUser(o, 0, alice, bob, cara, dan, eve), recipientUser(o, 1, alice, bob, cara, dan, eve)
		b.request(first, p, "2030-03-05", "08:00", "12:00")
		r, err := b.svc.AcceptOffer(b.ctx, first, o.ID)
		if err != nil || r.Accepted || r.Reason != RefusedUnavailable || !strings.Contains(r.Message, "You already have a shift") &&
			!strings.Contains(r.Message, "already has a shift") {
			t.Fatalf("clashing accept: %+v, %v", r, err)
		}
		r, err = b.svc.AcceptOffer(b.ctx, second, o.ID)
		if err != nil || !r.Accepted || r.Shift.Start != clock("06:30") {
			t.Fatalf("second accept: %+v, %v", r, err)
		}

		// Offers close when the slot starts.
		late, err := b.svc.CreateOffer(b.ctx, b.admin, offerInput("2030-03-04", "21:00", "22:00", alice))
		if err != nil {
			t.Fatal(err)
		}
		b.setNow(time.Date(2030, 3, 4, 21, 0, 0, 0, time.UTC))
		r, err = b.svc.AcceptOffer(b.ctx, alice, late.ID)
		if err != nil || r.Accepted || r.Reason != RefusedExpired {
			t.Errorf("expired accept: %+v, %v", r, err)
		}
		if got, _ := b.svc.FindOffer(b.ctx, alice, late.ID); got.StatusAt(b.clock()) != pasched.OfferExpired {
			t.Errorf("status %s", got.StatusAt(b.clock()))
		}
		list, err := b.svc.Offers(b.ctx, alice)
		if err != nil || len(list) == 0 || list[0].ID != late.ID {
			t.Errorf("Alice's offers %v, %v", list, err)
		}
	})
}

// recipientUser returns the i-th recipient of o among users.
func recipientUser(o *pasched.CoverOffer, i int, users ...*pasched.User) *pasched.User {
	for _, u := range users {
		if u.ID == o.Recipients[i].PAID {
			return u
		}
	}
	return nil
}
