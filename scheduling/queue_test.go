package scheduling

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func qshift(id, pa int64, d, start, end string, created int) *pasched.Shift {
	return &pasched.Shift{ID: id, RequestedByID: pa, RequestedByName: fmt.Sprintf("PA %d", pa), Date: date(d), Start: clock(start), End: clock(end),
		CreatedAt: time.Date(2030, 1, 1, 0, 0, created, 0, time.UTC)}
}

func TestBuildQueue(t *testing.T) {
	t.Parallel()
	windows := schedule.DefaultWindows()
	// Approved: PA 1 works Monday 4 March 06:00–12:00 and Sunday 3 March
	// 21:00–07:00 (into Monday's morning, in the week before).
	approved := []*pasched.Shift{
		qshift(1, 1, "2030-03-03", "21:00", "07:00", 0),
		qshift(2, 1, "2030-03-04", "06:00", "12:00", 0),
	}
	limits := map[int64]int{1: 20, 2: 40}
	for _, tc := range []struct {
		name      string
		pending   *pasched.Shift
		clash     int64 // id of the clashing approved shift, 0 none
		weekHours []int64
		over      bool
		fills     []string
	}{
		{"another PA over an approved shift", qshift(10, 2, "2030-03-04", "08:00", "10:00", 1), 2, []int64{200}, false, nil},
		{"another PA into the overnight shift's morning", qshift(11, 2, "2030-03-04", "05:00", "06:30", 1), 1, []int64{150}, false, nil},
		{"fills the evening gap", qshift(12, 2, "2030-03-05", "21:00", "22:00", 1), 0, []int64{100}, false,
			[]string{"completes Evening (9-10 PM) on Tuesday 5 March 2030"}},
		{"overnight fills the evening and the next morning", qshift(13, 2, "2030-03-05", "20:00", "09:00", 1), 0, []int64{1300}, false,
			[]string{"completes Evening (9-10 PM) on Tuesday 5 March 2030", "completes Morning (6-9 AM) on Wednesday 6 March 2030"}},
		{"part of a window", qshift(14, 2, "2030-03-06", "07:00", "08:00", 1), 0, []int64{100}, false,
			[]string{"covers part of Morning (6-9 AM) on Wednesday 6 March 2030"}},
		{"own hours past the limit", qshift(15, 1, "2030-03-06", "12:00", "21:00", 1), 0, []int64{2200}, true, nil},
		{"own hours at the limit", qshift(16, 1, "2030-03-06", "12:00", "19:00", 1), 0, []int64{2000}, false, nil},
		{"Sunday night into the next week", qshift(17, 1, "2030-03-10", "22:00", "02:00", 1), 0, []int64{1500, 200}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days := buildQueue([]*pasched.Shift{tc.pending}, approved, limits, windows)
			if len(days) != 1 || len(days[0].Items) != 1 {
				t.Fatalf("queue %+v", days)
			}
			it := days[0].Items[0]
			var clash int64
			if it.Clash != nil {
				clash = it.Clash.ID
			}
			if clash != tc.clash {
				t.Errorf("clash %d, want %d", clash, tc.clash)
			}
			var hours []int64
			for _, w := range it.Weeks {
				hours = append(hours, w.Hundredths)
			}
			if fmt.Sprint(hours) != fmt.Sprint(tc.weekHours) || it.Overtime() != tc.over {
				t.Errorf("weeks %v over %v, want %v %v", hours, it.Overtime(), tc.weekHours, tc.over)
			}
			var fills []string
			for _, f := range it.Fills {
				fills = append(fills, f.String())
			}
			if strings.Join(fills, "|") != strings.Join(tc.fills, "|") {
				t.Errorf("fills %q, want %q", fills, tc.fills)
			}
		})
	}

	// Grouped by date, earliest first; within a date, oldest request first.
	days := buildQueue([]*pasched.Shift{
		qshift(20, 2, "2030-03-05", "10:00", "11:00", 5),
		qshift(21, 2, "2030-03-05", "12:00", "13:00", 2),
		qshift(22, 2, "2030-03-07", "10:00", "11:00", 1),
	}, approved, limits, windows)
	if len(days) != 2 || days[0].Items[0].Shift.ID != 21 || days[0].Items[1].Shift.ID != 20 || days[1].Items[0].Shift.ID != 22 {
		t.Errorf("grouping: %+v", days)
	}
}

