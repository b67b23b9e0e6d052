package scheduling

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"pasched"
	"pasched/realtime"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// The event types as the tests compare them: the seed's "type" strings.
const (
	EventShiftRequested  = string(pasched.EventShiftRequested)
	EventShiftApproved   = string(pasched.EventShiftApproved)
	EventShiftRejected   = string(pasched.EventShiftRejected)
	EventShiftUpdated    = string(pasched.EventShiftUpdated)
	EventCoverageAlert   = string(pasched.EventCoverageAlert)
	EventPeriodFinalized = string(pasched.EventPeriodFinalized)
)

// types returns the "type" of each event's full message.
func types(t *testing.T, evs []realtime.Event) []string {
	t.Helper()
	out := make([]string, len(evs))
	for i, ev := range evs {
		var m struct{ Type string }
		if err := json.Unmarshal(ev.Full, &m); err != nil {
			t.Fatal(err)
		}
		out[i] = m.Type
	}
	return out
}

func eq(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// committedBroker checks, when an event is delivered, that the change is
// visible to another connection: events come after commit.
type committedBroker struct {
	recorder
	check func() error
	errs  []error
}

func (c *committedBroker) Stage(ctx context.Context, tx realtime.Tx, ev realtime.Event) error {
	tx.AfterCommit(func() {
		if err := c.check(); err != nil {
			c.errs = append(c.errs, err)
		}
	})
	return c.recorder.Stage(ctx, tx, ev)
}

func TestEventsAfterCommitOnly(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		alice := b.user(pasched.RolePA, "Alice")
		bob := b.user(pasched.RolePA, "Bob")
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		sh := b.request(alice, p.ID, "2030-03-02", "21:00", "09:00")
		other := b.request(bob, p.ID, "2030-03-03", "08:00", "10:00")
		if got := types(t, b.rec.take()); !eq(got, []string{EventShiftRequested, EventShiftRequested}) {
			t.Fatalf("request events %v", got)
		}
		jobsBefore := len(b.emailJobs())

		// A failure after the first event was staged rolls everything back:
		// no event, no email, no change.
		b.rec.failAt = b.rec.calls + 2
		_, err := b.svc.ApproveShift(b.ctx, admin, sh.ID, ApproveInput{})
		if !errors.Is(err, errStage) {
			t.Fatalf("approve: %v, want the staging failure", err)
		}
		if evs := b.rec.take(); len(evs) != 0 {
			t.Fatalf("rolled-back approval published %v", types(t, evs))
		}
		if n := len(b.emailJobs()); n != jobsBefore {
			t.Fatalf("rolled-back approval enqueued %d emails", n-jobsBefore)
		}
		if got, _ := sqlstore.FindShiftByID(b.ctx, b.db, sh.ID); got.Status != pasched.ShiftPending {
			t.Fatalf("rolled-back approval left status %s", got.Status)
		}
		if cov, _ := sqlstore.FindAllCoverage(b.ctx, b.db); len(cov) != 0 {
			t.Fatalf("rolled-back approval left coverage rows %v", cov)
		}
		b.rec.failAt = 0

		// A committed approval publishes each event once, after commit.
		cb := &committedBroker{check: func() error {
			got, err := sqlstore.FindShiftByID(context.Background(), b.db, sh.ID)
			if err != nil {
				return err
			}
			if got.Status != pasched.ShiftApproved {
				return errors.New("event delivered before its change was committed")
			}
			return nil
		}}
		b.svc.Events = realtime.NewPublisher(cb)
		if _, err := b.svc.ApproveShift(b.ctx, admin, sh.ID, ApproveInput{AdminNotes: ptr("fine")}); err != nil {
			t.Fatal(err)
		}
		if len(cb.errs) > 0 {
			t.Fatal(cb.errs)
		}
		evs := cb.take()
		if got := types(t, evs); !eq(got, []string{EventShiftApproved, EventCoverageAlert, EventCoverageAlert}) {
			t.Fatalf("approve events %v", got)
		}
		// The PA and admins get admin_notes; other PAs see the approved
		// calendar entry without them.
		if !strings.Contains(string(evs[0].Full), `"admin_notes":"fine"`) || strings.Contains(string(evs[0].Public), "admin_notes") {
			t.Fatalf("approved event full %s public %s", evs[0].Full, evs[0].Public)
		}
		if evs[0].OwnerID != alice.ID || evs[0].PeriodID != p.ID || evs[1].OwnerID != 0 {
			t.Fatalf("routing %+v %+v", evs[0], evs[1])
		}
		var alert struct {
			Date     string
			Coverage struct {
				MorningCovered bool   `json:"morning_covered"`
				EveningCovered bool   `json:"evening_covered"`
				Status         string `json:"status"`
			}
		}
		json.Unmarshal(evs[2].Full, &alert)
		if alert.Date != "2030-03-03" || !alert.Coverage.MorningCovered || alert.Coverage.EveningCovered || alert.Coverage.Status != "partial" {
			t.Fatalf("overnight shift's next-morning alert %s", evs[2].Full)
		}
		// Nothing changes coverage: no alert.
		if _, err := b.svc.UpdateShift(b.ctx, admin, sh.ID, ShiftInput{Notes: ptr("n")}); err != nil {
			t.Fatal(err)
		}
		if got := types(t, cb.take()); !eq(got, []string{EventShiftUpdated}) {
			t.Fatalf("notes edit events %v", got)
		}
		// A refused change publishes nothing.
		if _, err := b.svc.ApproveShift(b.ctx, admin, other.ID, ApproveInput{}); code(err) != pasched.ECONFLICT {
			t.Fatalf("conflicting approval: %v", err)
		}
		if evs := cb.take(); len(evs) != 0 {
			t.Fatalf("refused approval published %v", types(t, evs))
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestEmailsInTransaction(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin := b.user(pasched.RoleAdmin, "Ada")
		admin2 := b.user(pasched.RoleAdmin, "Abe")
		gone := b.user(pasched.RoleAdmin, "Gone")
		alice := b.user(pasched.RolePA, "Alice")
		bob := b.user(pasched.RolePA, "Bob")
		if _, err := b.db.SQL().Exec(`UPDATE users SET is_active = $1 WHERE id = $2`, false, gone.ID); err != nil {
			t.Fatal(err)
		}
		p := b.period(admin, "March 2030", "2030-03-01", "2030-03-31")
		in := input(p.ID, "2030-03-02", "21:00", "09:00")
		in.Notes = ptr("Evening please")
		sh, err := b.svc.CreateShift(b.ctx, alice, in)
		if err != nil {
			t.Fatal(err)
		}
		clash := b.request(bob, p.ID, "2030-03-03", "08:00", "10:00")
		// One email per admin, each with their own settings (issue 14).
		jobs := b.emailJobs()[:2]
		for i, a := range []*pasched.User{admin, admin2} {
			if len(jobs) != 2 || strings.Join(jobs[i].To, ",") != a.Email || jobs[i].UserID != a.ID || jobs[i].Notify != pasched.NotifyNewRequest ||
				jobs[i].Subject != "🔔 New Shift Request from Alice Test" || !strings.Contains(jobs[i].Text, "PA Notes: Evening please") ||
				!strings.Contains(jobs[i].Text, "Time: 09:00 PM - 09:00 AM") {
				t.Fatalf("new request email %d %+v", i, jobs)
			}
		}
		// Direct creations email nobody (as the seed).
		direct := input(p.ID, "2030-03-10", "06:00", "09:00")
		direct.AdminDirect = true
		if _, err := b.svc.CreateShift(b.ctx, admin, direct); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.ApproveShift(b.ctx, admin, sh.ID, ApproveInput{AdminNotes: ptr("See you")}); err != nil {
			t.Fatal(err)
		}
		jobs = b.emailJobs()
		if len(jobs) != 5 || jobs[4].To[0] != alice.Email || jobs[4].Subject != "✅ Shift Approved: Mar 02, 2030" ||
			!strings.Contains(jobs[4].Text, "Admin Notes: See you") || !strings.Contains(jobs[4].Text, "approved by Ada Test") {
			t.Fatalf("approved email %+v", jobs[len(jobs)-1])
		}
		r := b.request(bob, p.ID, "2030-03-05", "10:00", "12:00")
		if _, err := b.svc.RejectShift(b.ctx, admin, r.ID, "Too many PAs that day"); err != nil {
			t.Fatal(err)
		}
		jobs = b.emailJobs()
		if len(jobs) != 8 || jobs[7].To[0] != bob.Email || !strings.Contains(jobs[7].Text, "Too many PAs that day") {
			t.Fatalf("rejected email %+v", jobs[len(jobs)-1])
		}
		// A refused approval enqueues nothing.
		n := len(b.emailJobs())
		if _, err := b.svc.ApproveShift(b.ctx, admin, clash.ID, ApproveInput{}); code(err) != pasched.ECONFLICT {
			t.Fatalf("clash: %v", err)
		}
		if len(b.emailJobs()) != n {
			t.Fatal("refused approval enqueued an email")
		}
		// Finalising rejects the pending request (email + event) and
		// emails every active PA their own summary.
		b.rec.take()
		res, err := b.svc.FinalizePeriod(b.ctx, admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rejected != 1 {
			t.Fatalf("rejected %d", res.Rejected)
		}
		jobs = b.emailJobs()[n:]
		if len(jobs) != 3 {
			t.Fatalf("finalize emails %+v", jobs)
		}
		if jobs[0].To[0] != bob.Email || !strings.Contains(jobs[0].Text, FinalizedReason) {
			t.Fatalf("auto-rejection email %+v", jobs[0])
		}
		if jobs[1].To[0] != alice.Email || jobs[1].Subject != "📅 Schedule Finalized: March 2030" ||
			!strings.Contains(jobs[1].Text, "Your Approved Shifts: 1 (12.00 hours)") {
			t.Fatalf("alice's finalized email %+v", jobs[1])
		}
		if jobs[2].To[0] != bob.Email || !strings.Contains(jobs[2].Text, "Requests Not Approved: 1") {
			t.Fatalf("bob's finalized email %+v", jobs[2])
		}
		if got := types(t, b.rec.take()); !eq(got, []string{EventShiftRejected, EventPeriodFinalized}) {
			t.Fatalf("finalize events %v", got)
		}
		if _, err := b.svc.FinalizePeriod(b.ctx, admin, p.ID); code(err) != pasched.EINVALID {
			t.Fatalf("second finalize: %v", err)
		}
		if len(b.emailJobs()) != n+3 {
			t.Fatal("a refused finalize enqueued emails")
		}
	})
}
