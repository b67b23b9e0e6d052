package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

// CalShift is a shift as a calendar day shows it.
type CalShift struct {
	ID     int64
	Span   string // "08:00–14:00"
	Status string // "approved", "pending"
	Who    string // the PA's name (admins' calendar)
	Mine   bool
	Text   string // the whole shift in words
}

// CalDay is one date of a calendar view.
type CalDay struct {
	Date     schedule.Date
	Day      int
	Label    string // "Tuesday 2 March"
	InMonth  bool
	Today    bool
	Shifts   []CalShift
	Coverage Coverage
	// AccName is the day's accessible name: the date, the shifts and the
	// coverage in words.
	AccName string
	Href    string
}

// CalendarPage is the view model of the month, week and day views.
type CalendarPage struct {
	View      string // "month", "week", "day"
	Caption   string
	Prev      Link
	Next      Link
	Current   Link // back to today's month, week or day
	Weeks     [][]CalDay
	Days      []CalDay
	DayNames  []string
	PeriodIDs string // the live channel's periods, space-separated
	Windows   []string
	// WeekLink and MonthLink switch views around the same date.
	WeekLink, MonthLink, DayLink string
}

// Link is a navigation link with its words.
type Link struct{ Href, Label string }

var dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// todayDate is today in TIME_ZONE.
func (s *Server) todayDate() schedule.Date { return schedule.DateOf(s.today()) }

// calendarDays builds the days from..to with u's shifts and the coverage.
func (s *Server) calendarDays(r *http.Request, u *pasched.User, from, to schedule.Date) ([]CalDay, []int64, error) {
	ctx := r.Context()
	f := sqlstore.ShiftFilter{From: &from, To: &to, Order: "date"}
	if u.IsAdmin() {
		f.Status = pasched.ShiftApproved
	}
	shifts, err := s.Scheduling.FindShifts(ctx, u, f)
	if err != nil {
		return nil, nil, err
	}
	cov, err := s.Scheduling.CoverageBetween(ctx, from, to)
	if err != nil {
		return nil, nil, err
	}
	byDate := map[schedule.Date][]CalShift{}
	for _, sh := range shifts {
		if !sh.Occupies() {
			continue
		}
		cs := CalShift{ID: sh.ID, Span: span(sh.Start, sh.End), Status: statusWord(sh.Status), Mine: sh.RequestedByID == u.ID}
		if u.IsAdmin() {
			cs.Who = sh.RequestedByName
			cs.Text = cs.Who + " " + cs.Span
		} else {
			cs.Text = cs.Span + " " + cs.Status
		}
		byDate[sh.Date] = append(byDate[sh.Date], cs)
	}
	today := s.todayDate()
	var days []CalDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		cd := CalDay{Date: d, Day: d.Day(), Label: dayMonth(d), Today: d.Equal(today), Shifts: byDate[d],
			Coverage: coverageWords(cov[d]), Href: "/calendar/day?date=" + d.String()}
		var words []string
		words = append(words, cd.Label)
		if cd.Today {
			words[0] += " (today)"
		}
		switch {
		case len(cd.Shifts) == 0 && !u.IsAdmin():
			words = append(words, "no shifts of yours")
		case len(cd.Shifts) == 0:
			words = append(words, "no approved shifts")
		default:
			var ts []string
			for _, sh := range cd.Shifts {
				ts = append(ts, sh.Text)
			}
			prefix := "your shifts: "
			if u.IsAdmin() {
				prefix = "shifts: "
			}
			words = append(words, prefix+strings.Join(ts, "; "))
		}
		words = append(words, cd.Coverage.Text)
		cd.AccName = strings.Join(words, ". ")
		days = append(days, cd)
	}
	ps, err := s.Scheduling.PeriodsBetween(ctx, from, to)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return days, ids, nil
}

func idList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, " ")
}

// parseMonth reads ?month=YYYY-MM (default: this month).
func (s *Server) parseMonth(r *http.Request) (schedule.Date, bool) {
	v := r.URL.Query().Get("month")
	if v == "" {
		t := s.todayDate()
		return schedule.MustDate(t.Year(), t.Month(), 1), true
	}
	t, err := time.Parse("2006-01", v)
	if err != nil || t.Year() < 1 || t.Year() > 9998 {
		return schedule.Date{}, false
	}
	return schedule.MustDate(t.Year(), t.Month(), 1), true
}

// parseDate reads ?date=YYYY-MM-DD (default: today).
func (s *Server) parseDate(r *http.Request) (schedule.Date, bool) {
	v := r.URL.Query().Get("date")
	if v == "" {
		return s.todayDate(), true
	}
	d, err := schedule.ParseDate(v)
	if err != nil || d.Year() < 2 || d.Year() > 9998 {
		return schedule.Date{}, false
	}
	return d, true
}

func monthParam(d schedule.Date) string { return fmt.Sprintf("%04d-%02d", d.Year(), int(d.Month())) }

