package schedule

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestNewDate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		y     int
		m     time.Month
		d     int
		valid bool
	}{
		{2030, 3, 2, true},
		{2028, 2, 29, true}, // leap year
		{2000, 2, 29, true}, // divisible by 400
		{1900, 2, 29, false},
		{2030, 2, 29, false},
		{2030, 2, 30, false},
		{2030, 4, 31, false},
		{2030, 12, 31, true},
		{2030, 13, 1, false},
		{2030, 0, 1, false},
		{2030, 1, 0, false},
		{1, 1, 1, true},
		{9999, 12, 31, true},
		{0, 12, 31, false},
		{10000, 1, 1, false},
	} {
		got, err := NewDate(c.y, c.m, c.d)
		if c.valid != (err == nil) {
			t.Errorf("NewDate(%d, %d, %d) error = %v, want valid=%v", c.y, c.m, c.d, err, c.valid)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidDate) {
			t.Errorf("NewDate(%d, %d, %d) error %v does not wrap ErrInvalidDate", c.y, c.m, c.d, err)
		}
		if y, m, dd := got.Date(); err == nil && (y != c.y || m != c.m || dd != c.d) {
			t.Errorf("NewDate(%d, %d, %d).Date() = %d, %d, %d", c.y, c.m, c.d, y, m, dd)
		}
	}
	mustPanic(t, "MustDate(2030, 2, 30)", func() { MustDate(2030, 2, 30) })
}

func TestDateBasics(t *testing.T) {
	t.Parallel()
	x := MustDate(2030, 3, 2)
	if x.String() != "2030-03-02" || x.Year() != 2030 || x.Month() != time.March || x.Day() != 2 {
		t.Errorf("fields of %v wrong", x)
	}
	if x.Weekday() != time.Saturday {
		t.Errorf("2030-03-02 weekday = %v, want Saturday", x.Weekday())
	}
	if got := MustDate(1, 1, 1); !got.IsZero() || got != (Date{}) || got.Weekday() != time.Monday {
		t.Errorf("0001-01-01 should be the zero Date and a Monday")
	}
	if x.IsZero() {
		t.Error("2030-03-02 is not zero")
	}
	leap := MustDate(2028, 2, 28)
	if got := leap.AddDays(1); got.String() != "2028-02-29" {
		t.Errorf("2028-02-28 + 1 = %v", got)
	}
	if got := leap.AddDays(2); got.String() != "2028-03-01" {
		t.Errorf("2028-02-28 + 2 = %v", got)
	}
	if got := MustDate(2030, 2, 28).AddDays(1); got.String() != "2030-03-01" {
		t.Errorf("2030-02-28 + 1 = %v", got)
	}
	if got := MustDate(2030, 1, 1).AddDays(-1); got.String() != "2029-12-31" {
		t.Errorf("2030-01-01 - 1 = %v", got)
	}
	if n := MustDate(2028, 1, 1).DaysUntil(MustDate(2029, 1, 1)); n != 366 {
		t.Errorf("days in 2028 = %d", n)
	}
	if n := MustDate(2030, 3, 2).DaysUntil(MustDate(2030, 2, 28)); n != -2 {
		t.Errorf("DaysUntil backwards = %d", n)
	}
	if MustDate(2028, 12, 31).YearDay() != 366 || MustDate(2030, 3, 1).YearDay() != 60 {
		t.Error("YearDay wrong")
	}
	a, b := MustDate(2030, 3, 1), MustDate(2030, 3, 2)
	if !a.Before(b) || a.After(b) || !b.After(a) || a.Equal(b) || !a.Equal(a) ||
		a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("ordering of 2030-03-01 and 2030-03-02 wrong")
	}
	if got := x.Midnight(); !got.Equal(time.Date(2030, 3, 2, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("Midnight = %v", got)
	}
	if got := DateOf(time.Date(2030, 3, 2, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))); got != x {
		t.Errorf("DateOf keeps the wall-clock date in its zone: got %v", got)
	}
	if DaysIn(2028, time.February) != 29 || DaysIn(2100, time.February) != 28 || DaysIn(2030, 13) != 0 {
		t.Error("DaysIn wrong")
	}
	if MustDate(9999, 12, 31).AddDays(1).Valid() || !MustDate(9999, 12, 31).Valid() {
		t.Error("Valid wrong at year 10000")
	}
}

// TestDateAgreesWithTime checks the calendar arithmetic against the
// standard library over random dates of the whole valid range.
func TestDateAgreesWithTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := MustDate(1, 1, 1), MustDate(9999, 12, 31)
	span := lo.DaysUntil(hi)
	for range 20000 {
		x := lo.AddDays(r.IntN(span + 1))
		ref := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, lo.DaysUntil(x))
		y, m, dd := x.Date()
		if y != ref.Year() || m != ref.Month() || dd != ref.Day() || x.Weekday() != ref.Weekday() || x.YearDay() != ref.YearDay() {
			t.Fatalf("%v: fields (%d %v %d %v %d), time says %v", x, y, m, dd, x.Weekday(), x.YearDay(), ref)
		}
		iy, iw := ISOWeek(x)
		ry, rw := ref.ISOWeek()
		if iy != ry || iw != rw {
			t.Fatalf("ISOWeek(%v) = %d-W%02d, time says %d-W%02d", x, iy, iw, ry, rw)
		}
		if back := MustDate(y, m, dd); back != x {
			t.Fatalf("MustDate(%v fields) = %v", x, back)
		}
		if !x.Midnight().Equal(ref) {
			t.Fatalf("%v.Midnight() = %v, want %v", x, x.Midnight(), ref)
		}
		if got, err := ParseDate(x.String()); err != nil || got != x {
			t.Fatalf("ParseDate(%q) = %v, %v", x.String(), got, err)
		}
	}
}
