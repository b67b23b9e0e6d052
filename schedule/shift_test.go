package schedule

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestShiftInterval(t *testing.T) {
	t.Parallel()
	at := func(date, clock string) time.Time {
		return d(date).Midnight().Add(tm(clock).SinceMidnight())
	}
	for _, c := range []struct {
		name       string
		s          Shift
		start, end time.Time
		nextDay    bool
	}{
		{"day shift", sh(1, "2030-03-02", "09:00", "17:00"), at("2030-03-02", "09:00"), at("2030-03-02", "17:00"), false},
		{"overnight", sh(1, "2030-03-02", "21:00", "09:00"), at("2030-03-02", "21:00"), at("2030-03-03", "09:00"), true},
		{"ends at midnight exactly", sh(1, "2030-03-02", "18:00", "00:00"), at("2030-03-02", "18:00"), at("2030-03-03", "00:00"), true},
		{"starts at midnight", sh(1, "2030-03-02", "00:00", "06:00"), at("2030-03-02", "00:00"), at("2030-03-02", "06:00"), false},
		{"last microsecond", sh(1, "2030-03-02", "23:59:59.999999", "00:00"), at("2030-03-02", "23:59:59.999999"), at("2030-03-03", "00:00"), true},
		{"to the last microsecond", sh(1, "2030-03-02", "00:00", "23:59:59.999999"), at("2030-03-02", "00:00"), at("2030-03-02", "23:59:59.999999"), false},
		{"over a leap day", sh(1, "2028-02-28", "22:00", "06:00"), at("2028-02-28", "22:00"), at("2028-02-29", "06:00"), true},
		{"into March in a common year", sh(1, "2030-02-28", "22:00", "06:00"), at("2030-02-28", "22:00"), at("2030-03-01", "06:00"), true},
		{"over New Year", sh(1, "2030-12-31", "20:00", "08:00"), at("2030-12-31", "20:00"), at("2031-01-01", "08:00"), true},
		{"equal times read as 24 h", sh(1, "2030-03-02", "06:00", "06:00"), at("2030-03-02", "06:00"), at("2030-03-03", "06:00"), true},
	} {
		iv := c.s.Interval()
		if !iv.Start.Equal(c.start) || !iv.End.Equal(c.end) {
			t.Errorf("%s: Interval() = %v, want [%v, %v)", c.name, iv, c.start, c.end)
		}
		if c.s.EndsNextDay() != c.nextDay {
			t.Errorf("%s: EndsNextDay() = %v", c.name, c.s.EndsNextDay())
		}
		if dur := iv.Duration(); dur <= 0 || dur > Day {
			t.Errorf("%s: duration %v outside (0, 24h]", c.name, dur)
		}
	}
}

// TestWallClockIgnoresDST pins that the rules use wall-clock time only: on
// the nights clocks change in Europe and North America a shift still lasts
// what its times say.
func TestWallClockIgnoresDST(t *testing.T) {
	t.Parallel()
	for _, date := range []string{"2030-03-31", "2030-10-27", "2030-03-10", "2030-11-03"} {
		s := sh(1, date, "22:00", "06:00")
		if got := s.Interval().Duration(); got != 8*time.Hour {
			t.Errorf("%s 22:00–06:00 lasts %v, want 8h", date, got)
		}
		if got := DurationHundredths(s.Start, s.End); got != 800 {
			t.Errorf("%s 22:00–06:00 = %s h", date, FormatHours(got))
		}
		if loc := s.Interval().Start.Location(); loc != time.UTC {
			t.Errorf("interval in %v, want UTC", loc)
		}
	}
}

func TestValidateTimes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		start, end string
		ok         bool
	}{
		{"09:00", "17:00", true},
		{"21:00", "09:00", true},
		{"18:00", "00:00", true},
		{"00:00", "00:00", false},
		{"06:00", "06:00", false},
		{"06:00:00.000001", "06:00", true},
	} {
		err := ValidateTimes(tm(c.start), tm(c.end))
		if c.ok != (err == nil) {
			t.Errorf("ValidateTimes(%s, %s) = %v", c.start, c.end, err)
		}
		if err != nil && !errors.Is(err, ErrZeroLength) {
			t.Errorf("ValidateTimes(%s, %s) error %v does not wrap ErrZeroLength", c.start, c.end, err)
		}
	}
}

func TestDurationHundredths(t *testing.T) {
	t.Parallel()
	// Expectations computed by the seed's ShiftRequest.save on CPython 3.11
	// and quantized as its DecimalField(max_digits=4, decimal_places=2).
	for _, c := range []struct {
		start, end string
		want       int64
	}{
		{"09:00", "17:00", 800},
		{"21:00", "09:00", 1200},
		{"22:00", "06:00", 800},
		{"18:00", "00:00", 600},
		{"00:00", "23:59:59.999999", 2400},
		{"23:59:59.999999", "00:00", 0},
		{"09:00", "09:20", 33},
		{"09:00", "09:40", 67},
		{"09:00", "09:00:18", 0},   // 0.005 → 0.00 (half to even)
		{"09:00", "09:00:54", 2},   // 0.015 → 0.02
		{"09:00", "09:01:30", 2},   // 0.025 → 0.02, not 0.03
		{"09:00", "09:02:42", 4},   // 0.045 → 0.04
		{"06:00", "14:07:30", 812}, // 8.125 → 8.12
		{"06:00", "14:07:30.000001", 813},
		{"23:59:42", "00:00:18", 1},
		{"06:00", "06:00", 2400}, // refused by ValidateTimes; 24 h if it gets here
	} {
		if got := DurationHundredths(tm(c.start), tm(c.end)); got != c.want {
			t.Errorf("DurationHundredths(%s, %s) = %d, want %d", c.start, c.end, got, c.want)
		}
	}
}

