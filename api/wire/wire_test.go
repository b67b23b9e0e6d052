package wire

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
)

// FuzzShift: any shift renders to valid JSON; the public view is the full
// one without admin_notes, nothing else.
func FuzzShift(f *testing.F) {
	f.Add("March 2030", "Alicia Anderson", "Morning <block> & \"more\"", "\u2028x\xffy", int64(90061500000), true)
	f.Add("", "", "", "", int64(0), false)
	f.Add("tab\tnew\nline\x01", "é😀", "\\", "</script>", int64(86399999999), true)
	f.Fuzz(func(t *testing.T, period, name, notes, admin string, us int64, approved bool) {
		start := schedule.Clock(0, 0, 0)
		if us >= 0 {
			start, _ = schedule.NewTime(int(us/3600e6%24), int(us/60e6%60), int(us/1e6%60), int(us%1e6))
		}
		now := time.Date(int(2030+us%7000), time.Month(1+us%12), int(1+us%28), int(us%24), int(us%60), int(us%59), int(us%1e9), time.UTC)
		sh := &pasched.Shift{ID: us, PeriodID: 7, PeriodName: period, RequestedByID: 3, RequestedByName: name,
			Date: schedule.MustDate(2030, 3, 2), Start: start, End: schedule.Clock(9, 0, 0), DurationHundredths: us % 2401 * (1 - 2*(us%2)),
			Status: pasched.ShiftPending, Notes: notes, AdminNotes: admin, RejectedReason: name + notes, CreatedAt: now, UpdatedAt: now}
		if approved {
			by := int64(1)
			sh.Status, sh.ApprovedAt, sh.ApprovedByID, sh.ApprovedByName = pasched.ShiftApproved, &now, &by, admin
		}
		full, err := json.Marshal(NewShift(sh, false))
		if err != nil || !json.Valid(full) {
			t.Fatalf("full: %v %s", err, full)
		}
		public, err := json.Marshal(NewShift(sh, true))
		if err != nil {
			t.Fatal(err)
		}
		notesJSON, _ := json.Marshal(admin)
		if want := strings.Replace(string(full), `,"admin_notes":`+string(notesJSON), "", 1); string(public) != want {
			t.Fatalf("public\n got %s\nwant %s", public, want)
		}
		if strings.Contains(string(full), `"approved_by_name"`) != approved {
			t.Fatalf("approved_by_name present %v for approved %v: %s", !approved, approved, full)
		}
	})
}
