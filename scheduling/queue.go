package scheduling

import (
	"context"
	"fmt"
	"slices"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// The admin's approval queue: every pending request with what approving it
// would mean, worked out by the rules ApproveShift applies (schedule's
// Conflicts, WeekTotals and CoverDate) from one read of the pending
// requests, one of the approved shifts around them and one of the limits.

// QueueItem is one pending request and what approving it would do.
type QueueItem struct {
	Shift *pasched.Shift
	// Clash is an approved shift it overlaps (overnight shifts included),
	// which makes approval impossible; nil when there is none.
	Clash *pasched.Shift
	// Weeks are the Monday–Sunday weeks it reaches (two for a Sunday night
	// shift) with the PA's hours there after approval.
	Weeks []QueueWeek
	// Limit is the PA's max_hours_per_week.
	Limit int
	// Fills are the critical windows it would help cover that are not
	// covered today.
	Fills []WindowFill
}

// QueueWeek is a PA's week after a request's approval.
type QueueWeek struct {
	WeekStart  schedule.Date
	Hundredths int64 // hours after approval, in hundredths
	Over       bool  // past the PA's limit: approval needs the override
}

// Overtime reports whether approval would take the PA past their limit.
func (it *QueueItem) Overtime() bool {
	return slices.ContainsFunc(it.Weeks, func(w QueueWeek) bool { return w.Over })
}

// WindowFill is a critical window of a date that a request reaches into
// while it is not covered.
type WindowFill struct {
	Date   schedule.Date
	Window schedule.Window
	// Label names the window ("Morning (06:00–09:00)").
	Label string
	// Completes: with the request approved the window is fully covered;
	// otherwise it covers part of it.
	Completes bool
}

// QueueDay is the pending requests of one date, oldest request first.
type QueueDay struct {
	Date  schedule.Date
	Items []*QueueItem
}

// ApprovalQueue returns the pending requests grouped by date, earliest date
// first (admins only). Codes: EFORBIDDEN.
func (s *Service) ApprovalQueue(ctx context.Context, u *pasched.User) ([]QueueDay, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	pending, err := sqlstore.FindShifts(ctx, s.DB, sqlstore.ShiftFilter{Status: pasched.ShiftPending, Order: "date"})
	if err != nil {
		return nil, err
	}
	if len(pending) == 0 {
		return nil, nil
	}
	// Approved shifts that can matter: from the Sunday before the first
	// request's week (an overnight shift into its Monday) to the Sunday
	// after the last request's week, which also holds the neighbours that
	// clash checks and coverage need.
	from, _ := schedule.WeekShiftDates(pending[0].Date)
	_, to := schedule.WeekShiftDates(pending[len(pending)-1].Date.AddDays(1))
	approved, err := sqlstore.FindShifts(ctx, s.DB, sqlstore.ShiftFilter{Status: pasched.ShiftApproved, From: &from, To: &to, Order: "date"})
	if err != nil {
		return nil, err
	}
	var pas []int64
	for _, sh := range pending {
		if !slices.Contains(pas, sh.RequestedByID) {
			pas = append(pas, sh.RequestedByID)
		}
	}
	limits, err := sqlstore.MaxHoursPerWeek(ctx, s.DB, pas)
	if err != nil {
		return nil, err
	}
	return buildQueue(pending, approved, limits, s.windows()), nil
}

// buildQueue is the queue's rules, without I/O: pending in date order,
// approved every approved shift from the Sunday before the first pending
// week to the Sunday after the last.
func buildQueue(pending, approved []*pasched.Shift, limits map[int64]int, windows []schedule.Window) []QueueDay {
	rules := rulesOf(approved)
	byID := make(map[int64]*pasched.Shift, len(approved))
	byPA := map[int64][]schedule.Shift{}
	for i, a := range approved {
		byID[a.ID] = a
		byPA[a.RequestedByID] = append(byPA[a.RequestedByID], rules[i])
	}
	coverage := map[schedule.Date][]schedule.WindowCoverage{}
	covered := func(d schedule.Date) []schedule.WindowCoverage {
		if c, ok := coverage[d]; ok {
			return c
		}
		c := schedule.CoverDate(d, windows, near(rules, d))
		coverage[d] = c
		return c
	}
	var days []QueueDay
	for _, sh := range pending {
		r := sh.Rule()
		it := &QueueItem{Shift: sh, Limit: limits[sh.RequestedByID]}
		if c := schedule.Conflicts(r, rules); len(c) > 0 {
			it.Clash = byID[c[0].ID]
		}
		for _, w := range schedule.WeekTotals(byPA[sh.RequestedByID], r, it.Limit) {
			it.Weeks = append(it.Weeks, QueueWeek{WeekStart: w.WeekStart, Hundredths: w.Hundredths, Over: w.Exceeded})
		}
		for _, d := range schedule.AffectedDates(r, windows) {
			before := covered(d)
			after := schedule.CoverDate(d, windows, append(near(rules, d), r))
			for i, w := range windows {
				if !before[i].Covered && schedule.Overlaps(r.Interval(), w.On(d)) {
					it.Fills = append(it.Fills, WindowFill{Date: d, Window: w, Label: WindowLabel(i, w), Completes: after[i].Covered})
				}
			}
		}
		if n := len(days); n == 0 || days[n-1].Date != sh.Date {
			days = append(days, QueueDay{Date: sh.Date})
		}
		days[len(days)-1].Items = append(days[len(days)-1].Items, it)
	}
	for _, d := range days {
		slices.SortStableFunc(d.Items, func(a, b *QueueItem) int { return a.Shift.CreatedAt.Compare(b.Shift.CreatedAt) })
	}
	return days
}

// near keeps the shifts dated from the day before d to the day after.
func near(rules []schedule.Shift, d schedule.Date) []schedule.Shift {
	prev, next := schedule.NeighbourDates(d)
	var out []schedule.Shift
	for _, r := range rules {
		if !r.Date.Before(prev) && !r.Date.After(next) {
			out = append(out, r)
		}
	}
	return out
}

// ApproveResult is the outcome of one request of ApproveMany.
type ApproveResult struct {
	ID    int64
	Shift *pasched.Shift // approved; nil when Err is set
	Err   error
}

// ApproveMany approves several pending requests one after another, each as
// ApproveShift without the overtime override: a request that clashes (with
// an approved shift, or one approved just before it here) or would take
// its PA past their limit stays pending and its result says why. The
// others are approved. Codes (of the whole call): EFORBIDDEN.
func (s *Service) ApproveMany(ctx context.Context, u *pasched.User, ids []int64) ([]ApproveResult, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	out := make([]ApproveResult, 0, len(ids))
	for _, id := range ids {
		if slices.ContainsFunc(out, func(r ApproveResult) bool { return r.ID == id }) {
			continue
		}
		sh, err := s.ApproveShift(ctx, u, id, ApproveInput{})
		if err != nil && pasched.ErrorCode(err) == pasched.EINTERNAL {
			return out, err
		}
		out = append(out, ApproveResult{ID: id, Shift: sh, Err: err})
	}
	return out, nil
}

// FinalizePreview is what finalising a period would do, for the admin to
// confirm: the critical windows still uncovered, day by day; the pending
// requests that would be rejected; each PA's approved hours.
type FinalizePreview struct {
	Period    *pasched.Period
	Uncovered []UncoveredDay
	Pending   []*pasched.Shift
	Hours     []sqlstore.PAPeriodStats
}

// UncoveredDay is a date with the labels of its uncovered windows.
type UncoveredDay struct {
	Date    schedule.Date
	Windows []string
}

// PreviewFinalize works out FinalizePreview without changing anything
// (admins only). Codes: EFORBIDDEN, ENOTFOUND, EINVALID (already finalised).
func (s *Service) PreviewFinalize(ctx context.Context, u *pasched.User, id int64) (*FinalizePreview, error) {
	if err := requireAdmin(u); err != nil {
		return nil, err
	}
	p, err := sqlstore.FindPeriodByID(ctx, s.DB, id)
	if err != nil {
		return nil, err
	}
	if p.Status == pasched.PeriodFinalized {
		return nil, pasched.Errorf(pasched.EINVALID, "This period is already finalized.")
	}
	cov, err := sqlstore.FindCoverageBetween(ctx, s.DB, p.StartDate, p.EndDate)
	if err != nil {
		return nil, err
	}
	pv := &FinalizePreview{Period: p}
	for d := p.StartDate; !d.After(p.EndDate); d = d.AddDays(1) {
		c := cov[d]
		if c == nil {
			c = s.uncovered(d)
		}
		var labels []string
		for i, w := range s.windows() {
			if !windowCovered(c, w) {
				labels = append(labels, WindowLabel(i, w))
			}
		}
		if len(labels) > 0 {
			pv.Uncovered = append(pv.Uncovered, UncoveredDay{Date: d, Windows: labels})
		}
	}
	if pv.Pending, err = sqlstore.FindShifts(ctx, s.DB, sqlstore.ShiftFilter{PeriodID: p.ID, Status: pasched.ShiftPending, Order: "date"}); err != nil {
		return nil, err
	}
	if pv.Hours, err = sqlstore.FindPAPeriodStats(ctx, s.DB, p.ID); err != nil {
		return nil, err
	}
	return pv, nil
}

// String is the fill in words: "completes Morning (06:00–09:00) on Tuesday
// 2 March 2027" or "covers part of …".
func (f WindowFill) String() string {
	verb := "covers part of"
	if f.Completes {
		verb = "completes"
	}
	return fmt.Sprintf("%s %s on %s", verb, f.Label, DateWords(f.Date))
}

// windowCovered reports whether c says window w is covered (a stored row
// made under other CRITICAL_TIMES may lack it: then it is not).
func windowCovered(c *pasched.DayCoverage, w schedule.Window) bool {
	for _, cw := range c.Windows {
		if cw.Window == w {
			return cw.Covered
		}
	}
	return false
}
