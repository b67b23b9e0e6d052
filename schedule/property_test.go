package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Property tests: many random cases from fixed seeds, so a failure is
// reproducible.

const quarter = 15 * time.Minute

// randGridShift returns a shift dated within days of base whose times fall
// on a quarter-hour grid, so that shifts often touch and coincide.
func randGridShift(r *rand.Rand, id int64, base Date, days int) Shift {
	q := func() TimeOfDay { return timeFromMicros(int64(r.IntN(96)) * int64(quarter/time.Microsecond)) }
	return Shift{ID: id, PAID: 1, Date: base.AddDays(r.IntN(days)), Start: q(), End: q()}
}

func randWindow(r *rand.Rand) Window {
	q := func() TimeOfDay { return timeFromMicros(int64(r.IntN(96)) * int64(quarter/time.Microsecond)) }
	w := Window{Start: q(), End: q()}
	for w.End == w.Start {
		w.End = q()
	}
	return w
}

// gridCovered is a brute-force oracle for grid-aligned shifts: every
// quarter hour of the window lies in some shift.
func gridCovered(w Interval, shifts []Shift) bool {
	for t := w.Start; t.Before(w.End); t = t.Add(quarter) {
		slot := Interval{t, t.Add(quarter)}
		in := false
		for _, s := range shifts {
			if iv := s.Interval(); !slot.Start.Before(iv.Start) && !iv.End.Before(slot.End) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

func TestPropertyOverlapSymmetricAndExact(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(10, 1))
	base := MustDate(2030, 3, 2)
	for range 20000 {
		a, b := randGridShift(r, 1, base, 3), randGridShift(r, 2, base, 3)
		ai, bi := a.Interval(), b.Interval()
		got := Overlaps(ai, bi)
		if got != Overlaps(bi, ai) {
			t.Fatalf("Overlaps not symmetric for %v and %v", ai, bi)
		}
		// Oracle: some quarter hour lies in both.
		want := false
		for t := ai.Start; t.Before(ai.End); t = t.Add(quarter) {
			if bi.Contains(t) {
				want = true
				break
			}
		}
		if got != want {
			t.Fatalf("Overlaps(%v, %v) = %v, oracle says %v", ai, bi, got, want)
		}
		if (len(Conflicts(a, []Shift{b})) == 1) != got || (len(Conflicts(b, []Shift{a})) == 1) != got {
			t.Fatalf("Conflicts disagrees with Overlaps for %v and %v", ai, bi)
		}
	}
}

// TestPropertyChainCoversEverything: back-to-back shifts with random split
// points, from somewhere on the previous date to past the next date, cover
// every window of the middle date, and the shift named is the one holding
// the window's start.
func TestPropertyChainCoversEverything(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(20, 2))
	middle := MustDate(2028, 2, 29)
	for range 2000 {
		var chain []Shift
		at := middle.AddDays(-1).Midnight().Add(time.Duration(r.Int64N(int64(Day))))
		end := middle.AddDays(2).Midnight()
		for id := int64(1); at.Before(end); id++ {
			// Lengths from 1 µs to 24 h, often short.
			length := time.Duration(r.Int64N(int64(Day)/int64(1+r.IntN(50)))) + time.Microsecond
			length = length.Truncate(time.Microsecond)
			if length <= 0 {
				length = time.Microsecond
			}
			next := at.Add(length)
			chain = append(chain, Shift{ID: id, Date: DateOf(at), Start: TimeOf(at), End: TimeOf(next)})
			at = next
		}
		r.Shuffle(len(chain), func(i, j int) { chain[i], chain[j] = chain[j], chain[i] })
		windows := []Window{randWindow(r), randWindow(r)}
		windows = append(windows, DefaultWindows()...)
		for _, wc := range CoverDate(middle, windows, chain) {
			if !wc.Covered {
				t.Fatalf("window %v of %v not covered by chain", wc.Window, middle)
			}
			var holder Shift
			for _, s := range chain {
				if s.ID == wc.ShiftID {
					holder = s
				}
			}
			if !holder.Interval().Contains(wc.Window.On(middle).Start) {
				t.Fatalf("window %v: shift %d does not hold its start", wc.Window, wc.ShiftID)
			}
		}
	}
	// A chain over exactly the middle date covers every window that does
	// not cross midnight.
	for range 2000 {
		var chain []Shift
		at, end := middle.Midnight(), middle.AddDays(1).Midnight()
		for id := int64(1); at.Before(end); id++ {
			next := at.Add(time.Duration(r.Int64N(int64(6*time.Hour))) + time.Microsecond).Truncate(time.Microsecond)
			if next.After(end) {
				next = end
			}
			if !next.After(at) {
				next = at.Add(time.Microsecond)
			}
			chain = append(chain, Shift{ID: id, Date: DateOf(at), Start: TimeOf(at), End: TimeOf(next)})
			at = next
		}
		for _, w := range []Window{randWindow(r), randWindow(r), randWindow(r)} {
			wc := CoverDate(middle, []Window{w}, chain)[0]
			if crosses := w.On(middle).End.After(end); wc.Covered == crosses {
				t.Fatalf("24 h chain: window %v covered=%v", w, wc.Covered)
			}
		}
	}
}

// TestPropertyCoverageOrderIndependent: coverage (and the shift named) never
// depends on the order of the shifts, and agrees with a brute-force oracle.
func TestPropertyCoverageOrderIndependent(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(30, 3))
	day := MustDate(2030, 12, 31)
	for range 3000 {
		shifts := make([]Shift, r.IntN(8))
		for i := range shifts {
			shifts[i] = randGridShift(r, int64(1+r.IntN(5)), day.AddDays(-1), 3)
		}
		windows := []Window{randWindow(r), randWindow(r)}
		want := CoverDate(day, windows, shifts)
		for i, wc := range want {
			if oracle := gridCovered(windows[i].On(day), shifts); wc.Covered != oracle {
				t.Fatalf("window %v with %+v: covered=%v, oracle %v", windows[i], shifts, wc.Covered, oracle)
			}
			// The shift named holds the window's start and no holder starts
			// earlier, or as early with a lower ID.
			var named int64
			var best Shift
			for _, s := range shifts {
				if s.Interval().Contains(windows[i].On(day).Start) && (named == 0 || compareShifts(s, best) < 0) {
					named, best = s.ID, s
				}
			}
			if !wc.Covered {
				named = 0
			}
			if wc.ShiftID != named {
				t.Fatalf("window %v with %+v: ShiftID %d, want %d", windows[i], shifts, wc.ShiftID, named)
			}
		}
		for range 5 {
			p := slices.Clone(shifts)
			r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
			if got := CoverDate(day, windows, p); !slices.Equal(got, want) {
				t.Fatalf("order changed coverage: %+v vs %+v for %+v", got, want, p)
			}
		}
	}
}

