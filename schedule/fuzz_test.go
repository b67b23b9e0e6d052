package schedule

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, c := range isoDateCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidDate) {
				t.Fatalf("ParseDate(%q) error %v does not wrap ErrInvalidDate", s, err)
			}
			return
		}
		if !x.Valid() {
			t.Fatalf("ParseDate(%q) = %v outside years 1..9999", s, x)
		}
		back, err := ParseDate(x.String())
		if err != nil || back != x {
			t.Fatalf("ParseDate(%q) = %v, but ParseDate(%q) = %v, %v", s, x, x.String(), back, err)
		}
		if x.String() != s {
			t.Fatalf("%q parsed as %v: only the canonical form is read", s, x)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, c := range isoTimeCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseTime(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidTime) {
				t.Fatalf("ParseTime(%q) error %v does not wrap ErrInvalidTime", s, err)
			}
			return
		}
		if x.us < 0 || x.us >= microsPerDay {
			t.Fatalf("ParseTime(%q) = %d µs, outside a day", s, x.us)
		}
		back, err := ParseTime(x.String())
		if err != nil || back != x {
			t.Fatalf("ParseTime(%q) = %v, but ParseTime(%q) = %v, %v", s, x, x.String(), back, err)
		}
		if b, _ := x.MarshalText(); string(b) != x.String() {
			t.Fatalf("MarshalText = %s", b)
		}
	})
}

func FuzzParseWindows(f *testing.F) {
	for _, s := range []string{
		"06:00-09:00,21:00-22:00", "23:00-01:00", "21:00-24:00", "06:00-06:00",
		"06:00-09:00,08:00-10:00", " 6:00 - 9:00 ", "", ",", "-", "06:00:30-07:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := ParseWindows(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidWindows) {
				t.Fatalf("ParseWindows(%q) error %v does not wrap ErrInvalidWindows", s, err)
			}
			return
		}
		if len(ws) == 0 || len(ws) > MaxWindows {
			t.Fatalf("ParseWindows(%q) gave %d windows", s, len(ws))
		}
		for i, w := range ws {
			if w.Start == w.End || w.Start.Microsecond() != 0 || w.End.Microsecond() != 0 {
				t.Fatalf("ParseWindows(%q) window %v", s, w)
			}
			for _, o := range ws[:i] {
				if windowsClash(o, w) {
					t.Fatalf("ParseWindows(%q): %v and %v overlap", s, o, w)
				}
			}
		}
		back, err := ParseWindows(FormatWindows(ws))
		if err != nil || !slices.Equal(back, ws) {
			t.Fatalf("ParseWindows(%q) = %v, round trip %v, %v", s, ws, back, err)
		}
	})
}

// fuzzShift builds a valid-range shift from arbitrary numbers.
func fuzzShift(id int64, day uint16, start, end uint64) Shift {
	base := MustDate(2030, 1, 1)
	return Shift{ID: id, PAID: 1, Date: base.AddDays(int(day % 400)),
		Start: timeFromMicros(int64(start % uint64(microsPerDay))), End: timeFromMicros(int64(end % uint64(microsPerDay)))}
}

