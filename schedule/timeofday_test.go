package schedule

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestTimeOfDay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t      TimeOfDay
		str    string
		twelve string
	}{
		{Clock(0, 0, 0), "00:00:00", "12:00 AM"},
		{Clock(6, 0, 0), "06:00:00", "06:00 AM"},
		{Clock(11, 59, 59), "11:59:59", "11:59 AM"},
		{Clock(12, 0, 0), "12:00:00", "12:00 PM"},
		{Clock(13, 5, 0), "13:05:00", "01:05 PM"},
		{Clock(21, 0, 0), "21:00:00", "09:00 PM"},
		{tm("06:00:00.5"), "06:00:00.500000", "06:00 AM"},
		{tm("23:59:59.999999"), "23:59:59.999999", "11:59 PM"},
	} {
		if got := c.t.String(); got != c.str {
			t.Errorf("String() = %q, want %q", got, c.str)
		}
		if got := c.t.Format12h(); got != c.twelve {
			t.Errorf("%v.Format12h() = %q, want %q", c.t, got, c.twelve)
		}
	}
	x := tm("23:59:59.999999")
	if x.Hour() != 23 || x.Minute() != 59 || x.Second() != 59 || x.Microsecond() != 999999 ||
		x.SinceMidnight() != 24*time.Hour-time.Microsecond || x.Microseconds() != 86_399_999_999 {
		t.Errorf("fields of %v wrong", x)
	}
	if !Clock(6, 0, 0).Before(Clock(7, 0, 0)) || !Clock(7, 0, 0).After(Clock(6, 0, 0)) ||
		Clock(6, 0, 0).Compare(Clock(6, 0, 0)) != 0 || Clock(7, 0, 0).Compare(Clock(6, 0, 0)) != 1 {
		t.Error("ordering wrong")
	}
	for _, bad := range [][4]int{{24, 0, 0, 0}, {-1, 0, 0, 0}, {0, 60, 0, 0}, {0, 0, 60, 0}, {0, 0, 0, 1000000}, {0, 0, 0, -1}} {
		if _, err := NewTime(bad[0], bad[1], bad[2], bad[3]); !errors.Is(err, ErrInvalidTime) {
			t.Errorf("NewTime%v error = %v", bad, err)
		}
	}
	mustPanic(t, "Clock(24, 0, 0)", func() { Clock(24, 0, 0) })
	if got := TimeOf(time.Date(2030, 3, 31, 1, 30, 0, 250_000_999, time.FixedZone("X", 3600))); got != tm("01:30:00.250000") {
		t.Errorf("TimeOf = %v", got)
	}
}

func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		x := timeFromMicros(r.Int64N(microsPerDay))
		if r.IntN(2) == 0 {
			x = timeFromMicros(x.us / 1e6 * 1e6) // whole seconds print without a fraction
		}
		got, err := ParseTime(x.String())
		if err != nil || got != x {
			t.Fatalf("ParseTime(%q) = %v, %v; want %v", x.String(), got, err, x)
		}
	}
}
