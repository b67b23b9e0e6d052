package intel

import (
	"slices"
	"strings"
	"time"

	"pasched"
	"pasched/schedule"
)

// StatsWeeks is how far back the pattern statistics look: the seed's
// twelve weeks.
const StatsWeeks = 12

// requestTimingSample is how many shifts the typical request lead time is
// averaged over: the seed's 50 most recently requested.
const requestTimingSample = 50

// DayNames are the lower-case English day names the seed stores, Monday
// first (Python's weekday() order).
var DayNames = [7]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// DayName returns d's lower-case English day name.
func DayName(d schedule.Date) string { return DayNames[(int(d.Weekday())+6)%7] }

// RealSpan returns the real instants a shift starts and ends in loc: its
// wall-clock start on its date and its end on the same or the next date.
// Across a daylight-saving change the real length differs from the
// wall-clock one (a 22:00–06:00 night is 7 h when the clocks go forward,
// 9 h when they go back). A wall-clock time that does not exist (inside the
// spring gap) is taken as time.Date normalises it.
func RealSpan(s schedule.Shift, loc *time.Location) (start, end time.Time) {
	at := func(d schedule.Date, t schedule.TimeOfDay) time.Time {
		y, m, day := d.Date()
		return time.Date(y, m, day, t.Hour(), t.Minute(), t.Second(), t.Microsecond()*1000, loc)
	}
	start = at(s.Date, s.Start)
	endDate := s.Date
	if s.EndsNextDay() {
		endDate = endDate.AddDays(1)
	}
	return start, at(endDate, s.End)
}

// RealHundredths is the real length of s in loc in hundredths of an hour,
// rounded half to even (as the seed's two-place decimals).
func RealHundredths(s schedule.Shift, loc *time.Location) int64 {
	start, end := RealSpan(s, loc)
	return divHalfEven(int64(end.Sub(start)/time.Microsecond)*100, 3_600_000_000)
}

// divHalfEven is n/d rounded half to even (n ≥ 0, d > 0).
func divHalfEven(n, d int64) int64 {
	q, r := n/d, n%d
	if 2*r > d || (2*r == d && q%2 == 1) {
		q++
	}
	return q
}