func (s *Server) calendarMonth(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	first, ok := s.parseMonth(r)
	if !ok {
		s.badRequest(w, r, "That month is not one we can show. Months are written like 2026-03.")
		return
	}
	version, err := s.Scheduling.Version(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	key := monthKey{user: u.ID, admin: u.IsAdmin(), month: first, today: s.todayDate()}
	f, ok := s.months.get(key, version)
	if !ok {
		if f, err = s.monthFragment(r, key); err != nil {
			s.serverError(w, r, err)
			return
		}
		f.version = version
		s.months.put(key, f)
	}
	v := newView(f.title, "calendar")
	v.Fragment, v.Live, v.LivePeriods = f.main, true, f.livePeriods
	s.render(w, r, http.StatusOK, "fragment", v)
}

// monthFragment renders the month page's main fragment for key.
func (s *Server) monthFragment(r *http.Request, key monthKey) (*monthFragment, error) {
	u, first := userOf(r), key.month
	last := first.AddDays(schedule.DaysIn(first.Year(), first.Month()) - 1)
	mondays := schedule.MonthWeeks(first.Year(), first.Month())
	from, to := mondays[0], mondays[len(mondays)-1].AddDays(6)
	days, periods, err := s.calendarDays(r, u, from, to)
	if err != nil {
		return nil, err
	}
	p := &CalendarPage{View: "month", Caption: monthName(first), DayNames: dayNames, PeriodIDs: idList(periods)}
	for i := range days {
		days[i].InMonth = days[i].Date.Month() == first.Month()
		if days[i].InMonth {
			p.Days = append(p.Days, days[i])
		}
	}
	for i := 0; i < len(days); i += 7 {
		p.Weeks = append(p.Weeks, days[i:i+7])
	}
	prev, next := first.AddDays(-1), last.AddDays(1)
	p.Prev = Link{"/calendar?month=" + monthParam(prev) + "#cal-nav", "Previous month: " + monthName(prev)}
	p.Next = Link{"/calendar?month=" + monthParam(next) + "#cal-nav", "Next month: " + monthName(next)}
	p.Current = Link{"/calendar#cal-nav", "This month"}
	anchor := first
	if t := key.today; t.Year() == first.Year() && t.Month() == first.Month() {
		anchor = t
	}
	p.WeekLink = "/calendar/week?date=" + anchor.String()
	p.DayLink = "/calendar/day?date=" + anchor.String()
	v := newView("Calendar, "+p.Caption, "calendar")
	v.Data, v.User = p, u
	main, err := s.renderMain("calendar", v)
	if err != nil {
		return nil, err
	}
	return &monthFragment{title: v.Title, livePeriods: p.PeriodIDs, main: main}, nil
}

func mondayOf(d schedule.Date) schedule.Date {
	return d.AddDays(-((int(d.Weekday()) + 6) % 7))
}

func (s *Server) calendarWeek(w http.ResponseWriter, r *http.Request) {
	d, ok := s.parseDate(r)
	if !ok {
		s.badRequest(w, r, "That date is not one we can show. Dates are written like 2026-03-02.")
		return
	}
	mon := mondayOf(d)
	days, periods, err := s.calendarDays(r, userOf(r), mon, mon.AddDays(6))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := &CalendarPage{View: "week", Days: days, PeriodIDs: idList(periods),
		Caption: "Week of " + longDate(mon)}
	p.Prev = Link{"/calendar/week?date=" + mon.AddDays(-7).String() + "#cal-nav", "Previous week: " + dayMonth(mon.AddDays(-7))}
	p.Next = Link{"/calendar/week?date=" + mon.AddDays(7).String() + "#cal-nav", "Next week: " + dayMonth(mon.AddDays(7))}
	p.Current = Link{"/calendar/week#cal-nav", "This week"}
	p.MonthLink = "/calendar?month=" + monthParam(mon)
	p.DayLink = "/calendar/day?date=" + d.String()
	v := newView("Calendar, "+p.Caption, "calendar")
	v.Data, v.Live, v.LivePeriods = p, true, p.PeriodIDs
	s.render(w, r, http.StatusOK, "calendar", v)
}

func (s *Server) calendarDay(w http.ResponseWriter, r *http.Request) {
	d, ok := s.parseDate(r)
	if !ok {
		s.badRequest(w, r, "That date is not one we can show. Dates are written like 2026-03-02.")
		return
	}
	days, periods, err := s.calendarDays(r, userOf(r), d, d)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := &CalendarPage{View: "day", Days: days, PeriodIDs: idList(periods), Caption: longDate(d)}
	p.Prev = Link{"/calendar/day?date=" + d.AddDays(-1).String() + "#cal-nav", "Previous day: " + dayMonth(d.AddDays(-1))}
	p.Next = Link{"/calendar/day?date=" + d.AddDays(1).String() + "#cal-nav", "Next day: " + dayMonth(d.AddDays(1))}
	p.Current = Link{"/calendar/day#cal-nav", "Today"}
	p.MonthLink = "/calendar?month=" + monthParam(d)
	p.WeekLink = "/calendar/week?date=" + d.String()
	for _, w := range s.Scheduling.CriticalWindows() {
		p.Windows = append(p.Windows, clock(w.Start)+"–"+clock(w.End))
	}
	v := newView("Calendar, "+p.Caption, "calendar")
	v.Data, v.Live, v.LivePeriods = p, true, p.PeriodIDs
	s.render(w, r, http.StatusOK, "calendar", v)
}
