package schedule

import (
	"slices"
	"testing"
	"time"
)

func TestDayHours(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		s     Shift
		day   string
		hours []int
	}{
		{"day shift", sh(1, "2030-03-02", "09:00", "17:00"), "2030-03-02", []int{9, 10, 11, 12, 13, 14, 15, 16}},
		{"partial hours count", sh(1, "2030-03-02", "09:30", "11:15"), "2030-03-02", []int{9, 10, 11}},
		{"one microsecond into 17:00", sh(1, "2030-03-02", "09:00", "17:00:00.000001"), "2030-03-02", []int{9, 10, 11, 12, 13, 14, 15, 16, 17}},
		{"overnight, own date", sh(1, "2030-03-02", "21:30", "01:15"), "2030-03-02", []int{21, 22, 23}},
		{"overnight, next date", sh(1, "2030-03-02", "21:30", "01:15"), "2030-03-03", []int{0, 1}},
		{"overnight, date before", sh(1, "2030-03-02", "21:30", "01:15"), "2030-03-01", nil},
		{"ends at midnight, own date", sh(1, "2030-03-02", "18:00", "00:00"), "2030-03-02", []int{18, 19, 20, 21, 22, 23}},
		{"ends at midnight, next date", sh(1, "2030-03-02", "18:00", "00:00"), "2030-03-03", nil},
		{"last microsecond", sh(1, "2030-03-02", "23:59:59.999999", "00:00"), "2030-03-02", []int{23}},
		{"whole day", sh(1, "2030-03-02", "00:00", "00:00"), "2030-03-02", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}},
		{"leap day morning", sh(1, "2028-02-28", "22:00", "06:00"), "2028-02-29", []int{0, 1, 2, 3, 4, 5}},
		{"unrelated date", sh(1, "2030-03-02", "09:00", "17:00"), "2030-03-05", nil},
	} {
		got := DayHours(d(c.day), c.s)
		if !slices.Equal(got, c.hours) {
			t.Errorf("%s: DayHours = %v, want %v", c.name, got, c.hours)
		}
		if on := OnDate(d(c.day), c.s); on != (len(c.hours) > 0) {
			t.Errorf("%s: OnDate = %v", c.name, on)
		}
	}
}

func TestHoursOnDate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s         Shift
		own, next int64
		prev, far int64
	}{
		{sh(1, "2030-03-02", "09:00", "17:00"), 800, 0, 0, 0},
		{sh(1, "2030-03-02", "22:00", "06:00"), 200, 600, 0, 0},
		{sh(1, "2030-03-02", "18:00", "00:00"), 600, 0, 0, 0},
		{sh(1, "2030-03-02", "23:59:42", "00:00:18"), 0, 1, 0, 0}, // 18 s rounds to 0.00 before midnight
		{sh(1, "2030-03-02", "21:20", "09:00"), 267, 900, 0, 0},
	} {
		x := c.s.Date
		got := [4]int64{HoursOnDate(x, c.s), HoursOnDate(x.AddDays(1), c.s), HoursOnDate(x.AddDays(-1), c.s), HoursOnDate(x.AddDays(5), c.s)}
		if got != [4]int64{c.own, c.next, c.prev, c.far} {
			t.Errorf("%v–%v: HoursOnDate own/next/prev/far = %v", c.s.Start, c.s.End, got)
		}
		if sum := got[0] + got[1]; sum != DurationHundredths(c.s.Start, c.s.End) {
			t.Errorf("%v–%v: parts sum to %d", c.s.Start, c.s.End, sum)
		}
	}
}

func TestMonthDates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		y     int
		m     time.Month
		n     int
		weeks []string
	}{
		{2028, time.February, 29, []string{"2028-01-31", "2028-02-07", "2028-02-14", "2028-02-21", "2028-02-28"}},
		{2030, time.February, 28, []string{"2030-01-28", "2030-02-04", "2030-02-11", "2030-02-18", "2030-02-25"}},
		{2027, time.February, 28, []string{"2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22"}}, // four rows
		{2030, time.March, 31, []string{"2030-02-25", "2030-03-04", "2030-03-11", "2030-03-18", "2030-03-25"}},
		{2026, time.November, 30, []string{"2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"}}, // six rows
	} {
		dates := MonthDates(c.y, c.m)
		if len(dates) != c.n || dates[0] != MustDate(c.y, c.m, 1) || dates[c.n-1] != MustDate(c.y, c.m, c.n) {
			t.Errorf("MonthDates(%d, %v) = %v", c.y, c.m, dates)
		}
		for i := 1; i < len(dates); i++ {
			if dates[i-1].DaysUntil(dates[i]) != 1 {
				t.Errorf("MonthDates(%d, %v) not consecutive at %d", c.y, c.m, i)
			}
		}
		var weeks []string
		for _, w := range MonthWeeks(c.y, c.m) {
			weeks = append(weeks, w.String())
		}
		if !slices.Equal(weeks, c.weeks) {
			t.Errorf("MonthWeeks(%d, %v) = %v, want %v", c.y, c.m, weeks, c.weeks)
		}
	}
	if MonthDates(2030, 13) != nil || MonthDates(0, 1) != nil || MonthWeeks(10000, 1) != nil {
		t.Error("invalid months should give nil")
	}
}