// TestPropertyWeeksSumToTotal: the weekly hours of consecutive weeks add up
// to the durations of all the shifts, however overnight shifts split.
func TestPropertyWeeksSumToTotal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(40, 4))
	first := MustDate(2026, 12, 28) // ISO week 53 of 2026
	for range 2000 {
		shifts := make([]Shift, r.IntN(30))
		var want int64
		for i := range shifts {
			s := Shift{ID: int64(i + 1), Date: first.AddDays(r.IntN(21)),
				Start: timeFromMicros(r.Int64N(microsPerDay)), End: timeFromMicros(r.Int64N(microsPerDay))}
			if r.IntN(3) == 0 { // whole minutes, like most real shifts
				s.Start, s.End = timeFromMicros(s.Start.us/6e7*6e7), timeFromMicros(s.End.us/6e7*6e7)
			}
			shifts[i] = s
			want += DurationHundredths(s.Start, s.End)
		}
		var got int64
		for w := 0; w < 4; w++ { // three weeks, and the one the last Sunday night spills into
			got += WeeklyHundredths(first.AddDays(7*w), shifts)
		}
		if got != want {
			t.Fatalf("weeks sum to %d, shifts to %d", got, want)
		}
		var byDate int64
		for i := -1; i < 23; i++ {
			for _, s := range shifts {
				byDate += HoursOnDate(first.AddDays(i), s)
			}
		}
		if byDate != want {
			t.Fatalf("dates sum to %d, shifts to %d", byDate, want)
		}
	}
}

// TestPropertyDayViews: a shift appears in a day's hours exactly on the
// dates it touches, and InWindow agrees with a minute-by-minute oracle.
func TestPropertyDayViews(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(50, 5))
	base := MustDate(2030, 3, 30)
	for range 3000 {
		s := randGridShift(r, 1, base, 1)
		touched := DatesTouched(s)
		for off := -1; off <= 2; off++ {
			x := base.AddDays(off)
			hours := DayHours(x, s)
			if (len(hours) > 0) != slices.Contains(touched, x) || OnDate(x, s) != (len(hours) > 0) {
				t.Fatalf("%v %v–%v on %v: hours %v, touched %v", s.Date, s.Start, s.End, x, hours, touched)
			}
			for h := 0; h < 24; h++ {
				slot := Interval{x.Midnight().Add(time.Duration(h) * time.Hour), x.Midnight().Add(time.Duration(h+1) * time.Hour)}
				if slices.Contains(hours, h) != Overlaps(slot, s.Interval()) {
					t.Fatalf("%v–%v on %v hour %d: DayHours %v", s.Start, s.End, x, h, hours)
				}
			}
		}
		ws := []Window{randWindow(r), randWindow(r)}
		for h := 0; h < 24; h++ {
			want := false
			for m := h * 60; m < (h+1)*60 && !want; m++ {
				at := base.Midnight().Add(time.Duration(m) * time.Minute)
				for _, w := range ws {
					if w.On(base).Contains(at) || w.On(base.AddDays(-1)).Contains(at) {
						want = true
					}
				}
			}
			if got := InWindow(h, ws); got != want {
				t.Fatalf("InWindow(%d, %v) = %v, oracle %v", h, ws, got, want)
			}
		}
	}
}