func TestFormatHours(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{
		300: "3.00", 5: "0.05", 0: "0.00", 2400: "24.00", 1250: "12.50",
		-150: "-1.50", -5: "-0.05", 1234567: "12345.67",
		-9223372036854775808: "-92233720368547758.08",
	} {
		if got := FormatHours(in); got != want {
			t.Errorf("FormatHours(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestOverlaps(t *testing.T) {
	t.Parallel()
	base := MustDate(2030, 3, 2).Midnight()
	iv := func(from, to int) Interval {
		return Interval{base.Add(time.Duration(from) * time.Hour), base.Add(time.Duration(to) * time.Hour)}
	}
	for _, c := range []struct {
		a, b Interval
		want bool
	}{
		{iv(8, 12), iv(12, 14), false}, // back to back
		{iv(8, 12), iv(6, 8), false},
		{iv(8, 12), iv(11, 13), true},
		{iv(8, 12), iv(9, 10), true}, // inside
		{iv(8, 12), iv(8, 12), true}, // identical
		{iv(8, 12), iv(0, 48), true}, // around
		{iv(8, 12), iv(13, 14), false},
		{iv(8, 8), iv(0, 24), false}, // empty never overlaps
		{iv(8, 8), iv(8, 8), false},
		{iv(10, 8), iv(0, 24), false}, // reversed counts as empty
	} {
		if got := Overlaps(c.a, c.b); got != c.want {
			t.Errorf("Overlaps(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if Overlaps(c.a, c.b) != Overlaps(c.b, c.a) {
			t.Errorf("Overlaps(%v, %v) is not symmetric", c.a, c.b)
		}
	}
}

func TestConflicts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		candidate Shift
		others    []Shift
		want      []int64
	}{
		{"day shift", sh(0, "2030-03-02", "08:00", "12:00"), []Shift{
			sh(1, "2030-03-02", "12:00", "14:00"), // back to back
			sh(2, "2030-03-02", "06:00", "08:00"), // back to back
			sh(3, "2030-03-02", "11:59", "13:00"),
			sh(4, "2030-03-01", "22:00", "08:30"), // previous night runs into the morning
			sh(5, "2030-03-01", "22:00", "08:00"), // previous night ends as it starts
			sh(6, "2030-03-03", "07:00", "09:00"), // another date
			sh(7, "2030-03-01", "20:00", "00:00"), // ends at midnight
			sh(8, "2030-03-02", "09:00", "10:00"),
		}, []int64{4, 8, 3}},
		{"overnight candidate", sh(0, "2030-03-02", "22:00", "06:00"), []Shift{
			sh(1, "2030-03-03", "05:00", "07:00"), // next morning: the seed missed this
			sh(2, "2030-03-03", "06:00", "08:00"),
			sh(3, "2030-03-02", "23:00", "23:30"),
			sh(4, "2030-03-02", "08:00", "22:00"),
			sh(5, "2030-03-01", "21:00", "09:00"),
			sh(6, "2030-03-02", "21:00", "09:00"),
		}, []int64{6, 3, 1}},
		{"its own stored version is skipped", sh(5, "2030-03-02", "08:00", "12:00"), []Shift{
			sh(5, "2030-03-02", "09:00", "13:00"),
			sh(6, "2030-03-02", "09:00", "13:00"),
		}, []int64{6}},
		{"a new shift skips nothing", sh(0, "2030-03-02", "08:00", "12:00"), []Shift{
			sh(0, "2030-03-02", "09:00", "13:00"),
		}, []int64{0}},
		{"ties ordered by ID", sh(0, "2030-03-02", "08:00", "12:00"), []Shift{
			sh(9, "2030-03-02", "09:00", "13:00"),
			sh(2, "2030-03-02", "09:00", "10:00"),
		}, []int64{2, 9}},
		{"nothing", sh(0, "2030-03-02", "08:00", "12:00"), nil, []int64{}},
	} {
		if got := ids(Conflicts(c.candidate, c.others)); !slices.Equal(got, c.want) {
			t.Errorf("%s: Conflicts = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDatesTouched(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		s    Shift
		want []string
	}{
		{sh(1, "2030-03-02", "09:00", "17:00"), []string{"2030-03-02"}},
		{sh(1, "2030-03-02", "21:00", "09:00"), []string{"2030-03-02", "2030-03-03"}},
		{sh(1, "2030-03-02", "18:00", "00:00"), []string{"2030-03-02"}},
		{sh(1, "2030-03-02", "18:00", "00:00:00.000001"), []string{"2030-03-02", "2030-03-03"}},
		{sh(1, "2028-02-28", "23:00", "01:00"), []string{"2028-02-28", "2028-02-29"}},
		{sh(1, "2030-03-02", "00:00", "00:00"), []string{"2030-03-02"}},
	} {
		var got []string
		for _, x := range DatesTouched(c.s) {
			got = append(got, x.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("DatesTouched(%v %v–%v) = %v, want %v", c.s.Date, c.s.Start, c.s.End, got, c.want)
		}
	}
	prev, next := NeighbourDates(d("2028-03-01"))
	if prev.String() != "2028-02-29" || next.String() != "2028-03-02" {
		t.Errorf("NeighbourDates = %v, %v", prev, next)
	}
	var weeks []string
	for _, w := range WeeksTouched(sh(1, "2030-03-10", "22:00", "06:00")) {
		weeks = append(weeks, w.String())
	}
	if !slices.Equal(weeks, []string{"2030-03-04", "2030-03-11"}) {
		t.Errorf("WeeksTouched(Sunday night) = %v", weeks)
	}
}
