package schedule

import (
	"errors"
	"slices"
	"testing"
)

func TestISOWeeks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		year, weeks int
		week1, last string // Mondays of week 1 and of the last week
	}{
		{2015, 53, "2014-12-29", "2015-12-28"},
		{2020, 53, "2019-12-30", "2020-12-28"},
		{2021, 52, "2021-01-04", "2021-12-27"},
		{2026, 53, "2025-12-29", "2026-12-28"},
		{2027, 52, "2027-01-04", "2027-12-27"},
		{2030, 52, "2029-12-31", "2030-12-23"},
		{2032, 53, "2031-12-29", "2032-12-27"}, // leap year starting on a Thursday
		{1, 52, "0001-01-01", "0001-12-24"},
		{9999, 52, "9999-01-04", "9999-12-27"},
	} {
		if got := WeeksInISOYear(c.year); got != c.weeks {
			t.Errorf("WeeksInISOYear(%d) = %d, want %d", c.year, got, c.weeks)
		}
		if got, err := ISOWeekStart(c.year, 1); err != nil || got.String() != c.week1 {
			t.Errorf("ISOWeekStart(%d, 1) = %v, %v; want %s", c.year, got, err, c.week1)
		}
		if got, err := ISOWeekStart(c.year, c.weeks); err != nil || got.String() != c.last {
			t.Errorf("ISOWeekStart(%d, %d) = %v, %v; want %s", c.year, c.weeks, got, err, c.last)
		}
		if _, err := ISOWeekStart(c.year, c.weeks+1); !errors.Is(err, ErrInvalidWeek) {
			t.Errorf("ISOWeekStart(%d, %d) error = %v, want ErrInvalidWeek", c.year, c.weeks+1, err)
		}
		if _, err := ISOWeekStart(c.year, 0); !errors.Is(err, ErrInvalidWeek) {
			t.Errorf("ISOWeekStart(%d, 0) error = %v", c.year, err)
		}
	}
	for _, y := range []int{0, 10000, -5} {
		if _, err := ISOWeekStart(y, 1); !errors.Is(err, ErrInvalidWeek) {
			t.Errorf("ISOWeekStart(%d, 1) error = %v", y, err)
		}
	}
	// The seed counted weeks from 1 January: for 2027 its week 1 was
	// 2026-12-28, which is ISO week 53 of 2026.
	for _, c := range []struct {
		date       string
		year, week int
	}{
		{"2027-01-01", 2026, 53},
		{"2026-12-28", 2026, 53},
		{"2027-01-04", 2027, 1},
		{"2021-01-03", 2020, 53},
		{"2029-12-31", 2030, 1},
		{"2015-12-31", 2015, 53},
		{"2016-01-03", 2015, 53},
		{"2030-03-02", 2030, 9},
	} {
		if y, w := ISOWeek(d(c.date)); y != c.year || w != c.week {
			t.Errorf("ISOWeek(%s) = %d-W%02d, want %d-W%02d", c.date, y, w, c.year, c.week)
		}
	}
}

func TestWeekStart(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2030-03-04": "2030-03-04", // Monday
		"2030-03-06": "2030-03-04",
		"2030-03-10": "2030-03-04", // Sunday
		"2030-03-11": "2030-03-11",
		"2030-01-01": "2029-12-31",
		"0001-01-07": "0001-01-01",
	} {
		if got := WeekStart(d(in)); got.String() != want {
			t.Errorf("WeekStart(%s) = %v, want %s", in, got, want)
		}
	}
	if from, to := WeekShiftDates(d("2030-03-06")); from.String() != "2030-03-03" || to.String() != "2030-03-10" {
		t.Errorf("WeekShiftDates = %v..%v", from, to)
	}
}

