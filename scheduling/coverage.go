package scheduling

import (
	"context"
	"slices"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// windows are the configured critical times (the seed's two by default).
func (s *Service) windows() []schedule.Window {
	if len(s.Windows) == 0 {
		return schedule.DefaultWindows()
	}
	return s.Windows
}

// effect is what a change does to the approved shifts: the approved
// versions it removes (a deleted approved shift, the old side of an edit)
// and those it adds (an approval, a direct creation, the new side of an
// edit). Coverage and weekly hours are recomputed where either reaches.
type effect struct {
	removed []schedule.Shift
	added   []*pasched.Shift
	// periodID is the room of the coverage alerts.
	periodID int64
	// oldPeriodID, when an edit moved the shift to another period, is the
	// room it left: its sockets hear of the change too.
	oldPeriodID int64
}

// rooms are the periods whose sockets hear of the effect.
func (e *effect) rooms() []int64 {
	if e.oldPeriodID != 0 && e.oldPeriodID != e.periodID {
		return []int64{e.periodID, e.oldPeriodID}
	}
	return []int64{e.periodID}
}

func (e *effect) empty() bool { return len(e.removed) == 0 && len(e.added) == 0 }

// rules returns every shift version the effect touches.
func (e *effect) rules() []schedule.Shift {
	out := slices.Clone(e.removed)
	for _, a := range e.added {
		out = append(out, a.Rule())
	}
	return out
}

// coverageDates are the dates whose coverage the effect may change: every
// date a touched shift runs on, and every date whose windows it overlaps.
func (s *Service) coverageDates(e *effect) []schedule.Date {
	var ds []schedule.Date
	for _, r := range e.rules() {
		for _, d := range append(schedule.DatesTouched(r), schedule.AffectedDates(r, s.windows())...) {
			if !slices.Contains(ds, d) {
				ds = append(ds, d)
			}
		}
	}
	slices.SortFunc(ds, schedule.Date.Compare)
	return ds
}

// weeksByPA are the Mondays of the weeks whose hours the effect may change,
// per PA.
func weeksByPA(e *effect) map[int64][]schedule.Date {
	out := map[int64][]schedule.Date{}
	for _, r := range e.rules() {
		for _, w := range schedule.WeeksTouched(r) {
			if !slices.Contains(out[r.PAID], w) {
				out[r.PAID] = append(out[r.PAID], w)
			}
		}
	}
	return out
}

// mergeRanges sorts and merges overlapping or adjacent date ranges.
func mergeRanges(rs []sqlstore.ShiftDates) []sqlstore.ShiftDates {
	slices.SortFunc(rs, func(a, b sqlstore.ShiftDates) int { return a.From.Compare(b.From) })
	var out []sqlstore.ShiftDates
	for _, r := range rs {
		if n := len(out); n > 0 && !r.From.After(out[n-1].To.AddDays(1)) {
			if r.To.After(out[n-1].To) {
				out[n-1].To = r.To
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// around returns the range of stored shift dates that can overlap a shift
// dated d (NeighbourDates).
func around(d schedule.Date) sqlstore.ShiftDates {
	prev, next := schedule.NeighbourDates(d)
	return sqlstore.ShiftDates{From: prev, To: next}
}

// slotQuery extends q so that the snapshot also holds what recomputing the
// effect needs: approved shifts of anyone around each coverage date, and the
// PAs' approved shifts of every touched week.
func (s *Service) slotQuery(q sqlstore.SlotQuery, e *effect) sqlstore.SlotQuery {
	for _, d := range s.coverageDates(e) {
		q.Around = append(q.Around, around(d))
	}
	q.Around = mergeRanges(q.Around)
	for pa, weeks := range weeksByPA(e) {
		if !slices.Contains(q.PAs, pa) {
			q.PAs = append(q.PAs, pa)
		}
		for _, w := range weeks {
			from, to := schedule.WeekShiftDates(w)
			q.PARanges = append(q.PARanges, sqlstore.ShiftDates{From: from, To: to})
		}
	}
	slices.Sort(q.PAs)
	q.PARanges = mergeRanges(q.PARanges)
	return q
}

// snapshot is the shifts around a change, read under the schedule lock, so
// the rules can be checked and the change's consequences worked out without
// reading again.
type snapshot struct {
	shifts []*pasched.Shift
	// limits caches the PAs' max_hours_per_week read so far.
	limits map[int64]int
}

// maxHours returns the weekly limits of ids, reading those not yet known.
func (sn *snapshot) maxHours(ctx context.Context, tx *wtx, ids []int64) (map[int64]int, error) {
	var missing []int64
	for _, id := range ids {
		if _, ok := sn.limits[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		got, err := sqlstore.MaxHoursPerWeek(ctx, tx, missing)
		if err != nil {
			return nil, err
		}
		if sn.limits == nil {
			sn.limits = map[int64]int{}
		}
		for id, h := range got {
			sn.limits[id] = h
		}
	}
	return sn.limits, nil
}

// loadSnapshot reads the shifts q selects and the weekly limits and
// reminder lead times of pas (which the change will need), in one round
// trip on PostgreSQL.
func (s *Service) loadSnapshot(ctx context.Context, tx *wtx, q sqlstore.SlotQuery, pas ...int64) (*snapshot, error) {
	var (
		shifts []*pasched.Shift
		qs     []sqlstore.Query
	)
	if slots, ok := sqlstore.SlotsQuery(q, &shifts); ok {
		qs = append(qs, slots)
	}
	sn := &snapshot{}
	if len(pas) > 0 {
		sn.limits = make(map[int64]int, len(pas))
		qs = append(qs, sqlstore.MaxHoursQuery(pas, sn.limits))
		if tx.leads == nil {
			tx.leads = make(map[int64]int, len(pas))
		}
		qs = append(qs, sqlstore.ReminderLeadQuery(pas, tx.leads))
	}
	if err := tx.Pipeline(ctx, qs...); err != nil {
		return nil, err
	}
	sn.shifts = holdingTime(shifts)
	return sn, nil
}

// approved returns the approved shifts for which keep is true.
func (sn *snapshot) approved(keep func(*pasched.Shift) bool) []*pasched.Shift {
	var out []*pasched.Shift
	for _, sh := range sn.shifts {
		if sh.Status == pasched.ShiftApproved && (keep == nil || keep(sh)) {
			out = append(out, sh)
		}
	}
	return out
}

// apply makes the snapshot reflect the effect: removed shifts go, added
// ones come (replacing a stored version with the same ID).
func (sn *snapshot) apply(e *effect) {
	gone := map[int64]bool{}
	for _, r := range e.removed {
		gone[r.ID] = true
	}
	for _, a := range e.added {
		gone[a.ID] = true
	}
	kept := sn.shifts[:0:0]
	for _, sh := range sn.shifts {
		if !gone[sh.ID] {
			kept = append(kept, sh)
		}
	}
	sn.shifts = append(kept, e.added...)
}

func rulesOf(shifts []*pasched.Shift) []schedule.Shift {
	out := make([]schedule.Shift, len(shifts))
	for i, sh := range shifts {
		out[i] = sh.Rule()
	}
	return out
}

// recompute brings critical_time_coverage and weekly_coverage up to date
// with the effect, from sn (already applied), and stages a coverage.alert
// for every date whose coverage changed.
func (s *Service) recompute(ctx context.Context, tx *wtx, sn *snapshot, e *effect) error {
	if e.empty() {
		return nil
	}
	return s.recomputeFor(ctx, tx, sn, s.coverageDates(e), weeksByPA(e), e.rooms())
}

// recomputeFor brings the coverage of dates and the weekly hours of weeks
// up to date with sn, staging coverage alerts to rooms (none when nil).
func (s *Service) recomputeFor(ctx context.Context, tx *wtx, sn *snapshot, dates []schedule.Date,
	weeks map[int64][]schedule.Date, rooms []int64) error {
	// Every read before any write: the writes are queued
	// (sqlstore.Tx.ExecLater), and on PostgreSQL they then travel together
	// in one round trip.
	// They go in one round trip on PostgreSQL (sqlstore.Tx.Pipeline).
	stored := make(map[schedule.Date]*pasched.DayCoverage, len(dates))
	var qs []sqlstore.Query
	if len(dates) > 0 {
		qs = append(qs, sqlstore.CoverageQuery(dates, stored))
	}
	ws, weekQs := readWeeks(sn, weeks)
	if err := tx.Pipeline(ctx, append(qs, weekQs...)...); err != nil {
		return err
	}
	if err := s.recomputeCoverage(ctx, tx, sn, dates, stored, rooms); err != nil {
		return err
	}
	return ws.save(ctx, tx, sn)
}

// computeCoverage works out date d's coverage from the approved shifts.
func (s *Service) computeCoverage(d schedule.Date, approved []schedule.Shift) *pasched.DayCoverage {
	prev, next := schedule.NeighbourDates(d)
	var near []schedule.Shift
	for _, a := range approved {
		if !a.Date.Before(prev) && !a.Date.After(next) {
			near = append(near, a)
		}
	}
	return &pasched.DayCoverage{Date: d, Windows: schedule.CoverDate(d, s.windows(), near)}
}

// uncovered is a date's coverage with no shift at all.
func (s *Service) uncovered(d schedule.Date) *pasched.DayCoverage {
	return s.computeCoverage(d, nil)
}

// recomputeCoverage saves the coverage of dates that differs from what is
// stored, and stages the alerts.
func (s *Service) recomputeCoverage(ctx context.Context, tx *wtx, sn *snapshot, dates []schedule.Date,
	stored map[schedule.Date]*pasched.DayCoverage, rooms []int64) error {
	approved := rulesOf(sn.approved(nil))
	for _, d := range dates {
		now := s.computeCoverage(d, approved)
		before, ok := stored[d]
		if ok && before.SameAs(now) {
			continue
		}
		if err := sqlstore.SaveCoverage(ctx, tx.Tx, now); err != nil {
			return err
		}
		if !ok {
			before = s.uncovered(d)
		}
		if before.SameAs(now) {
			continue
		}
		for _, room := range rooms {
			ev := pasched.Event{Kind: pasched.EventCoverageAlert, PeriodID: room, Date: d, Coverage: now, Message: "Coverage status updated"}
			if err := s.stage(ctx, tx, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

type weekKey struct {
	period, pa int64
	week       schedule.Date
}

// weekRows works out the weekly_coverage rows of a PA's week from their
// approved shifts: one per period with an approved shift reaching into the
// week, each with the whole week's total.
func weekRows(pa int64, week schedule.Date, limit int, shifts []*pasched.Shift) []pasched.WeeklyHours {
	var (
		mine    []schedule.Shift
		periods []int64
	)
	for _, sh := range shifts {
		if sh.RequestedByID != pa {
			continue
		}
		r := sh.Rule()
		if slices.Contains(schedule.WeeksTouched(r), week) {
			mine = append(mine, r)
			if !slices.Contains(periods, sh.PeriodID) {
				periods = append(periods, sh.PeriodID)
			}
		}
	}
	total := schedule.WeeklyHundredths(week, mine)
	slices.Sort(periods)
	out := make([]pasched.WeeklyHours, len(periods))
	for i, p := range periods {
		out[i] = pasched.WeeklyHours{PeriodID: p, PAID: pa, WeekStart: week, Hundredths: total,
			ExceedsLimit: schedule.ExceedsLimit(total, limit)}
	}
	return out
}

// weekState is what recomputing PAs' weeks needs from the database.
type weekState struct {
	weeks    map[int64][]schedule.Date
	pas      []int64
	limits   map[int64]int
	existing []pasched.WeeklyHours
}

// readWeeks returns the state of the PAs' weeks and the queries that fill
// it: the weekly limits not known yet and the stored weekly_coverage rows.
func readWeeks(sn *snapshot, weeks map[int64][]schedule.Date) (*weekState, []sqlstore.Query) {
	st := &weekState{weeks: weeks}
	if len(weeks) == 0 {
		return st, nil
	}
	var allWeeks []schedule.Date
	for pa, ws := range weeks {
		st.pas = append(st.pas, pa)
		for _, w := range ws {
			if !slices.Contains(allWeeks, w) {
				allWeeks = append(allWeeks, w)
			}
		}
	}
	slices.Sort(st.pas)
	var qs []sqlstore.Query
	if sn.limits == nil {
		sn.limits = map[int64]int{}
	}
	var missing []int64
	for _, pa := range st.pas {
		if _, ok := sn.limits[pa]; !ok {
			missing = append(missing, pa)
		}
	}
	if len(missing) > 0 {
		qs = append(qs, sqlstore.MaxHoursQuery(missing, sn.limits))
	}
	st.limits = sn.limits
	qs = append(qs, sqlstore.WeeklyHoursQuery(st.pas, allWeeks, &st.existing))
	return st, qs
}

// save brings the weekly_coverage rows of the weeks up to date with sn.
func (st *weekState) save(ctx context.Context, tx *wtx, sn *snapshot) error {
	if len(st.weeks) == 0 {
		return nil
	}
	have := make(map[weekKey]pasched.WeeklyHours, len(st.existing))
	for _, w := range st.existing {
		have[weekKey{w.PeriodID, w.PAID, w.WeekStart}] = w
	}
	approved := sn.approved(nil)
	want := map[weekKey]bool{}
	for _, pa := range st.pas {
		for _, w := range st.weeks[pa] {
			for _, row := range weekRows(pa, w, st.limits[pa], approved) {
				k := weekKey{row.PeriodID, row.PAID, row.WeekStart}
				want[k] = true
				if old, ok := have[k]; ok && old.Hundredths == row.Hundredths && old.ExceedsLimit == row.ExceedsLimit {
					continue
				}
				if err := sqlstore.SaveWeeklyHours(ctx, tx.Tx, row); err != nil {
					return err
				}
			}
		}
	}
	var stale []int64
	for _, w := range st.existing {
		if !want[weekKey{w.PeriodID, w.PAID, w.WeekStart}] && slices.Contains(st.weeks[w.PAID], w.WeekStart) {
			stale = append(stale, w.ID)
		}
	}
	return sqlstore.DeleteWeeklyHours(ctx, tx.Tx, stale)
}
