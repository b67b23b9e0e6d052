package intel

import (
	"reflect"
	"testing"
	"time"

	"pasched/schedule"
)

func rule(date, start, end string) schedule.Shift {
	return schedule.Shift{Date: *day(date), Start: clock(start), End: clock(end)}
}

func TestFindGaps(t *testing.T) {
	d := "2030-03-05"
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(date, hm string) time.Time { return day(date).Midnight().Add(clock(hm).SinceMidnight()) }
	type gap struct {
		date, window string
		slots        []schedule.Shift
		minutes      int
	}
	cases := []struct {
		name      string
		windows   string
		shifts    []schedule.Shift
		notBefore time.Time
		want      []gap
	}{
		{name: "nothing approved", want: []gap{
			{d, "06:00-09:00", []schedule.Shift{rule(d, "06:00", "09:00")}, 180},
			{d, "21:00-22:00", []schedule.Shift{rule(d, "21:00", "22:00")}, 60},
		}},
		{name: "a hole in the middle", shifts: []schedule.Shift{rule(d, "06:00", "07:00"), rule(d, "08:00", "09:00"), rule(d, "20:00", "23:00")},
			want: []gap{{d, "06:00-09:00", []schedule.Shift{rule(d, "07:00", "08:00")}, 60}}},
		{name: "back to back covers", shifts: []schedule.Shift{rule(d, "06:00", "07:30"), rule(d, "07:30", "09:00"), rule(d, "21:00", "22:00")}},
		{name: "a night from the day before covers the start of the morning",
			shifts: []schedule.Shift{rule("2030-03-04", "21:00", "07:00"), rule(d, "21:00", "22:00")},
			want:   []gap{{d, "06:00-09:00", []schedule.Shift{rule(d, "07:00", "09:00")}, 120}}},
		{name: "two holes", shifts: []schedule.Shift{rule(d, "07:00", "08:00"), rule(d, "21:00", "22:00")},
			want: []gap{{d, "06:00-09:00", []schedule.Shift{rule(d, "06:00", "07:00"), rule(d, "08:00", "09:00")}, 120}}},
		{name: "a window under way counts from now", notBefore: at(d, "07:30"),
			want: []gap{
				{d, "06:00-09:00", []schedule.Shift{rule(d, "07:30", "09:00")}, 90},
				{d, "21:00-22:00", []schedule.Shift{rule(d, "21:00", "22:00")}, 60},
			}},
		{name: "a past window is not a gap", notBefore: at(d, "09:00"),
			want: []gap{{d, "21:00-22:00", []schedule.Shift{rule(d, "21:00", "22:00")}, 60}}},
		{name: "a window across midnight: the uncovered part is dated the next day", windows: "23:00-01:00",
			shifts: []schedule.Shift{rule(d, "22:00", "00:00")},
			want:   []gap{{d, "23:00-01:00", []schedule.Shift{rule("2030-03-06", "00:00", "01:00")}, 60}}},
		{name: "seconds round up to a minute", windows: "06:00-09:00", shifts: []schedule.Shift{rule(d, "06:00", "08:59:30")},
			want: []gap{{d, "06:00-09:00", []schedule.Shift{rule(d, "08:59:30", "09:00")}, 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			windows := schedule.DefaultWindows()
			if tc.windows != "" {
				var err error
				if windows, err = schedule.ParseWindows(tc.windows); err != nil {
					t.Fatal(err)
				}
			}
			nb := tc.notBefore
			if nb.IsZero() {
				nb = past
			}
			got := FindGaps(*day(d), *day(d), windows, tc.shifts, nb)
			var gotG []gap
			for _, g := range got {
				gotG = append(gotG, gap{g.Date.String(), g.Window.String(), g.Slots, g.UncoveredMinutes})
			}
			if !reflect.DeepEqual(gotG, tc.want) {
				t.Errorf("got  %v\nwant %v", gotG, tc.want)
			}
		})
	}
}

func TestFindGapsAgreesWithCoverDate(t *testing.T) {
	// A window is a gap exactly when schedule.CoverDate says it is not covered.
	d := *day("2030-03-05")
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	sets := [][]schedule.Shift{
		nil,
		{rule("2030-03-04", "22:00", "09:00")},
		{rule("2030-03-05", "05:00", "08:00"), rule("2030-03-05", "08:00", "21:30")},
		{rule("2030-03-05", "20:00", "06:30")},
	}
	for _, shifts := range sets {
		cov := schedule.CoverDate(d, schedule.DefaultWindows(), shifts)
		gaps := FindGaps(d, d, schedule.DefaultWindows(), shifts, past)
		for _, c := range cov {
			found := false
			for _, g := range gaps {
				found = found || g.Window == c.Window
			}
			if found == c.Covered {
				t.Errorf("shifts %v: window %s covered=%v but gap=%v", shifts, c.Window, c.Covered, found)
			}
		}
	}
}

func TestWall(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	got := Wall(time.Date(2030, 7, 1, 5, 30, 0, 0, time.UTC), london)
	if want := time.Date(2030, 7, 1, 6, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Wall = %v, want %v (06:30 BST on the wall)", got, want)
	}
}
