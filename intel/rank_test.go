package intel

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pasched/schedule"
)

// The slot of the ranking tests: Tuesday 5 March 2030, 06:00–09:00.
var tuesdayMorning = rule("2030-03-05", "06:00", "09:00")

// base is a PA with nothing for or against them: 40 h limit, no
// preferences, no history, fully reliable, never asked. Their score is
// 20 (37 h left, capped) + 5 (reliability 100%) = 25.
func base(id int64) Candidate {
	return Candidate{PAID: id, Name: fmt.Sprintf("PA %d", id), MaxHours: 40, ReliabilityHundredths: 10000}
}

func find(t *testing.T, ss []Suggestion, id int64) Suggestion {
	t.Helper()
	for _, s := range ss {
		if s.PAID == id {
			return s
		}
	}
	t.Fatalf("PA %d not suggested: %v", id, ss)
	return Suggestion{}
}

func TestRankBase(t *testing.T) {
	got, excluded := Rank(tuesdayMorning, []Candidate{base(1)})
	if len(got) != 1 || len(excluded) != 0 {
		t.Fatalf("got %v, excluded %v", got, excluded)
	}
	s := got[0]
	if s.Score != 25 {
		t.Errorf("score %d, want 25", s.Score)
	}
	if want := "free; 37 h left this week; reliability 100%; light recent load: 0 h in the 7 days before"; s.Why != want {
		t.Errorf("why %q\nwant %q", s.Why, want)
	}
}

// TestRankEachReason: each reason, given to one of two otherwise equal PAs,
// moves them by the documented points and puts them first (or last for a
// penalty), with its words in the why.
func TestRankEachReason(t *testing.T) {
	later := func(date string, start, end string) schedule.Shift { return rule(date, start, end) }
	cases := []struct {
		name   string
		change func(c *Candidate)
		delta  int
		reason string
	}{
		{"fewer hours left this week", func(c *Candidate) {
			// 25 h later in the same week: 12 h left after the slot.
			c.Approved = []schedule.Shift{later("2030-03-07", "08:00", "20:30"), later("2030-03-08", "08:00", "20:30")}
		}, 12 - 20, "12 h left this week"},
		{"a preferred day", func(c *Candidate) { c.PreferredDays = []string{"monday", "tuesday"} }, PreferredDayPoints, "prefers Tuesdays"},
		{"preferred hours holding the slot", func(c *Candidate) {
			s, e := clock("05:00"), clock("12:00")
			c.PreferredStart, c.PreferredEnd = &s, &e
		}, PreferredTimePoints, "prefers 05:00–12:00"},
		{"preferred night hours from the day before", func(c *Candidate) {
			s, e := clock("22:00"), clock("10:00")
			c.PreferredStart, c.PreferredEnd = &s, &e
		}, PreferredTimePoints, "prefers 22:00–10:00"},
		{"usually works that slot", func(c *Candidate) {
			// Four Tuesday mornings 2–5 weeks back (outside the recent load).
			for _, d := range []string{"2030-01-29", "2030-02-05", "2030-02-12", "2030-02-19"} {
				c.Approved = append(c.Approved, later(d, "07:00", "10:00"))
			}
		}, 4 * PointsPerPastSlot, "usually works Tuesday mornings"},
		{"worked that slot once, by a night from Monday", func(c *Candidate) {
			c.Approved = []schedule.Shift{later("2030-02-18", "22:00", "07:00")}
		}, PointsPerPastSlot, "worked Tuesday mornings once in the last 12 weeks"},
		{"less reliable", func(c *Candidate) { c.ReliabilityHundredths = 6000 }, 1 - 5, "reliability 60%"},
		{"busy lately", func(c *Candidate) {
			// 40 h in the week before, afternoons (not the slot's time).
			for _, d := range []string{"2030-02-26", "2030-02-27", "2030-02-28", "2030-03-01", "2030-03-02"} {
				c.Approved = append(c.Approved, later(d, "12:00", "20:00"))
			}
		}, -40 / RecentLoadHoursPerPoint, "busy lately: 40 h in the 7 days before"},
		{"asked recently (the fairness guard)", func(c *Candidate) { c.RecentOffers = 2 }, -2 * RecentOfferPenalty,
			"asked to cover twice in the last 14 days"},
		{"asked very often: the penalty is capped", func(c *Candidate) { c.RecentOffers = 9 }, -MaxRecentOfferPenalty,
			"asked to cover 9 times in the last 14 days"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base(1), base(2)
			tc.change(&b)
			got, excluded := Rank(tuesdayMorning, []Candidate{a, b})
			if len(excluded) != 0 || len(got) != 2 {
				t.Fatalf("got %v, excluded %v", got, excluded)
			}
			sa, sb := find(t, got, 1), find(t, got, 2)
			if d := sb.Score - sa.Score; d != tc.delta {
				t.Errorf("score moved by %d, want %d (%q vs %q)", d, tc.delta, sb.Why, sa.Why)
			}
			if !strings.Contains(sb.Why, tc.reason) {
				t.Errorf("why %q lacks %q", sb.Why, tc.reason)
			}
			first := got[0].PAID
			if tc.delta > 0 && first != 2 || tc.delta < 0 && first != 1 {
				t.Errorf("first is PA %d after a change of %+d", first, tc.delta)
			}
			sum := 0
			for _, p := range sb.Parts {
				sum += p.Points
			}
			if sum != sb.Score {
				t.Errorf("parts sum to %d, score %d", sum, sb.Score)
			}
		})
	}
}

