package coverage

import (
	"context"
	"fmt"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/schedule"
	"pasched/sqlstore"
)

// SuggestionsPerSlot is how many ranked PAs a report lists for each slot.
const SuggestionsPerSlot = 5

// Report is the upcoming coverage: every critical window from From to To
// not fully covered, each uncovered slot with the PAs who could cover it.
// The console renders it as it is.
type Report struct {
	From, To    schedule.Date
	Days        int
	GeneratedAt time.Time
	Gaps        []GapView
	// UncoveredMinutes is the sum over the gaps.
	UncoveredMinutes int
}

// GapView is one gap with its slots.
type GapView struct {
	intel.Gap
	Slots []SlotView
}

// SlotView is one uncovered stretch and who could take it, best first.
type SlotView struct {
	Slot        schedule.Shift
	Minutes     int
	Suggestions []intel.Suggestion
	// Unavailable are the PAs ruled out, with why (a clash, their limit).
	Unavailable []intel.Excluded
}

// ParseDays reads a horizon in days: a whole number from 1 to MaxDays.
// Codes: EINVALID (a message, no fields).
func ParseDays(raw string) (int, error) {
	n := 0
	if raw == "" || len(raw) > 3 {
		return 0, errDays(raw)
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, errDays(raw)
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > MaxDays {
		return 0, errDays(raw)
	}
	return n, nil
}

func errDays(raw string) error {
	return pasched.Errorf(pasched.EINVALID, "%s", fmt.Sprintf("days must be a whole number from 1 to %d, got %q.", MaxDays, raw))
}

// Gaps reports the gaps of the next days (0: the configured horizon) with
// suggestions (admins only). Codes: EFORBIDDEN, EINVALID (days out of range).
func (s *Service) Gaps(ctx context.Context, u *pasched.User, days int) (*Report, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	if days == 0 {
		days = s.days()
	}
	if days < 1 || days > MaxDays {
		return nil, errDays(fmt.Sprint(days))
	}
	return s.report(ctx, s.now(), days, true)
}

// report computes the gaps of days dates from today at now, and ranks
// candidates for each slot when suggest is set.
func (s *Service) report(ctx context.Context, now time.Time, days int, suggest bool) (*Report, error) {
	today := s.today(now)
	r := &Report{From: today, To: today.AddDays(days - 1), Days: days, GeneratedAt: now.UTC()}
	// History for the ranking reaches twelve weeks back; the week of the
	// last date reaches to its Sunday.
	from, to := today.AddDays(-intel.StatsWeeks*7-1), schedule.WeekStart(r.To).AddDays(7)
	if !suggest {
		from = today.AddDays(-1)
	}
	shifts, err := sqlstore.FindOccupyingShifts(ctx, s.DB, from, to)
	if err != nil {
		return nil, err
	}
	var approved []schedule.Shift
	for _, sh := range shifts {
		if sh.Status == pasched.ShiftApproved {
			approved = append(approved, sh.Rule())
		}
	}
	gaps := intel.FindGaps(r.From, r.To, s.windows(), approved, intel.Wall(now, s.loc()))
	var cands []intel.Candidate
	if suggest && len(gaps) > 0 {
		if cands, err = s.candidates(ctx, now, shifts); err != nil {
			return nil, err
		}
	}
	for _, g := range gaps {
		v := GapView{Gap: g}
		for _, slot := range g.Slots {
			sv := SlotView{Slot: slot, Minutes: intel.SlotMinutes(slot)}
			if suggest {
				ranked, excluded := intel.Rank(slot, cands)
				if len(ranked) > SuggestionsPerSlot {
					ranked = ranked[:SuggestionsPerSlot]
				}
				sv.Suggestions, sv.Unavailable = ranked, excluded
			}
			v.Slots = append(v.Slots, sv)
		}
		r.Gaps = append(r.Gaps, v)
		r.UncoveredMinutes += g.UncoveredMinutes
	}
	return r, nil
}

// candidates builds the ranking's view of every active PA from the shifts
// read for the report.
func (s *Service) candidates(ctx context.Context, now time.Time, shifts []*pasched.Shift) ([]intel.Candidate, error) {
	pas, err := sqlstore.FindPACandidates(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	offers, err := sqlstore.CountRecentOffers(ctx, s.DB, now.Add(-intel.RecentOfferDays*24*time.Hour))
	if err != nil {
		return nil, err
	}
	byPA := map[int64]*intel.Candidate{}
	out := make([]intel.Candidate, len(pas))
	for i, p := range pas {
		out[i] = intel.Candidate{PAID: p.ID, Name: p.Name, MaxHours: p.MaxHours, PreferredDays: p.PreferredDays,
			PreferredStart: p.PreferredStart, PreferredEnd: p.PreferredEnd,
			ReliabilityHundredths: p.ReliabilityHundredths, RecentOffers: offers[p.ID]}
		byPA[p.ID] = &out[i]
	}
	for _, sh := range shifts {
		c := byPA[sh.RequestedByID]
		if c == nil {
			continue
		}
		c.Busy = append(c.Busy, sh.Rule())
		if sh.Status == pasched.ShiftApproved {
			c.Approved = append(c.Approved, sh.Rule())
		}
	}
	return out, nil
}
