package intel

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"pasched/schedule"
)

// Points of the ranking. A suggestion's score is the sum of its parts; each
// part comes with its reason in words. Documented here so that the console
// and the tests say the same thing.
const (
	// PointsPerHourLeft per whole hour left under the weekly limit after
	// taking the slot, up to MaxHoursLeftPoints.
	PointsPerHourLeft  = 1
	MaxHoursLeftPoints = 20
	// PreferredDayPoints when the slot's day is among the PA's preferred days.
	PreferredDayPoints = 10
	// PreferredTimePoints when the slot lies within the PA's preferred hours.
	PreferredTimePoints = 10
	// PointsPerPastSlot for each time in the last twelve weeks the PA worked
	// a shift overlapping the same time on the same day of the week, up to
	// MaxPastSlotPoints.
	PointsPerPastSlot = 4
	MaxPastSlotPoints = 24
	// UsuallyWorks is how many such times make the PA "usually" work it.
	UsuallyWorks = 4
	// Reliability: (reliability% − 50) / 10 points, from −5 (0%) to +5 (100%).
	// RecentLoadHoursPerPoint: one point off per this many hours worked or
	// booked in the seven days before the slot, up to MaxRecentLoadPenalty.
	RecentLoadHoursPerPoint = 8
	MaxRecentLoadPenalty    = 10
	// RecentOfferPenalty per cover offer the PA was sent in the last
	// RecentOfferDays days, up to MaxRecentOfferPenalty: the fairness guard,
	// so the same PA is not always asked first. Among equal scores first
	// place rotates with the slot (see tieKey).
	RecentOfferPenalty    = 3
	MaxRecentOfferPenalty = 12
	RecentOfferDays       = 14
)

// Candidate is what the ranking needs to know of one PA.
type Candidate struct {
	PAID     int64
	Name     string
	MaxHours int
	// PreferredDays are lower-case day names ("tuesday").
	PreferredDays []string
	// PreferredStart and PreferredEnd bound the hours the PA prefers (an
	// end at or before the start runs past midnight); nil when not given.
	PreferredStart, PreferredEnd *schedule.TimeOfDay
	// Busy are the PA's approved and pending shifts dated from the day
	// before the slot to the day after: any overlap rules the PA out.
	Busy []schedule.Shift
	// Approved are the PA's approved shifts from twelve weeks before the
	// slot through the Sunday after it: weekly hours, history, recent load.
	Approved []schedule.Shift
	// ReliabilityHundredths is PAStats.ReliabilityHundredths (10000 = 100%).
	ReliabilityHundredths int64
	// RecentOffers counts the cover offers sent to the PA in the last
	// RecentOfferDays days.
	RecentOffers int
}

// Part is one reason of a suggestion and what it adds to the score.
type Part struct {
	Points int
	Reason string
}

// Suggestion is a PA who could cover a slot, with the score's parts.
type Suggestion struct {
	PAID   int64
	Name   string
	Score  int
	Parts  []Part
	Why    string // the reasons joined: "free; 12 h left this week; …"
	tieKey uint64
}

// Excluded says why a PA is not suggested.
type Excluded struct {
	PAID   int64
	Name   string
	Reason string
}

// Rank orders the candidates who could cover slot, best first, and says why
// the others cannot. A PA with an approved or pending shift overlapping the
// slot (overnight shifts included), or whom the slot would take past their
// weekly limit, is never suggested. The order is deterministic: score, then
// a key that rotates among equal scores from slot to slot (so equals take
// turns at first place), then PA id.
func Rank(slot schedule.Shift, cands []Candidate) ([]Suggestion, []Excluded) {
	var out []Suggestion
	var excluded []Excluded
	for _, c := range cands {
		s, why := score(slot, c)
		if why != "" {
			excluded = append(excluded, Excluded{PAID: c.PAID, Name: c.Name, Reason: why})
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Suggestion) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.tieKey, b.tieKey); c != 0 {
			return c
		}
		return cmp.Compare(a.PAID, b.PAID)
	})
	return out, excluded
}

// tieKey is a hash of the slot and the PA: among equal scores the order is
// fixed for one slot and shuffled from one slot to the next.
func tieKey(slot schedule.Shift, pa int64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(slot.Date.String() + "|" + slot.Start.String() + "|" + strconv.FormatInt(pa, 10)))
	return h.Sum64()
}