func FuzzInterval(f *testing.F) {
	f.Add(uint16(0), uint64(21*3600e6), uint64(9*3600e6))
	f.Add(uint16(58), uint64(0), uint64(0))
	f.Add(uint16(364), uint64(86399999999), uint64(0))
	f.Add(uint16(6), uint64(23*3600e6+59*60e6+42e6), uint64(18e6))
	f.Fuzz(func(t *testing.T, day uint16, start, end uint64) {
		s := fuzzShift(1, day, start, end)
		iv := s.Interval()
		if dur := iv.Duration(); dur <= 0 || dur > Day {
			t.Fatalf("%v–%v lasts %v, outside (0, 24h]", s.Start, s.End, dur)
		}
		if !iv.Start.Equal(s.Date.Midnight().Add(s.Start.SinceMidnight())) || TimeOf(iv.End) != s.End {
			t.Fatalf("interval %v does not match %v %v–%v", iv, s.Date, s.Start, s.End)
		}
		if (ValidateTimes(s.Start, s.End) == nil) != (s.Start != s.End) {
			t.Fatalf("ValidateTimes(%v, %v) wrong", s.Start, s.End)
		}
		total := DurationHundredths(s.Start, s.End)
		if total < 0 || total > 2400 {
			t.Fatalf("DurationHundredths(%v, %v) = %d", s.Start, s.End, total)
		}
		// Within half a hundredth (and a float's breath) of the exact length.
		if exact := float64(iv.Duration()) / float64(time.Hour) * 100; float64(total) < exact-0.5000001 || float64(total) > exact+0.5000001 {
			t.Fatalf("DurationHundredths(%v, %v) = %d, exact %f", s.Start, s.End, total, exact)
		}
		var sum int64
		for _, x := range DatesTouched(s) {
			sum += HoursOnDate(x, s)
			if !OnDate(x, s) || len(DayHours(x, s)) == 0 {
				t.Fatalf("%v–%v touches %v but is not on it", s.Start, s.End, x)
			}
		}
		if sum != total {
			t.Fatalf("%v–%v: parts %d, total %d", s.Start, s.End, sum, total)
		}
		if !Overlaps(iv, iv) || len(Conflicts(s, []Shift{{ID: 2, Date: s.Date, Start: s.Start, End: s.End}})) != 1 {
			t.Fatalf("a shift must clash with its copy")
		}
		prev, next := NeighbourDates(s.Date)
		if OnDate(prev, s) || OnDate(next.AddDays(1), s) {
			t.Fatalf("%v–%v reaches beyond its neighbour dates", s.Start, s.End)
		}
	})
}

// FuzzCoverDate decodes shifts and one window from bytes and checks
// coverage against an exact oracle: between consecutive interval ends the
// coverage is constant, so checking each such piece suffices.
func FuzzCoverDate(f *testing.F) {
	enc := func(vals ...uint64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return b
	}
	h := uint64(time.Hour / time.Microsecond)
	f.Add(enc(6*h, 9*h, 1, 6*h, 9*h))
	f.Add(enc(21*h, 22*h, 0, 21*h, 9*h, 1, 22*h, 0))
	f.Add(enc(23*h, 1*h, 1, 22*h, 0, 2, 0, 2*h))
	f.Add(enc(6*h, 9*h, 0, 21*h, 7*h, 1, 7*h, 9*h))
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() uint64 {
			if len(data) < 8 {
				data = nil
				return 0
			}
			v := binary.LittleEndian.Uint64(data)
			data = data[8:]
			return v
		}
		day := MustDate(2030, 1, 1)
		w := Window{Start: timeFromMicros(int64(next() % uint64(microsPerDay))), End: timeFromMicros(int64(next() % uint64(microsPerDay)))}
		var shifts []Shift
		for id := int64(1); len(data) >= 24 && id <= 12; id++ {
			s := fuzzShift(id, 0, next(), next())
			s.Date = day.AddDays(int(next()%3) - 1)
			shifts = append(shifts, s)
		}
		wc := CoverDate(day, []Window{w}, shifts)[0]

		wi := w.On(day)
		points := []time.Time{wi.Start, wi.End}
		for _, s := range shifts {
			iv := s.Interval()
			for _, p := range []time.Time{iv.Start, iv.End} {
				if p.After(wi.Start) && p.Before(wi.End) {
					points = append(points, p)
				}
			}
		}
		slices.SortFunc(points, time.Time.Compare)
		want := true
		for i := 0; i+1 < len(points) && want; i++ {
			if !points[i].Before(points[i+1]) {
				continue
			}
			in := false
			for _, s := range shifts {
				if s.Interval().Contains(points[i]) {
					in = true
				}
			}
			want = in
		}
		if wc.Covered != want {
			t.Fatalf("window %v with %+v: covered=%v, oracle %v", w, shifts, wc.Covered, want)
		}
		if wc.Covered {
			var holders []Shift
			for _, s := range shifts {
				if s.Interval().Contains(wi.Start) {
					holders = append(holders, s)
				}
			}
			slices.SortFunc(holders, compareShifts)
			if len(holders) == 0 || holders[0].ID != wc.ShiftID {
				t.Fatalf("ShiftID %d, holders %+v", wc.ShiftID, holders)
			}
		} else if wc.ShiftID != 0 {
			t.Fatalf("uncovered window names shift %d", wc.ShiftID)
		}
		rev := slices.Clone(shifts)
		slices.Reverse(rev)
		if got := CoverDate(day, []Window{w}, rev)[0]; got != wc {
			t.Fatalf("reversed order gave %+v, want %+v", got, wc)
		}
	})
}
