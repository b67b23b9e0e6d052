package schedule

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrZeroLength is returned by ValidateTimes for a shift whose start and end
// times are equal.
var ErrZeroLength = errors.New("start and end times are equal: a shift cannot last zero hours")

// Shift is what the rules need to know of a shift: who works, on which date,
// and the wall-clock start and end. An End at or before Start means the
// shift ends on the next day.
type Shift struct {
	ID    int64     // the stored shift's ID; 0 for one not yet stored
	PAID  int64     // the PA (user) who works it
	Date  Date      // the date the shift starts on
	Start TimeOfDay // wall-clock start on Date
	End   TimeOfDay // wall-clock end; at or before Start means on the next date
}

// Interval is a half-open stretch [Start, End) of the package's wall-clock
// timeline, on which a date's midnight is Date.Midnight (UTC).
type Interval struct {
	Start time.Time // first instant inside
	End   time.Time // first instant after
}

// Duration returns End - Start.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// Empty reports whether iv holds no instant.
func (iv Interval) Empty() bool { return !iv.Start.Before(iv.End) }

// Contains reports whether the instant t lies in iv.
func (iv Interval) Contains(t time.Time) bool { return !t.Before(iv.Start) && t.Before(iv.End) }

// String formats iv for messages and test failures.
func (iv Interval) String() string {
	const layout = "2006-01-02T15:04:05.999999"
	return "[" + iv.Start.Format(layout) + ", " + iv.End.Format(layout) + ")"
}

// intersect returns the common part of a and b (empty when they are apart).
func intersect(a, b Interval) Interval {
	lo, hi := a.Start, a.End
	if b.Start.After(lo) {
		lo = b.Start
	}
	if b.End.Before(hi) {
		hi = b.End
	}
	if hi.Before(lo) {
		hi = lo
	}
	return Interval{lo, hi}
}

// Overlaps reports whether a and b share an instant. Intervals are
// half-open, so back-to-back intervals do not overlap, nor does an empty
// one; Overlaps(a, b) == Overlaps(b, a).
func Overlaps(a, b Interval) bool {
	return a.Start.Before(a.End) && b.Start.Before(b.End) &&
		a.Start.Before(b.End) && b.Start.Before(a.End)
}

// spanMicros is the length of start→end in microseconds: end ≤ start runs
// into the next day, so the result is in (0, 24h].
func spanMicros(start, end TimeOfDay) int64 {
	d := end.us - start.us
	if d <= 0 {
		d += microsPerDay
	}
	return d
}

// EndsNextDay reports whether s's end is on the next date (End ≤ Start),
// including a shift ending at exactly 00:00.
func (s Shift) EndsNextDay() bool { return s.End.us <= s.Start.us }

// Interval returns the real stretch of time s covers: from Start on s.Date
// to End on the same date, or on the next date when End ≤ Start.
func (s Shift) Interval() Interval {
	start := s.Date.Midnight().Add(s.Start.SinceMidnight())
	return Interval{start, start.Add(time.Duration(spanMicros(s.Start, s.End)) * time.Microsecond)}
}

// ValidateTimes refuses a shift whose start and end times are equal
// (ErrZeroLength). Any other pair is valid: an end before the start is an
// overnight shift.
func ValidateTimes(start, end TimeOfDay) error {
	if start == end {
		return fmt.Errorf("shift %s–%s: %w; an end before the start means the shift ends the next day", start, end, ErrZeroLength)
	}
	return nil
}

// DurationHundredths returns the length of a shift from start to end in
// hundredths of an hour, as the seed stores duration_hours: the float
// seconds/3600 is written with Python's str(), then quantized to two places
// with ROUND_HALF_EVEN by the DecimalField(max_digits=4, decimal_places=2).
// So 0.005 h (18 s) is 0.00 and 0.015 h is 0.02. An end at or before the
// start is the next day's, so the result is in 0..2400 (equal times count
// as 24 hours; ValidateTimes refuses them).
func DurationHundredths(start, end TimeOfDay) int64 {
	return pyHundredths(spanMicros(start, end))
}

// pyHundredths is round_half_even(Decimal(str(us/1e6/3600)), 2) * 100.
func pyHundredths(us int64) int64 {
	hours := float64(us) / 1e6 / 3600
	// Shortest repr, as Python's str(float): "d.ddde±XX".
	repr := strconv.FormatFloat(hours, 'e', -1, 64)
	mant, expStr, _ := strings.Cut(repr, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	coef, _ := strconv.ParseInt(digits, 10, 64)
	// hours*100 = coef × 10^k.
	k := exp - (len(digits) - 1) + 2
	var n int64
	switch {
	case k >= 0:
		n = coef
		for ; k > 0; k-- {
			n *= 10
		}
	case -k > 18:
		n = 0 // coef < 10^17, so hours*100 < 0.1
	default:
		pow := int64(1)
		for ; k < 0; k++ {
			pow *= 10
		}
		q, r := coef/pow, coef%pow
		if 2*r > pow || (2*r == pow && q%2 == 1) {
			q++
		}
		n = q
	}
	if neg {
		n = -n
	}
	return n
}

// FormatHours formats hundredths of an hour as Django REST Framework
// serializes a two-place decimal: 300 → "3.00", 5 → "0.05", -150 → "-1.50".
func FormatHours(hundredths int64) string {
	sign := ""
	u := uint64(hundredths)
	if hundredths < 0 {
		sign = "-"
		u = -u
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// Conflicts returns the shifts of others whose real intervals overlap
// candidate's, overnight shifts included: a shift on the previous date that
// runs past midnight can clash with one early on candidate's date. A shift
// with candidate's own non-zero ID is skipped (the stored version of a shift
// being edited). The result is ordered by start, then ID. The caller picks
// whose shifts to pass (other PAs' approved ones, or the PA's own pending and
// approved ones), dated NeighbourDates(candidate.Date) and between.
func Conflicts(candidate Shift, others []Shift) []Shift {
	civ := candidate.Interval()
	var out []Shift
	for _, o := range withoutID(others, candidate.ID) {
		if Overlaps(civ, o.Interval()) {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, compareShifts)
	return out
}

// compareShifts orders shifts by interval start, then ID, then end.
func compareShifts(a, b Shift) int {
	ai, bi := a.Interval(), b.Interval()
	if c := ai.Start.Compare(bi.Start); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return ai.End.Compare(bi.End)
}

// NeighbourDates returns the dates before and after d. Stored shifts that
// can overlap a shift dated d are dated prev through next: prev's overnight
// shifts reach into d, and d's overnight shift reaches into next.
func NeighbourDates(d Date) (prev, next Date) {
	return d.AddDays(-1), d.AddDays(1)
}

// DatesTouched returns the dates whose day s's interval intersects: s.Date,
// and the next date too when s runs past midnight (a shift ending at exactly
// 00:00 does not touch the next date).
func DatesTouched(s Shift) []Date {
	dates := []Date{s.Date}
	if next := s.Date.AddDays(1); s.Interval().End.After(next.Midnight()) {
		dates = append(dates, next)
	}
	return dates
}

// splitHundredths returns s's hundredths on s.Date and on the next date. A
// shift within its date has it all on the first; an overnight one puts the
// rounded part before midnight on the first and the rest of
// DurationHundredths on the second, so the parts always sum to it.
func splitHundredths(s Shift) [2]int64 {
	total := DurationHundredths(s.Start, s.End)
	if len(DatesTouched(s)) == 1 {
		return [2]int64{total, 0}
	}
	first := pyHundredths(microsPerDay - s.Start.us)
	return [2]int64{first, total - first}
}
