package schedule

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseWindows(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in      string
		want    string // FormatWindows of the result
		errPart string // part of the error message, when it fails
	}{
		{"06:00-09:00,21:00-22:00", "06:00-09:00,21:00-22:00", ""},
		{" 06:00 - 09:00 , 21:00-22:00 ", "06:00-09:00,21:00-22:00", ""},
		{"6:00-9:00", "06:00-09:00", ""},
		{"06:00:30-09:00", "06:00:30-09:00", ""},
		{"23:00-01:00", "23:00-01:00", ""},
		{"21:00-24:00", "21:00-00:00", ""},
		{"22:00-00:00,06:00-09:00", "22:00-00:00,06:00-09:00", ""}, // order kept
		{"", "", "no windows given"},
		{"   ", "", "no windows given"},
		{"06:00", "", `window 1 "06:00": want START-END`},
		{"06:00-09:00,", "", `window 2 "": want START-END`},
		{"06:00-09:00-10:00", "", `window 1 "06:00-09:00-10:00": end`},
		{"06-09", "", `window 1 "06-09": start: "06" is not a time like 06:00`},
		{"06:0-09:00", "", "start"},
		{"006:00-09:00", "", "start"},
		{"06:00-09:00:0", "", "end"},
		{"06:00-09:00:00.5", "", "end"},
		{"25:00-09:00", "", "hour 25 must be in 0..23"},
		{"06:61-09:00", "", "minute 61 must be in 0..59"},
		{"24:00-01:00", "", "start"},
		{"21:00-24:01", "", "hour 24"},
		{"06:00-06:00", "", `window 1 "06:00-06:00": start and end are equal`},
		{"00:00-24:00", "", "start and end are equal"},
		{"06:00-09:00,08:00-10:00", "", `window 2 "08:00-10:00" overlaps window 1 "06:00-09:00"`},
		{"06:00-09:00,06:00-09:00", "", "overlaps"},
		{"23:00-02:00,01:00-03:00", "", "overlaps"}, // across midnight
		{"01:00-03:00,23:00-02:00", "", "overlaps"},
		{"06:00-09:00,09:00-10:00", "06:00-09:00,09:00-10:00", ""}, // back to back is fine
		{"06:00-09:00;21:00-22:00", "", "end"},
		{"٠٦:00-09:00", "", "start"}, // configuration takes ASCII digits only
		{strings.Repeat("01:00-01:01,", MaxWindows) + "02:00-02:01", "", "at most 48"},
	} {
		got, err := ParseWindows(c.in)
		if c.errPart == "" {
			if err != nil || FormatWindows(got) != c.want {
				t.Errorf("ParseWindows(%q) = %q, %v; want %q", c.in, FormatWindows(got), err, c.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.errPart) || !errors.Is(err, ErrInvalidWindows) {
			t.Errorf("ParseWindows(%q) error = %v, want one containing %q", c.in, err, c.errPart)
		}
	}
	if got := FormatWindows(DefaultWindows()); got != "06:00-09:00,21:00-22:00" {
		t.Errorf("DefaultWindows = %s", got)
	}
}

func TestCoverDate(t *testing.T) {
	t.Parallel()
	const day = "2030-03-02"
	type want struct {
		covered bool
		shiftID int64
	}
	late := []Window{{Start: Clock(23, 0, 0), End: Clock(1, 0, 0)}}
	for _, c := range []struct {
		name    string
		windows []Window // nil: DefaultWindows
		shifts  []Shift
		want    []want
		status  string
	}{
		{"no shifts", nil, nil, []want{{false, 0}, {false, 0}}, "none"},
		{"morning only", nil, []Shift{sh(4, day, "06:00", "09:00")}, []want{{true, 4}, {false, 0}}, "partial"},
		{"both by long shifts", nil, []Shift{sh(4, day, "05:00", "10:00"), sh(5, day, "20:00", "23:00")}, []want{{true, 4}, {true, 5}}, "complete"},
		{"previous night covers the morning", nil, []Shift{sh(7, "2030-03-01", "21:00", "09:00")}, []want{{true, 7}, {false, 0}}, "partial"},
		{"own night covers the evening", nil, []Shift{sh(7, day, "21:00", "09:00")}, []want{{false, 0}, {true, 7}}, "partial"},
		{"back to back cover together", nil, []Shift{sh(2, day, "07:30", "09:00"), sh(1, day, "06:00", "07:30")}, []want{{true, 1}, {false, 0}}, "partial"},
		{"a minute's gap", nil, []Shift{sh(1, day, "06:00", "07:30"), sh(2, day, "07:31", "09:00")}, []want{{false, 0}, {false, 0}}, "none"},
		{"a microsecond short at the end", nil, []Shift{sh(1, day, "06:00", "08:59:59.999999")}, []want{{false, 0}, {false, 0}}, "none"},
		{"a microsecond late at the start", nil, []Shift{sh(1, day, "06:00:00.000001", "09:00")}, []want{{false, 0}, {false, 0}}, "none"},
		{"a shift ending at the window's start does not count", nil, []Shift{sh(3, day, "05:00", "06:00"), sh(4, day, "06:00", "09:00")}, []want{{true, 4}, {false, 0}}, "partial"},
		{"same start: lowest ID", nil, []Shift{sh(7, day, "05:00", "09:00"), sh(3, day, "05:00", "09:00")}, []want{{true, 3}, {false, 0}}, "partial"},
		{"earliest start named though a later one reaches further", nil, []Shift{sh(7, day, "05:00", "07:00"), sh(3, day, "05:30", "09:00")}, []want{{true, 7}, {false, 0}}, "partial"},
		{"earliest start wins over lower ID", nil, []Shift{sh(3, day, "05:30", "09:00"), sh(7, day, "05:00", "09:00")}, []want{{true, 7}, {false, 0}}, "partial"},
		{"next date's shifts do not cover today", nil, []Shift{sh(1, "2030-03-03", "06:00", "09:00"), sh(2, "2030-03-01", "06:00", "09:00")}, []want{{false, 0}, {false, 0}}, "none"},
		{"overnight into today covers both mornings' parts", nil, []Shift{sh(1, "2030-03-01", "22:00", "07:00"), sh(2, day, "07:00", "22:00")}, []want{{true, 1}, {true, 2}}, "complete"},
		{"24 h shift covers all", nil, []Shift{sh(1, day, "00:00", "00:00")}, []want{{true, 1}, {true, 1}}, "complete"},
		{"window across midnight, covered by two dates", late, []Shift{sh(1, day, "22:00", "00:00"), sh(2, "2030-03-03", "00:00", "02:00")}, []want{{true, 1}}, "complete"},
		{"window across midnight, half covered", late, []Shift{sh(1, day, "22:00", "00:00")}, []want{{false, 0}}, "none"},
		{"window across midnight, by an overnight shift", late, []Shift{sh(1, day, "23:00", "01:00")}, []want{{true, 1}}, "complete"},
	} {
		windows := c.windows
		if windows == nil {
			windows = DefaultWindows()
		}
		got := CoverDate(d(day), windows, c.shifts)
		var gotW []want
		for i, g := range got {
			if g.Window != windows[i] {
				t.Errorf("%s: result %d is for window %v, want %v", c.name, i, g.Window, windows[i])
			}
			gotW = append(gotW, want{g.Covered, g.ShiftID})
		}
		if !slices.Equal(gotW, c.want) {
			t.Errorf("%s: CoverDate = %+v, want %+v", c.name, gotW, c.want)
		}
		if s := CoverageStatus(got); s != c.status {
			t.Errorf("%s: CoverageStatus = %s, want %s", c.name, s, c.status)
		}
	}
	if s := CoverageStatus(nil); s != StatusComplete {
		t.Errorf("CoverageStatus(nil) = %s", s)
	}
	// The previous night's shift also covers its own date's evening.
	prev := CoverDate(d("2030-03-01"), DefaultWindows(), []Shift{sh(7, "2030-03-01", "21:00", "09:00")})
	if !prev[1].Covered || prev[1].ShiftID != 7 || prev[0].Covered {
		t.Errorf("CoverDate(2030-03-01) = %+v", prev)
	}
}

func TestAffectedDates(t *testing.T) {
	t.Parallel()
	late := append(DefaultWindows(), Window{Start: Clock(23, 30, 0), End: Clock(0, 30, 0)})
	for _, c := range []struct {
		s       Shift
		windows []Window
		want    []string
	}{
		{sh(1, "2030-03-02", "06:00", "09:00"), DefaultWindows(), []string{"2030-03-02"}},
		{sh(1, "2030-03-02", "21:00", "09:00"), DefaultWindows(), []string{"2030-03-02", "2030-03-03"}},
		{sh(1, "2030-03-02", "10:00", "14:00"), DefaultWindows(), nil},
		{sh(1, "2030-03-02", "00:00", "01:00"), late, []string{"2030-03-01"}},
		{sh(1, "2030-03-02", "22:00", "00:15"), late, []string{"2030-03-02"}},
		{sh(1, "2030-03-02", "08:00", "23:45"), late, []string{"2030-03-02"}},
	} {
		var got []string
		for _, x := range AffectedDates(c.s, c.windows) {
			got = append(got, x.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("AffectedDates(%v–%v) = %v, want %v", c.s.Start, c.s.End, got, c.want)
		}
	}
}

func TestInWindow(t *testing.T) {
	t.Parallel()
	critical := func(ws []Window) []int {
		var hours []int
		for h := -1; h <= 24; h++ {
			if InWindow(h, ws) {
				hours = append(hours, h)
			}
		}
		return hours
	}
	for _, c := range []struct {
		windows string
		want    []int
	}{
		{"06:00-09:00,21:00-22:00", []int{6, 7, 8, 21}}, // the seed's is_critical_time
		{"06:30-09:15", []int{6, 7, 8, 9}},
		{"23:00-01:00", []int{0, 23}},
		{"22:00-24:00", []int{22, 23}},
		{"00:00-00:01", []int{0}},
	} {
		ws, err := ParseWindows(c.windows)
		if err != nil {
			t.Fatal(err)
		}
		if got := critical(ws); !slices.Equal(got, c.want) {
			t.Errorf("critical hours of %s = %v, want %v", c.windows, got, c.want)
		}
	}
	if InWindow(6, nil) {
		t.Error("no windows, nothing critical")
	}
}