func score(slot schedule.Shift, c Candidate) (Suggestion, string) {
	s := Suggestion{PAID: c.PAID, Name: c.Name, tieKey: tieKey(slot, c.PAID)}
	if clash := schedule.Conflicts(slot, c.Busy); len(clash) > 0 {
		o := clash[0]
		return s, fmt.Sprintf("has a shift %s %s–%s", o.Date, hm(o.Start), hm(o.End))
	}
	totals := schedule.WeekTotals(c.Approved, slot, c.MaxHours)
	left := int64(c.MaxHours) * 100
	for _, t := range totals {
		if t.Exceeded {
			return s, fmt.Sprintf("would reach %s h in the week of %s, over their limit of %d h", schedule.FormatHours(t.Hundredths), t.WeekStart, c.MaxHours)
		}
		left = min(left, int64(c.MaxHours)*100-t.Hundredths)
	}
	s.add(0, "free")
	hoursLeft := int(left / 100)
	s.add(min(hoursLeft*PointsPerHourLeft, MaxHoursLeftPoints), fmt.Sprintf("%d h left this week", hoursLeft))

	day := DayName(slot.Date)
	if slices.Contains(c.PreferredDays, day) {
		s.add(PreferredDayPoints, "prefers "+Title(day)+"s")
	}
	if c.PreferredStart != nil && c.PreferredEnd != nil && *c.PreferredStart != *c.PreferredEnd && within(slot, *c.PreferredStart, *c.PreferredEnd) {
		s.add(PreferredTimePoints, fmt.Sprintf("prefers %s–%s", hm(*c.PreferredStart), hm(*c.PreferredEnd)))
	}

	if n := pastSlots(slot, c.Approved); n > 0 {
		what := Title(day) + " " + partOfDay(slot.Start)
		reason := fmt.Sprintf("worked %s %s in the last %d weeks", what, times(n), StatsWeeks)
		if n >= UsuallyWorks {
			reason = "usually works " + what
		}
		s.add(min(n*PointsPerPastSlot, MaxPastSlotPoints), reason)
	}

	rel := c.ReliabilityHundredths
	s.add(int((rel/100-50)/10), "reliability "+percent(rel))

	load := recentLoad(slot, c.Approved)
	h := int(load / 100)
	if p := min(h/RecentLoadHoursPerPoint, MaxRecentLoadPenalty); p > 0 {
		s.add(-p, fmt.Sprintf("busy lately: %d h in the 7 days before", h))
	} else {
		s.add(0, fmt.Sprintf("light recent load: %d h in the 7 days before", h))
	}
	if c.RecentOffers > 0 {
		s.add(-min(c.RecentOffers*RecentOfferPenalty, MaxRecentOfferPenalty),
			fmt.Sprintf("asked to cover %s in the last %d days", times(c.RecentOffers), RecentOfferDays))
	}
	reasons := make([]string, len(s.Parts))
	for i, p := range s.Parts {
		reasons[i] = p.Reason
	}
	s.Why = strings.Join(reasons, "; ")
	return s, ""
}

func (s *Suggestion) add(points int, reason string) {
	s.Score += points
	s.Parts = append(s.Parts, Part{Points: points, Reason: reason})
}

// within reports whether slot lies inside the daily preferred hours
// start–end (which may run past midnight), on the slot's date or the one
// before.
func within(slot schedule.Shift, start, end schedule.TimeOfDay) bool {
	si := slot.Interval()
	for _, off := range []int{-1, 0} {
		p := schedule.Shift{Date: slot.Date.AddDays(off), Start: start, End: end}.Interval()
		if !si.Start.Before(p.Start) && !si.End.After(p.End) {
			return true
		}
	}
	return false
}

// pastSlots counts the approved shifts of the twelve weeks before slot's
// date that, moved to the same day of the week in slot's week, overlap it
// (a night starting the day before a morning slot counts).
func pastSlots(slot schedule.Shift, approved []schedule.Shift) int {
	si := slot.Interval()
	n := 0
	for _, a := range approved {
		days := a.Date.DaysUntil(slot.Date)
		if days <= 0 || days > StatsWeeks*7 {
			continue
		}
		moved := a
		moved.Date = a.Date.AddDays(days / 7 * 7)
		if schedule.Overlaps(moved.Interval(), si) {
			n++
		}
	}
	return n
}

// recentLoad is the approved hours (hundredths) within the seven days before
// the slot starts.
func recentLoad(slot schedule.Shift, approved []schedule.Shift) int64 {
	end := slot.Interval().Start
	span := schedule.Interval{Start: end.Add(-7 * schedule.Day), End: end}
	var total time.Duration
	for _, a := range approved {
		iv := a.Interval()
		lo, hi := iv.Start, iv.End
		if span.Start.After(lo) {
			lo = span.Start
		}
		if span.End.Before(hi) {
			hi = span.End
		}
		if hi.After(lo) {
			total += hi.Sub(lo)
		}
	}
	return divHalfEven(int64(total/time.Second)*100, 3600)
}

// partOfDay names the part of the day a slot starts in.
func partOfDay(t schedule.TimeOfDay) string {
	switch h := t.Hour(); {
	case h < 12:
		return "mornings"
	case h < 18:
		return "afternoons"
	}
	return "evenings"
}

func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// percent formats hundredths of a percent: 10000 → "100%", 9550 → "95.5%".
func percent(h int64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", h/100, h%100), "0"), ".")
	return s + "%"
}

// hm formats a time as 06:00.
func hm(t schedule.TimeOfDay) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) }

// HM formats a time of day as 06:00 (for the digest and emails).
func HM(t schedule.TimeOfDay) string { return hm(t) }
