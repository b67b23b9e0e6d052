package realtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
)

// stagedBroker keeps what is staged.
type stagedBroker struct{ evs []Event }

func (b *stagedBroker) Stage(_ context.Context, _ Tx, ev Event) error {
	b.evs = append(b.evs, ev)
	return nil
}
func (b *stagedBroker) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// TestPublisherRenders: domain events become the seed's messages, in full
// and as other PAs may see them, with the routing the use case chose.
func TestPublisherRenders(t *testing.T) {
	at := time.Date(2030, 3, 1, 8, 0, 0, 0, time.UTC)
	sh := &pasched.Shift{ID: 5, PeriodID: 7, PeriodName: "March", RequestedByID: 2, RequestedByName: "Alice A",
		Date: schedule.MustDate(2030, 3, 2), Start: schedule.Clock(6, 0, 0), End: schedule.Clock(9, 0, 0),
		DurationHundredths: 300, Status: pasched.ShiftPending, Notes: "n", AdminNotes: "secret", CreatedAt: at, UpdatedAt: at}
	approved := *sh
	by := int64(1)
	approved.Status, approved.ApprovedAt, approved.ApprovedByID, approved.ApprovedByName = pasched.ShiftApproved, &at, &by, "Ada A"
	moved := approved
	moved.Start, moved.DurationHundredths, moved.AdminNotes = schedule.Clock(7, 0, 0), 200, "changed"
	shiftJSON := `{"id":5,"schedule_period":7,"schedule_period_name":"March","requested_by":2,"requested_by_name":"Alice A",` +
		`"date":"2030-03-02","start_time":"06:00:00","end_time":"09:00:00","duration_hours":"3.00","status":"PENDING","notes":"n",` +
		`"admin_notes":"secret","rejected_reason":"","created_at":"2030-03-01T08:00:00Z","updated_at":"2030-03-01T08:00:00Z",` +
		`"approved_at":null,"approved_by":null}`
	movedPublic := `{"id":5,"schedule_period":7,"schedule_period_name":"March","requested_by":2,"requested_by_name":"Alice A",` +
		`"date":"2030-03-02","start_time":"07:00:00","end_time":"09:00:00","duration_hours":"2.00","status":"APPROVED","notes":"n",` +
		`"rejected_reason":"","created_at":"2030-03-01T08:00:00Z","updated_at":"2030-03-01T08:00:00Z",` +
		`"approved_at":"2030-03-01T08:00:00Z","approved_by":1,"approved_by_name":"Ada A"}`
	movedFull := strings.Replace(movedPublic, `"notes":"n",`, `"notes":"n","admin_notes":"changed",`, 1)
	cov := &pasched.DayCoverage{Date: schedule.MustDate(2030, 3, 2), Windows: []schedule.WindowCoverage{{Covered: true, ShiftID: 5}, {}}}
	for _, c := range []struct {
		name         string
		ev           pasched.Event
		full, public string
	}{
		{"requested: owner and admins only",
			pasched.Event{Kind: pasched.EventShiftRequested, PeriodID: 7, OwnerID: 2, Shift: sh, Message: "m"},
			`{"type":"shift.requested","shift":` + shiftJSON + `,"message":"m"}`, ""},
		{"updated: the public message leaves admin notes out, changes included",
			pasched.Event{Kind: pasched.EventShiftUpdated, PeriodID: 7, OwnerID: 2, Public: true, Shift: &moved, Before: &approved, Message: "u"},
			`{"type":"shift.updated","shift":` + movedFull + `,"changes":{"admin_notes":{"old":"secret","new":"changed"},"duration_hours":{"old":"3.00","new":"2.00"},"start_time":{"old":"06:00:00","new":"07:00:00"}},"message":"u"}`,
			`{"type":"shift.updated","shift":` + movedPublic + `,"changes":{"duration_hours":{"old":"3.00","new":"2.00"},"start_time":{"old":"06:00:00","new":"07:00:00"}},"message":"u"}`},
		{"deleted",
			pasched.Event{Kind: pasched.EventShiftDeleted, PeriodID: 7, OwnerID: 2, Public: true, Shift: &approved, Message: "d"},
			`{"type":"shift.deleted","shift_id":5,"message":"d"}`, `{"type":"shift.deleted","shift_id":5,"message":"d"}`},
		{"coverage",
			pasched.Event{Kind: pasched.EventCoverageAlert, PeriodID: 7, Date: cov.Date, Coverage: cov, Message: "c"},
			`{"type":"coverage.alert","date":"2030-03-02","coverage":{"morning_covered":true,"evening_covered":false,"status":"partial",` +
				`"windows":[{"start":"00:00:00","end":"00:00:00","covered":true,"shift_id":5},{"start":"00:00:00","end":"00:00:00","covered":false,"shift_id":null}]},"message":"c"}`, ""},
		{"revocation carries no message",
			pasched.Event{RevokeUserID: 9, Message: "ignored"}, "", ""},
	} {
		b := &stagedBroker{}
		if err := NewPublisher(b).Stage(context.Background(), &fakeTx{}, c.ev); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := b.evs[0]
		if string(got.Full) != c.full || string(got.Public) != c.public {
			t.Errorf("%s:\nfull   %s\nwant   %s\npublic %s\nwant   %s", c.name, got.Full, c.full, got.Public, c.public)
		}
		if got.PeriodID != c.ev.PeriodID || got.OwnerID != c.ev.OwnerID || got.RevokeUserID != c.ev.RevokeUserID {
			t.Errorf("%s: routing %+v", c.name, got)
		}
	}
}
