package wire

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
)

// plainShiftJSON is Shift without its methods: what encoding/json
// renders by reflection.
type plainShiftJSON Shift

// FuzzShiftJSON checks that the hand-written encoder gives exactly the
// bytes of encoding/json, whatever the text fields hold.
func FuzzShiftJSON(f *testing.F) {
	f.Add("March 2030", "Alicia Anderson", "Morning <block> & \"more\"", "\u2028x\xffy", int64(90061500000), true, true)
	f.Add("", "", "", "", int64(0), false, false)
	f.Add("tab\tnew\nline\x01", "é😀", "\\", "</script>", int64(86399999999), true, false)
	f.Fuzz(func(t *testing.T, period, name, notes, admin string, us int64, approved, public bool) {
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
		j := NewShift(sh, public)
		want, err := json.Marshal(plainShiftJSON(j))
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
		}
		if direct := AppendShift(nil, sh, public); !bytes.Equal(direct, want) {
			t.Fatalf("AppendShift\n got %s\nwant %s", direct, want)
		}
	})
}
