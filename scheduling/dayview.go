package scheduling

import (
	"context"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// CriticalWindows are the critical times of every day (CRITICAL_TIMES).
func (s *Service) CriticalWindows() []schedule.Window { return s.windows() }

// CoverageBetween returns the critical-time coverage of every date from..to
// (at most 62 days): the stored row, or all windows uncovered for a date
// without one.
func (s *Service) CoverageBetween(ctx context.Context, from, to schedule.Date) (map[schedule.Date]*pasched.DayCoverage, error) {
	if from.DaysUntil(to) > 62 {
		return nil, pasched.Errorf(pasched.EINVALID, "coverage of more than 62 days")
	}
	m, err := sqlstore.FindCoverageBetween(ctx, s.DB, from, to)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[schedule.Date]*pasched.DayCoverage{}
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if m[d] == nil {
			m[d] = s.uncovered(d)
		}
	}
	return m, nil
}

// WeekHours is a PA's approved hours in one Monday–Sunday week, against
// their weekly limit.
type WeekHours struct {
	Monday     schedule.Date
	Hundredths int64
	Limit      int
}

// PAWeekHours returns u's approved hours in the week of monday (u's own;
// EFORBIDDEN for an admin, who has no weekly limit).
func (s *Service) PAWeekHours(ctx context.Context, u *pasched.User, monday schedule.Date) (WeekHours, error) {
	if u.Role != pasched.RolePA {
		return WeekHours{}, pasched.Errorf(pasched.EFORBIDDEN, "PA access only.")
	}
	wh := WeekHours{Monday: monday}
	rows, err := sqlstore.FindWeeklyHours(ctx, s.DB, []int64{u.ID}, []schedule.Date{monday})
	if err != nil {
		return wh, err
	}
	if len(rows) > 0 {
		// Every row of the week carries the whole week's total.
		wh.Hundredths = rows[0].Hundredths
	}
	limits, err := sqlstore.MaxHoursPerWeek(ctx, s.DB, []int64{u.ID})
	if err != nil {
		return wh, err
	}
	wh.Limit = limits[u.ID]
	return wh, nil
}

// maxListedPeriods bounds the periods the pages list (years of rotas).
const maxListedPeriods = 1000

// OpenPeriods are the periods that take requests, earliest first.
func (s *Service) OpenPeriods(ctx context.Context) ([]*pasched.Period, error) {
	return s.periodsWhere(ctx, func(p *pasched.Period) bool { return p.Status == pasched.PeriodOpen })
}

// ActivePeriods are the periods not yet finalised, earliest first.
func (s *Service) ActivePeriods(ctx context.Context) ([]*pasched.Period, error) {
	return s.periodsWhere(ctx, func(p *pasched.Period) bool { return p.Status != pasched.PeriodFinalized })
}

// PeriodsBetween are the periods that share a date with from..to, earliest first.
func (s *Service) PeriodsBetween(ctx context.Context, from, to schedule.Date) ([]*pasched.Period, error) {
	return s.periodsWhere(ctx, func(p *pasched.Period) bool { return !p.EndDate.Before(from) && !p.StartDate.After(to) })
}

func (s *Service) periodsWhere(ctx context.Context, keep func(*pasched.Period) bool) ([]*pasched.Period, error) {
	ps, err := sqlstore.FindPeriods(ctx, s.DB, 0, maxListedPeriods)
	if err != nil {
		return nil, err
	}
	var out []*pasched.Period
	for i := len(ps) - 1; i >= 0; i-- { // FindPeriods lists the latest first
		if keep(ps[i]) {
			out = append(out, ps[i])
		}
	}
	return out, nil
}