func TestWeeklyHundredths(t *testing.T) {
	t.Parallel()
	// The week of Monday 2030-03-04 through Sunday 2030-03-10.
	shifts := []Shift{
		sh(1, "2030-03-04", "09:00", "17:00"), // 8 h inside
		sh(2, "2030-03-10", "22:00", "06:00"), // Sunday night: 2 h here, 6 h next week
		sh(3, "2030-03-03", "20:00", "04:00"), // previous Sunday night: 4 h before, 4 h here
		sh(4, "2030-03-11", "09:00", "12:00"), // next week
		sh(5, "2030-03-02", "09:00", "12:00"), // previous week
		sh(6, "2030-03-03", "18:00", "00:00"), // ends at Monday 00:00 exactly: previous week only
		sh(7, "2030-03-07", "23:00", "01:30"), // overnight inside the week
	}
	for _, c := range []struct {
		week string
		want int64
	}{
		{"2030-03-04", 800 + 200 + 400 + 250},
		{"2030-03-07", 800 + 200 + 400 + 250}, // any day names its week
		{"2030-03-11", 600 + 300},
		{"2030-02-25", 300 + 400 + 600},
		{"2030-03-18", 0},
	} {
		if got := WeeklyHundredths(d(c.week), shifts); got != c.want {
			t.Errorf("WeeklyHundredths(%s) = %s, want %s", c.week, FormatHours(got), FormatHours(c.want))
		}
	}
	if got := WeeklyHundredths(d("2030-03-04"), nil); got != 0 {
		t.Errorf("no shifts = %d", got)
	}
}

func TestExceedsLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		total int64
		max   int
		want  bool
	}{
		{4000, 40, false}, // exactly at the limit is allowed, as the seed
		{4001, 40, true},
		{3999, 40, false},
		{0, 0, false},
		{1, 0, true},
		{2000, 20, false},
	} {
		if got := ExceedsLimit(c.total, c.max); got != c.want {
			t.Errorf("ExceedsLimit(%d, %d) = %v", c.total, c.max, got)
		}
	}
}

func TestWouldExceed(t *testing.T) {
	t.Parallel()
	// 38 h in the week of 2030-03-04 and 36 h in the next.
	var existing []Shift
	for i, date := range []string{"2030-03-04", "2030-03-05", "2030-03-06", "2030-03-07"} {
		existing = append(existing, sh(int64(10+i), date, "08:00", "17:30")) // 9.5 h each
	}
	for i, date := range []string{"2030-03-11", "2030-03-12", "2030-03-13", "2030-03-14"} {
		existing = append(existing, sh(int64(20+i), date, "08:00", "17:00")) // 9 h each
	}
	for _, c := range []struct {
		name      string
		candidate Shift
		totals    []WeekTotal
		exceeded  []string
	}{
		{"reaches the limit exactly", sh(0, "2030-03-08", "09:00", "11:00"),
			[]WeekTotal{{d("2030-03-04"), 4000, false}}, nil},
		{"one minute over", sh(0, "2030-03-08", "09:00", "11:01"),
			[]WeekTotal{{d("2030-03-04"), 4002, true}}, []string{"2030-03-04"}},
		{"sunday night splits across both weeks, fits both", sh(0, "2030-03-10", "22:00", "02:00"),
			[]WeekTotal{{d("2030-03-04"), 4000, false}, {d("2030-03-11"), 3800, false}}, nil},
		{"sunday night exceeds the second week only", sh(0, "2030-03-10", "22:00", "09:00"),
			[]WeekTotal{{d("2030-03-04"), 4000, false}, {d("2030-03-11"), 4500, true}}, []string{"2030-03-11"}},
		{"sunday night exceeds both weeks", sh(0, "2030-03-10", "21:00", "09:00"),
			[]WeekTotal{{d("2030-03-04"), 4100, true}, {d("2030-03-11"), 4500, true}}, []string{"2030-03-04", "2030-03-11"}},
		{"editing a stored shift replaces it", sh(10, "2030-03-04", "08:00", "19:30"), // 9.5 h → 11.5 h
			[]WeekTotal{{d("2030-03-04"), 4000, false}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := WeekTotals(existing, c.candidate, 40); !slices.Equal(got, c.totals) {
				t.Errorf("WeekTotals = %+v, want %+v", got, c.totals)
			}
			var got []string
			for _, w := range WouldExceed(existing, c.candidate, 40) {
				got = append(got, w.WeekStart.String())
			}
			if !slices.Equal(got, c.exceeded) {
				t.Errorf("WouldExceed weeks = %v, want %v", got, c.exceeded)
			}
		})
	}
}