func TestRankNeverSuggests(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *Candidate)
		reason string
	}{
		{"a pending shift overlapping", func(c *Candidate) { c.Busy = []schedule.Shift{rule("2030-03-05", "08:00", "10:00")} }, "has a shift 2030-03-05 08:00–10:00"},
		{"a night from the day before running into the slot", func(c *Candidate) {
			c.Busy = []schedule.Shift{rule("2030-03-04", "22:00", "06:30")}
		}, "has a shift 2030-03-04 22:00–06:30"},
		{"past the weekly limit", func(c *Candidate) {
			c.MaxHours = 10
			c.Approved = []schedule.Shift{rule("2030-03-04", "10:00", "18:00")}
		}, "would reach 11.00 h in the week of 2030-03-04, over their limit of 10 h"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := base(2)
			tc.change(&b)
			got, excluded := Rank(tuesdayMorning, []Candidate{base(1), b})
			if len(got) != 1 || got[0].PAID != 1 {
				t.Fatalf("suggested %v", got)
			}
			if len(excluded) != 1 || excluded[0].PAID != 2 || excluded[0].Reason != tc.reason {
				t.Errorf("excluded %v, want PA 2: %q", excluded, tc.reason)
			}
		})
	}
	t.Run("back to back is free, and exactly at the limit is allowed", func(t *testing.T) {
		b := base(2)
		b.MaxHours = 10
		b.Busy = []schedule.Shift{rule("2030-03-05", "09:00", "16:00")}
		b.Approved = b.Busy
		got, excluded := Rank(tuesdayMorning, []Candidate{b})
		if len(got) != 1 || len(excluded) != 0 {
			t.Fatalf("got %v, excluded %v", got, excluded)
		}
		if !strings.Contains(got[0].Why, "0 h left this week") {
			t.Errorf("why %q", got[0].Why)
		}
	})
}

// TestRankFairnessRotates: among equals first place is not always the same
// PA: it changes with the slot, every PA gets it, and one slot's order is
// stable.
func TestRankFairnessRotates(t *testing.T) {
	cands := []Candidate{base(1), base(2), base(3)}
	firsts := map[int64]int{}
	d := *day("2030-03-04")
	for i := 0; i < 30; i++ {
		slot := schedule.Shift{Date: d.AddDays(i), Start: clock("06:00"), End: clock("09:00")}
		got, _ := Rank(slot, cands)
		again, _ := Rank(slot, slices.Clone(cands))
		for j := range got {
			if got[j].PAID != again[j].PAID {
				t.Fatalf("slot %s: order changed between two runs", slot.Date)
			}
		}
		if got[0].Score != got[1].Score || got[1].Score != got[2].Score {
			t.Fatalf("not equal: %v", got)
		}
		firsts[got[0].PAID]++
	}
	for _, id := range []int64{1, 2, 3} {
		if firsts[id] == 0 {
			t.Errorf("PA %d never first in 30 slots: %v", id, firsts)
		}
	}
	// And the penalty for recent offers hands first place on: whoever was
	// first, asked once more, drops below the others.
	slot := tuesdayMorning
	got, _ := Rank(slot, cands)
	winner := got[0].PAID
	for i := range cands {
		if cands[i].PAID == winner {
			cands[i].RecentOffers = 1
		}
	}
	got, _ = Rank(slot, cands)
	if got[0].PAID == winner || got[len(got)-1].PAID != winner {
		t.Errorf("after one offer PA %d still ranks %v", winner, got)
	}
}