// ComputeStats computes a PA's pattern statistics from all their shift
// requests (any status), as the seed's calculate_pa_patterns does, at now,
// in TIME_ZONE loc. Every field is recomputed from scratch.
//
// Kept from the seed: the twelve-week window and the division by 12 for the
// weekly average; most common days counted per shift date; the average shift
// length as most_common_shift_length; the pattern thresholds (start before
// 12:00 is a morning, from 18:00 an evening; over 60% of either names it,
// over 30% of both is full_day, else mixed); reliability as requests not
// cancelled over all requests; the lead time averaged (floored) over the 50
// most recently requested shifts of the window, negative leads ignored; the
// consecutive-days average floored.
//
// Fixed (the seed is wrong here):
//   - A shift counts as worked once it has ended (approved, its real end at or
//     before now): the seed counted future approved shifts in the totals and
//     could give a last_worked_date in the future.
//   - Hours are real elapsed hours in loc, so a night across a daylight-saving
//     change counts 7 or 9 hours, not the wall-clock 8; overnight shifts count
//     their hours after midnight.
//   - "Today" and a request's creation date are taken in loc, not in UTC.
//   - The window is exactly twelve weeks (84 dates ending today); the seed's
//     took 85 dates and divided by 12.
//   - A PA with no shifts (or none left in the window) gets empty values:
//     the seed kept the previous run's averages, pattern, start time, lead
//     time and streak.
//   - Ties for the most common start time go to the earliest (the seed's
//     pick depended on the database).
//   - The consecutive-days run still going at the last shift counts, and two
//     shifts on one date do not break a run (the seed dropped the last run
//     and reset on duplicates, so Monday–Wednesday gave nothing).
func ComputeStats(paID int64, shifts []*pasched.Shift, now time.Time, loc *time.Location) pasched.PAStats {
	st := pasched.PAStats{PAID: paID, ReliabilityHundredths: 10000, LastCalculated: now}
	today := schedule.DateOf(now.In(loc))
	from := today.AddDays(-(StatsWeeks*7 - 1))

	var window []*pasched.Shift
	hours := map[*pasched.Shift]int64{}
	cancelled := 0
	for _, sh := range shifts {
		if sh.Status == pasched.ShiftCancelled {
			cancelled++
		}
		if sh.Status != pasched.ShiftApproved {
			continue
		}
		if _, end := RealSpan(sh.Rule(), loc); end.After(now) {
			continue // not worked yet
		}
		h := RealHundredths(sh.Rule(), loc)
		hours[sh] = h
		st.TotalShiftsWorked++
		st.TotalHundredths += h
		if st.LastWorkedDate == nil || sh.Date.After(*st.LastWorkedDate) {
			d := sh.Date
			st.LastWorkedDate = &d
		}
		if !sh.Date.Before(from) && !sh.Date.After(today) {
			window = append(window, sh)
		}
	}
	if len(shifts) > 0 {
		st.ReliabilityHundredths = divHalfEven(int64(len(shifts)-cancelled)*10000, int64(len(shifts)))
	}
	if len(window) == 0 {
		return st
	}

	var windowHundredths int64
	days := map[string]int{}
	starts := map[schedule.TimeOfDay]int{}
	mornings, evenings := 0, 0
	for _, sh := range window {
		windowHundredths += hours[sh]
		days[DayName(sh.Date)]++
		starts[sh.Start]++
		switch h := sh.Start.Hour(); {
		case h < 12:
			mornings++
		case h >= 18:
			evenings++
		}
	}
	st.AverageWeeklyHundredths = divHalfEven(windowHundredths, StatsWeeks)
	for _, name := range DayNames {
		if n := days[name]; n > 0 {
			st.MostCommonDays = append(st.MostCommonDays, pasched.DayCount{Day: name, Count: n})
		}
	}
	var best schedule.TimeOfDay
	bestN := 0
	for t, n := range starts {
		if n > bestN || (n == bestN && t.Before(best)) {
			best, bestN = t, n
		}
	}
	st.MostCommonStart = &best
	avg := divHalfEven(windowHundredths, int64(len(window)))
	st.AverageShiftHundredths = &avg

	n := len(window)
	switch {
	case mornings*10 > n*6:
		st.Pattern = pasched.PatternMorning
	case evenings*10 > n*6:
		st.Pattern = pasched.PatternEvening
	case mornings*10 > n*3 && evenings*10 > n*3:
		st.Pattern = pasched.PatternFullDay
	default:
		st.Pattern = pasched.PatternMixed
	}

	// Lead time over the 50 most recently requested (the seed's
	// -created_at ordering), creation dates taken in loc.
	recent := slices.Clone(window)
	slices.SortStableFunc(recent, func(a, b *pasched.Shift) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	if len(recent) > requestTimingSample {
		recent = recent[:requestTimingSample]
	}
	sum, count := 0, 0
	for _, sh := range recent {
		if lead := schedule.DateOf(sh.CreatedAt.In(loc)).DaysUntil(sh.Date); lead >= 0 {
			sum += lead
			count++
		}
	}
	if count > 0 {
		v := sum / count
		st.TypicalRequestDays = &v
	}

	var dates []schedule.Date
	for _, sh := range window {
		if !slices.Contains(dates, sh.Date) {
			dates = append(dates, sh.Date)
		}
	}
	slices.SortFunc(dates, schedule.Date.Compare)
	var streaks []int
	run := 1
	for i := 1; i <= len(dates); i++ {
		if i < len(dates) && dates[i-1].DaysUntil(dates[i]) == 1 {
			run++
			continue
		}
		if run > 1 {
			streaks = append(streaks, run)
		}
		run = 1
	}
	if len(streaks) > 0 {
		total := 0
		for _, s := range streaks {
			total += s
		}
		v := total / len(streaks)
		st.ConsecutiveDays = &v
	}
	return st
}

// PatternWords names a pattern for people ("mostly mornings").
func PatternWords(p string) string {
	switch p {
	case pasched.PatternMorning:
		return "mostly mornings"
	case pasched.PatternEvening:
		return "mostly evenings"
	case pasched.PatternFullDay:
		return "mornings and evenings"
	case pasched.PatternMixed:
		return "a mix of times"
	}
	return "no pattern yet"
}

// Title capitalises a day name ("tuesday" → "Tuesday").
func Title(day string) string {
	if day == "" {
		return ""
	}
	return strings.ToUpper(day[:1]) + day[1:]
}
