package scheduling

import (
	"context"
	"time"

	"pasched"
	"pasched/intel"
	"pasched/schedule"
	"pasched/sqlstore"
)

// DayWindows is a date's critical windows with what is missing of each.
type DayWindows struct {
	Date    schedule.Date
	Windows []WindowState
}

// WindowState is one critical window of a date.
type WindowState struct {
	Window schedule.Window
	Label  string
	// Missing are the uncovered stretches, in order (empty: covered).
	Missing []schedule.Shift
	// Partly: some of the window is covered, not all.
	Partly bool
	// MissingMinutes is the uncovered time in whole minutes.
	MissingMinutes int
}

// CoverageOf works out every critical window of the dates from through to
// (at most a year) from the approved shifts, with the uncovered stretches
// named (admins only). Codes: EFORBIDDEN, EINVALID.
func (s *Service) CoverageOf(ctx context.Context, u *pasched.User, from, to schedule.Date) ([]DayWindows, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	if to.Before(from) || from.DaysUntil(to) > pasched.MaxPeriodDays {
		return nil, pasched.Errorf(pasched.EINVALID, "Choose at most a year of dates, the first before the last.")
	}
	prev, _ := schedule.NeighbourDates(from)
	_, next := schedule.NeighbourDates(to)
	shifts, err := sqlstore.FindShifts(ctx, s.DB, sqlstore.ShiftFilter{Status: pasched.ShiftApproved, From: &prev, To: &next, Order: "date"})
	if err != nil {
		return nil, err
	}
	windows := s.windows()
	gaps := intel.FindGaps(from, to, windows, rulesOf(shifts), time.Time{})
	out := make([]DayWindows, 0, from.DaysUntil(to)+1)
	gi := 0
	for d := from; !d.After(to); d = d.AddDays(1) {
		day := DayWindows{Date: d}
		for i, w := range windows {
			ws := WindowState{Window: w, Label: WindowLabel(i, w)}
			if gi < len(gaps) && gaps[gi].Date == d && gaps[gi].Window == w {
				g := gaps[gi]
				gi++
				ws.Missing, ws.MissingMinutes = g.Slots, g.UncoveredMinutes
				ws.Partly = g.UncoveredMinutes < int(w.On(d).Duration()/time.Minute)
			}
			day.Windows = append(day.Windows, ws)
		}
		out = append(out, day)
	}
	return out, nil
}

// PAWeek is a PA's approved hours in one Monday–Sunday week.
type PAWeek struct {
	PA         *pasched.User
	WeekStart  schedule.Date
	Hundredths int64
	Limit      int
	Over       bool
}

// WeeklyHoursFrom returns every active PA's hours in the weeks from the
// week of from through the week of to, PA by PA (admins only). Weeks
// without an approved shift count zero hours. Codes: EFORBIDDEN.
func (s *Service) WeeklyHoursFrom(ctx context.Context, u *pasched.User, from, to schedule.Date) ([]PAWeek, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	pas, err := sqlstore.ListActiveUsers(ctx, s.DB, pasched.RolePA)
	if err != nil {
		return nil, err
	}
	first, last := schedule.WeekStart(from), schedule.WeekStart(to)
	lo, _ := schedule.WeekShiftDates(first)
	_, hi := schedule.WeekShiftDates(last)
	shifts, err := sqlstore.FindShifts(ctx, s.DB, sqlstore.ShiftFilter{Status: pasched.ShiftApproved, From: &lo, To: &hi, Order: "date"})
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(pas))
	for i, p := range pas {
		ids[i] = p.ID
	}
	limits, err := sqlstore.MaxHoursPerWeek(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	byPA := map[int64][]schedule.Shift{}
	for _, sh := range shifts {
		byPA[sh.RequestedByID] = append(byPA[sh.RequestedByID], sh.Rule())
	}
	var out []PAWeek
	for _, p := range pas {
		for w := first; !w.After(last); w = w.AddDays(7) {
			h := schedule.WeeklyHundredths(w, byPA[p.ID])
			out = append(out, PAWeek{PA: p, WeekStart: w, Hundredths: h, Limit: limits[p.ID], Over: schedule.ExceedsLimit(h, limits[p.ID])})
		}
	}
	return out, nil
}
