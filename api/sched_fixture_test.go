package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pasched"
	"pasched/realtime"
	"pasched/sqlstore"
)

// schedFix is an API with the contract examples' cast: Ada Admin, Alicia
// Anderson and Bob Brown, the OPEN "March 2030" and the LOCKED "April 2030".
type schedFix struct {
	*env
	t              *testing.T
	admin, alice   *pasched.User
	bob            *pasched.User
	mar, apr       int64
	marName, aprNm string
}

func newSchedFix(t *testing.T, d sqlstore.Dialect, opts ...envOpts) *schedFix {
	t.Helper()
	e := newEnv(t, d, opts...)
	f := &schedFix{env: e, t: t, marName: "March 2030", aprNm: "April 2030"}
	f.admin = e.admin("admin@example.com")
	f.alice = e.pa("alice@example.com", "Alicia", "Anderson")
	f.bob = e.pa("bob@example.com", "Bob", "Brown")
	f.mar = f.mustID(e.do("POST", "/api/schedule-periods/", map[string]any{"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, f.admin), 201)
	f.apr = f.mustID(e.do("POST", "/api/schedule-periods/", map[string]any{"name": "April 2030", "start_date": "2030-04-01", "end_date": "2030-04-30", "status": "LOCKED"}, f.admin), 201)
	e.events.take()
	return f
}

// mustID checks the status and returns the body's "id".
func (f *schedFix) mustID(r response, status int) int64 {
	f.t.Helper()
	if r.Status != status {
		f.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var v struct{ ID int64 }
	if err := json.Unmarshal(r.Body, &v); err != nil || v.ID == 0 {
		f.t.Fatalf("no id in %s", r.Body)
	}
	return v.ID
}

// request makes a PA's request through the API and returns its id.
func (f *schedFix) request(u *pasched.User, period int64, date, start, end string) int64 {
	f.t.Helper()
	return f.mustID(f.do("POST", "/api/shifts/", map[string]any{"schedule_period": period, "date": date, "start_time": start, "end_time": end}, u), 201)
}

// approve approves through the API.
func (f *schedFix) approve(id int64) {
	f.t.Helper()
	if r := f.do("POST", fmt.Sprintf("/api/shifts/%d/approve/", id), map[string]any{"override_overtime": true}, f.admin); r.Status != 200 {
		f.t.Fatalf("approve %d: %d %s", id, r.Status, r.Body)
	}
}

// shiftWant describes an expected ShiftRequestSerializer body.
type shiftWant struct {
	id, period            int64
	periodName            string
	by                    *pasched.User
	date, start, end, dur string
	status, notes         string
	adminNotes, reason    string
	approver              *pasched.User
	publicView            bool // other PAs' view: no admin_notes
}

func (w shiftWant) JSON() string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"id":%d,"schedule_period":%d,"schedule_period_name":%q,"requested_by":%d,"requested_by_name":%q,`,
		w.id, w.period, w.periodName, w.by.ID, w.by.FullName())
	fmt.Fprintf(&b, `"date":%q,"start_time":%q,"end_time":%q,"duration_hours":%q,"status":%q,"notes":%q,`,
		w.date, w.start, w.end, w.dur, w.status, w.notes)
	if !w.publicView {
		fmt.Fprintf(&b, `"admin_notes":%q,`, w.adminNotes)
	}
	fmt.Fprintf(&b, `"rejected_reason":%q,"created_at":"<ts>","updated_at":"<ts>",`, w.reason)
	if w.approver != nil {
		fmt.Fprintf(&b, `"approved_at":"<ts>","approved_by":%d,"approved_by_name":%q}`, w.approver.ID, w.approver.FullName())
	} else {
		b.WriteString(`"approved_at":null,"approved_by":null}`)
	}
	return b.String()
}

// periodWant renders an expected SchedulePeriodSerializer body.
func periodWant(id int64, name, start, end, status string, by *pasched.User, shifts int) string {
	return fmt.Sprintf(`{"id":%d,"name":%q,"start_date":%q,"end_date":%q,"status":%q,"created_by":%d,"created_by_name":%q,`+
		`"shift_count":%d,"created_at":"<ts>","updated_at":"<ts>"}`, id, name, start, end, status, by.ID, by.FullName(), shifts)
}

// expectEvents asserts the events recorded since the last take: for each,
// the owner, the full message and the public one ("" for none).
func expectEvents(t *testing.T, got []realtime.Event, want ...evWant) {
	t.Helper()
	if len(got) != len(want) {
		var s []string
		for _, ev := range got {
			s = append(s, string(ev.Full))
		}
		t.Fatalf("%d events, want %d:\n%s", len(got), len(want), strings.Join(s, "\n"))
	}
	for i, w := range want {
		if got[i].PeriodID != w.period || got[i].OwnerID != w.owner {
			t.Fatalf("event %d: period %d owner %d, want %d %d", i, got[i].PeriodID, got[i].OwnerID, w.period, w.owner)
		}
		expect(t, response{Status: 200, Body: got[i].Full}, 200, w.full)
		if w.public == "" {
			if got[i].Public != nil {
				t.Fatalf("event %d: public %s, want none", i, got[i].Public)
			}
			continue
		}
		expect(t, response{Status: 200, Body: got[i].Public}, 200, w.public)
	}
}

type evWant struct {
	period, owner int64
	full, public  string
}