func TestApprovalQueueAndBulkApproval(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		admin, pat, sam := b.user(pasched.RoleAdmin, "Ada"), b.user(pasched.RolePA, "Pat"), b.user(pasched.RolePA, "Sam")
		b.setMaxHours(sam, 8)
		p := b.period(admin, "March", "2030-03-01", "2030-03-31")
		if _, err := b.svc.ApprovalQueue(b.ctx, pat); code(err) != pasched.EFORBIDDEN {
			t.Errorf("a PA reads the queue: %v", err)
		}
		if q, err := b.svc.ApprovalQueue(b.ctx, admin); err != nil || len(q) != 0 {
			t.Fatalf("empty queue: %v %v", q, err)
		}
		a := b.request(pat, p.ID, "2030-03-04", "06:00", "09:00")
		c := b.request(sam, p.ID, "2030-03-04", "08:00", "10:00") // clashes with a once approved
		o := b.request(sam, p.ID, "2030-03-05", "06:00", "15:00") // 9 h: past Sam's 8
		q, err := b.svc.ApprovalQueue(b.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 2 || len(q[0].Items) != 2 || q[1].Items[0].Shift.ID != o.ID || !q[1].Items[0].Overtime() || q[0].Items[0].Clash != nil {
			t.Fatalf("queue %+v", q)
		}
		res, err := b.svc.ApproveMany(b.ctx, admin, []int64{a.ID, c.ID, o.ID, a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].Err != nil || res[1].Err == nil || res[2].Err == nil {
			t.Fatalf("results %+v", res)
		}
		if !strings.Contains(res[1].Err.Error(), "Conflict detected: Pat Test") || !strings.Contains(res[2].Err.Error(), "over their limit of 8 hours") {
			t.Errorf("refusals: %v / %v", res[1].Err, res[2].Err)
		}
		q, err = b.svc.ApprovalQueue(b.ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 2 || q[0].Items[0].Clash == nil || q[0].Items[0].Clash.RequestedByName != "Pat Test" {
			t.Errorf("after approval the clash is named: %+v", q)
		}
		if _, err := b.svc.ApproveMany(b.ctx, pat, []int64{c.ID}); code(err) != pasched.EFORBIDDEN {
			t.Errorf("a PA approves: %v", err)
		}

		pv, err := b.svc.PreviewFinalize(b.ctx, admin, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 31 days: every evening uncovered, and every morning but the 4th.
		if len(pv.Uncovered) != 31 || len(pv.Pending) != 2 || fmt.Sprint(pv.Uncovered[3].Windows) != "[Evening (9-10 PM)]" ||
			fmt.Sprint(pv.Uncovered[0].Windows) != "[Morning (6-9 AM) Evening (9-10 PM)]" {
			t.Errorf("preview: %d uncovered days %+v, %d pending", len(pv.Uncovered), pv.Uncovered[:4], len(pv.Pending))
		}
		var patHours int64
		for _, h := range pv.Hours {
			if h.ID == pat.ID {
				patHours = h.ApprovedHundredths
			}
		}
		if patHours != 300 {
			t.Errorf("Pat's hours %d", patHours)
		}
		// The preview changed nothing.
		if got, _ := sqlstore.FindPeriodByID(b.ctx, b.db, p.ID); got.Status != pasched.PeriodOpen {
			t.Error("preview finalised")
		}
	})
}

func BenchmarkApprovalQueue200(b *testing.B) {
	bb := setup(b, sqlstore.SQLite)
	admin := bb.user(pasched.RoleAdmin, "Ada")
	p := bb.period(admin, "March", "2030-03-01", "2030-03-31")
	var pas []*pasched.User
	for i := 0; i < 20; i++ {
		pas = append(pas, bb.user(pasched.RolePA, fmt.Sprintf("PA%d", i)))
	}
	for i := 0; i < 200; i++ {
		day := fmt.Sprintf("2030-03-%02d", 1+i%30)
		bb.request(pas[i%20], p.ID, day, fmt.Sprintf("%02d:00", (i/30)%20), fmt.Sprintf("%02d:30", (i/30)%20))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q, err := bb.svc.ApprovalQueue(bb.ctx, admin)
		if err != nil || len(q) != 30 {
			b.Fatal(len(q), err)
		}
	}
}
