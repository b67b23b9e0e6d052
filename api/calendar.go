package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"pasched"
	"pasched/internal/jsonenc"
	"pasched/internal/python"
	"pasched/schedule"
)

// The seed's calendars (apps/schedules/views.py MonthViewAPI, WeekViewAPI,
// DayViewAPI): every authenticated user, PA or admin, sees every PA's
// APPROVED shifts as CalendarShiftSerializer renders them (no admin_notes),
// as the seed's querysets do; ?pa_id= narrows the shift lists and hours but
// not the coverage, which is the whole rota's.
//
// Fixed here (SPEC §3 items 1, 6, 7, 15, 18):
//   - a shift is listed on every date its real interval reaches, so an
//     overnight shift appears on its own date and the next, in every hour it
//     overlaps (partial hours included), and each date's total_hours counts
//     only the hours that fall on it (schedule.HoursOnDate);
//   - coverage is worked out with schedule.CoverDate from the approved
//     shifts of the span and the days around it, the same function the
//     scheduling core stores critical_time_coverage with;
//   - the week view takes real ISO-8601 weeks, and week 53 only in years
//     that have one;
//   - out-of-range years and bad or unknown ?pa_id= values are a 400 naming
//     the parameter, never a 500;
//   - no N+1: one query loads the shifts of the whole span, whatever its
//     size, and coverage is computed from them; a cheap stamp query (which
//     also checks ?pa_id=) lets an unchanged span be served from memory
//     (see calendarAPI).

// calendarRoutes mounts the calendar endpoints with the seed's URL
// converters: <int:…> matches ASCII digits only and <str:date> any non-empty
// segment; a path they do not match is Django's 404, before authentication.
func (s *Server) calendarRoutes() {
	c := &calendarAPI{s: s}
	s.handleConverted("/api/calendar/month/{year}/{month}/", []string{"year", "month"}, isDigits,
		methods{http.MethodGet: c.month})
	s.handleConverted("/api/calendar/week/{year}/{week}/", []string{"year", "week"}, isDigits,
		methods{http.MethodGet: c.week})
	s.handleConverted("/api/calendar/day/{date}/", []string{"date"}, func(v string) bool { return v != "" },
		methods{http.MethodGet: c.day})
}

// handleConverted mounts a view with handle, behind a check of its path
// wildcards that answers 404 when a converter would not match: Django
// resolves the URL before the view authenticates anyone.
func (s *Server) handleConverted(pattern string, wildcards []string, match func(string) bool, m methods) {
	outer, inner := s.mux, http.NewServeMux()
	s.mux = inner
	s.handle(pattern, isAuthenticated, m)
	s.mux = outer
	outer.Handle(pattern+"{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, name := range wildcards {
			if !match(r.PathValue(name)) {
				writeJSON(w, http.StatusNotFound, detail{"Not found."})
				return
			}
		}
		inner.ServeHTTP(w, r)
	}))
}

// isDigits is Django's IntConverter regex, [0-9]+.
func isDigits(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// pathInt reads a segment isDigits accepted as Python's int() would; values
// past an int are math.MaxInt, out of range for every view.
func pathInt(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		return math.MaxInt
	}
	return n
}

// Years whose month and week grids stay within dates the API can show: the
// last month and ISO week of 9999 reach into year 10000.
const (
	minCalendarYear = schedule.MinYear
	maxCalendarYear = schedule.MaxYear - 1
)

// The seed's words for a year its views cannot show: its datetime() raises
// ValueError for year 0 and years past 9999, answered with these bodies. The
// years where it failed with a 500 instead (the grid running past 9999, a
// year too big for a C int) get the same words.
var (
	errMonthYear = newViewError(pasched.EINVALID, "Invalid year or month")
	errWeekYear  = newViewError(pasched.EINVALID, "Invalid year or week")
)

// monthParams validates the month view's path as the seed does (month
// first, with its words), then the year.
func monthParams(yearSeg, monthSeg string) (year int, month time.Month, err error) {
	y, m := pathInt(yearSeg), pathInt(monthSeg)
	if m < 1 || m > 12 {
		return 0, 0, newViewError(pasched.EINVALID, "Month must be between 1 and 12")
	}
	if y < minCalendarYear || y > maxCalendarYear {
		return 0, 0, errMonthYear
	}
	return y, time.Month(m), nil
}

// weekParams validates the week view's path: the seed's 1..53 check with its
// words, then the year, then that the ISO year has the week.
func weekParams(yearSeg, weekSeg string) (year, week int, monday schedule.Date, err error) {
	y, wk := pathInt(yearSeg), pathInt(weekSeg)
	if wk < 1 || wk > 53 {
		return 0, 0, schedule.Date{}, newViewError(pasched.EINVALID, "Week must be between 1 and 53")
	}
	if y < minCalendarYear || y > maxCalendarYear {
		return 0, 0, schedule.Date{}, errWeekYear
	}
	if n := schedule.WeeksInISOYear(y); wk > n {
		return 0, 0, schedule.Date{}, newViewError(pasched.EINVALID,
			fmt.Sprintf("Week must be between 1 and %d: ISO year %d has no week %d", n, y, wk))
	}
	monday, err = schedule.ISOWeekStart(y, wk)
	if err != nil {
		return 0, 0, schedule.Date{}, errWeekYear
	}
	return y, wk, monday, nil
}

var errDayFormat = newViewError(pasched.EINVALID, "Invalid date format. Use YYYY-MM-DD")

// dayParam reads the day view's date as the seed's
// datetime.strptime(date, '%Y-%m-%d') does on CPython 3.11: the pattern
// (?P<Y>\d\d\d\d)-(?P<m>1[0-2]|0[1-9]|[1-9])-(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])
// matched from the start, taking the first match in the regex's own order
// and refusing one that leaves input over; \d is any Unicode decimal digit.
// So "2030-3-2" and "2030-03- 2" are 2 March 2030, "0000-01-01" and
// "2030-02-30" are refused.
func dayParam(v string) (schedule.Date, error) {
	rs := []rune(v)
	if len(rs) < 7 {
		return schedule.Date{}, errDayFormat
	}
	year := 0
	for _, r := range rs[:4] {
		d, ok := python.Decimal(r)
		if !ok {
			return schedule.Date{}, errDayFormat
		}
		year = year*10 + d
	}
	if rs[4] != '-' {
		return schedule.Date{}, errDayFormat
	}
	rest := rs[5:]
	for _, m := range monthAlternatives(rest) {
		if len(rest) <= m.n || rest[m.n] != '-' {
			continue
		}
		d, ok := firstDayAlternative(rest[m.n+1:])
		if !ok {
			continue
		}
		if m.n+1+d.n != len(rest) {
			return schedule.Date{}, errDayFormat // "unconverted data remains"
		}
		date, err := schedule.NewDate(year, time.Month(m.v), d.v)
		if err != nil {
			return schedule.Date{}, errDayFormat
		}
		return date, nil
	}
	return schedule.Date{}, errDayFormat
}

// reMatch is one way a regex alternative matched: its value and length.
type reMatch struct{ v, n int }

// monthAlternatives returns the matches of 1[0-2]|0[1-9]|[1-9] at the start
// of rs, in the order the regex tries them.
func monthAlternatives(rs []rune) []reMatch {
	var out []reMatch
	if len(rs) >= 2 && rs[0] == '1' && rs[1] >= '0' && rs[1] <= '2' {
		out = append(out, reMatch{10 + int(rs[1]-'0'), 2})
	}
	if len(rs) >= 2 && rs[0] == '0' && rs[1] >= '1' && rs[1] <= '9' {
		out = append(out, reMatch{int(rs[1] - '0'), 2})
	}
	if len(rs) >= 1 && rs[0] >= '1' && rs[0] <= '9' {
		out = append(out, reMatch{int(rs[0] - '0'), 1})
	}
	return out
}

// firstDayAlternative returns the first match of
// 3[01]|[12]\d|0[1-9]|[1-9]| [1-9] at the start of rs.
func firstDayAlternative(rs []rune) (reMatch, bool) {
	if len(rs) >= 2 && rs[0] == '3' && (rs[1] == '0' || rs[1] == '1') {
		return reMatch{30 + int(rs[1]-'0'), 2}, true
	}
	if len(rs) >= 2 && (rs[0] == '1' || rs[0] == '2') {
		if d, ok := python.Decimal(rs[1]); ok {
			return reMatch{10*int(rs[0]-'0') + d, 2}, true
		}
	}
	if len(rs) >= 2 && rs[0] == '0' && rs[1] >= '1' && rs[1] <= '9' {
		return reMatch{int(rs[1] - '0'), 2}, true
	}
	if len(rs) >= 1 && rs[0] >= '1' && rs[0] <= '9' {
		return reMatch{int(rs[0] - '0'), 1}, true
	}
	if len(rs) >= 2 && rs[0] == ' ' && rs[1] >= '1' && rs[1] <= '9' {
		return reMatch{int(rs[1] - '0'), 2}, true
	}
	return reMatch{}, false
}

// paFilter reads ?pa_id= (the last one given, as DRF's query_params.get);
// empty or absent means every PA, as the seed's `if pa_id:`.
func paFilter(r *http.Request) (id int64, given bool, err error) {
	vs := r.URL.Query()["pa_id"]
	if len(vs) == 0 || vs[len(vs)-1] == "" {
		return 0, false, nil
	}
	id, ok := python.Int64(vs[len(vs)-1])
	if !ok {
		return 0, false, newViewError(pasched.EINVALID, "Invalid pa_id: must be a user id (a whole number)")
	}
	return id, true, nil
}

// requestSpan is loadSpan of first..last for r's ?pa_id=.
func (c *calendarAPI) requestSpan(r *http.Request, first, last schedule.Date) (span, error) {
	pa, given, err := paFilter(r)
	if err != nil {
		return span{}, err
	}
	return c.loadSpan(r.Context(), first, last, pa, given)
}

// calShift is the seed's CalendarShiftSerializer.
type calShift struct {
	ID            int64  `json:"id"`
	PAID          int64  `json:"pa_id"`
	PAName        string `json:"pa_name"`
	Date          string `json:"date"`
	StartTime     string `json:"start_time"`
	EndTime       string `json:"end_time"`
	DurationHours string `json:"duration_hours"`
	Notes         string `json:"notes"`
	Status        string `json:"status"`
	// raw is the JSON of the fields above, rendered once when loaded.
	raw []byte
}

// dayCoverage is the month and week views' coverage of a date. Morning and
// evening are the first and second critical windows; status sums up all
// of them.
type dayCoverage struct {
	MorningCovered bool   `json:"morning_covered"`
	EveningCovered bool   `json:"evening_covered"`
	Status         string `json:"status"`
}

// covered returns whether window i (0 morning, 1 evening) is covered and by
// which shift (0 for none, or for a window that is not configured).
func covered(cs []schedule.WindowCoverage, i int) (bool, int64) {
	if i >= len(cs) {
		return false, 0
	}
	return cs[i].Covered, cs[i].ShiftID
}

func newDayCoverage(d *spanDay) dayCoverage {
	m, _ := covered(d.coverage, 0)
	e, _ := covered(d.coverage, 1)
	return dayCoverage{MorningCovered: m, EveningCovered: e, Status: d.status}
}

// The views' bodies are appended from their structs' tags (appendjson.go:
// measured 2.1–5.1× faster than encoding/json through the handlers).
var (
	monthJSON = newJSONAppender[monthView]()
	weekJSON  = newJSONAppender[weekView]()
	dayJSON   = newJSONAppender[dayView]()
)

// monthView is MonthViewAPI's body.
type monthView struct {
	Year          int           `json:"year"`
	Month         int           `json:"month"`
	MonthName     string        `json:"month_name"`
	Weeks         []monthWeek   `json:"weeks"`
	TotalShifts   int           `json:"total_shifts"`
	CoverageStats coverageStats `json:"coverage_stats"`
}

type monthWeek struct {
	WeekStart  string     `json:"week_start"`
	WeekEnd    string     `json:"week_end"`
	WeekNumber int        `json:"week_number"`
	Days       []monthDay `json:"days"`
}

type monthDay struct {
	Date           string      `json:"date"`
	DayName        string      `json:"day_name"`
	Shifts         []*calShift `json:"shifts"`
	Coverage       dayCoverage `json:"coverage"`
	TotalHours     json.Number `json:"total_hours"`
	IsCurrentMonth bool        `json:"is_current_month"`
}

type coverageStats struct {
	TotalDays          int         `json:"total_days"`
	FullyCovered       int         `json:"fully_covered"`
	PartiallyCovered   int         `json:"partially_covered"`
	NotCovered         int         `json:"not_covered"`
	CoveragePercentage json.Number `json:"coverage_percentage"`
}

// month answers GET /api/calendar/month/{year}/{month}/: the rows of a
// Monday-first month grid (4 to 6 weeks, week_number counting them from 1).
// As in the seed, days of the neighbouring months show their coverage but
// no shifts, coverage_stats counts the month's dates, and total_shifts the
// shifts dated in the month.
func (c *calendarAPI) month(w http.ResponseWriter, r *http.Request) {
	year, month, err := monthParams(r.PathValue("year"), r.PathValue("month"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	mondays := schedule.MonthWeeks(year, month)
	gridFirst, gridLast := mondays[0], mondays[len(mondays)-1].AddDays(6)
	sp, err := c.requestSpan(r, gridFirst, gridLast)
	if err != nil {
		writeError(w, r, err)
		return
	}
	monthJSON.write(w, buildMonth(sp, year, month, mondays))
}

func buildMonth(sp span, year int, month time.Month, mondays []schedule.Date) *monthView {
	dates := schedule.MonthDates(year, month)
	stats := coverageStats{TotalDays: len(dates)}
	weeks := make([]monthWeek, len(mondays))
	for wi, monday := range mondays {
		days := make([]monthDay, 7)
		for di := range days {
			d := monday.AddDays(di)
			sd := sp.day(d)
			inMonth := d.Month() == month
			md := monthDay{Date: sd.date, DayName: d.Weekday().String(), Shifts: []*calShift{},
				Coverage: newDayCoverage(sd), TotalHours: "0", IsCurrentMonth: inMonth}
			if inMonth {
				md.Shifts, md.TotalHours = sp.shifts(sd), sp.hours(sd)
				switch sd.status {
				case schedule.StatusComplete:
					stats.FullyCovered++
				case schedule.StatusPartial:
					stats.PartiallyCovered++
				}
			}
			days[di] = md
		}
		weeks[wi] = monthWeek{WeekStart: monday.String(), WeekEnd: monday.AddDays(6).String(), WeekNumber: wi + 1, Days: days}
	}
	stats.NotCovered = stats.TotalDays - stats.FullyCovered - stats.PartiallyCovered
	stats.CoveragePercentage = pyRound1(float64(stats.FullyCovered) / float64(stats.TotalDays) * 100)
	return &monthView{Year: year, Month: int(month), MonthName: month.String() + " " + strconv.Itoa(year),
		Weeks: weeks, TotalShifts: sp.dated(dates[0], dates[len(dates)-1]), CoverageStats: stats}
}

// weekView is WeekViewAPI's body.
type weekView struct {
	WeekStart   string    `json:"week_start"`
	WeekEnd     string    `json:"week_end"`
	WeekNumber  int       `json:"week_number"`
	Year        int       `json:"year"`
	Days        []weekDay `json:"days"`
	TotalShifts int       `json:"total_shifts"`
}

type weekDay struct {
	Date         string      `json:"date"`
	DayName      string      `json:"day_name"`
	Shifts       []*calShift `json:"shifts"`
	HourlyShifts hourly      `json:"hourly_shifts"`
	Coverage     dayCoverage `json:"coverage"`
	TotalHours   json.Number `json:"total_hours"`
}

// hourly is the week view's {"00:00": [...], …, "23:00": [...]}: the shifts
// overlapping each hour of the date.
type hourly [24][]*calShift

// MarshalJSON keeps the hours in order.
func (h hourly) MarshalJSON() ([]byte, error) {
	return h.appendJSON(nil), nil
}

// appendJSON appends h as its MarshalJSON writes it, each shift from its
// rendered JSON.
func (h *hourly) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i := range h {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(jsonenc.AppendString(b, hourLabels[i]), ':', '[')
		for k, c := range h[i] {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, c.raw...)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// week answers GET /api/calendar/week/{year}/{week}/ for ISO week week of
// ISO year year, Monday to Sunday. total_shifts counts the shifts dated in
// the week.
func (c *calendarAPI) week(w http.ResponseWriter, r *http.Request) {
	year, week, monday, err := weekParams(r.PathValue("year"), r.PathValue("week"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	sp, err := c.requestSpan(r, monday, monday.AddDays(6))
	if err != nil {
		writeError(w, r, err)
		return
	}
	weekJSON.write(w, buildWeek(sp, year, week, monday))
}

func buildWeek(sp span, year, week int, monday schedule.Date) *weekView {
	sunday := monday.AddDays(6)
	days := make([]weekDay, 7)
	for di := range days {
		d := monday.AddDays(di)
		sd := sp.day(d)
		days[di] = weekDay{Date: sd.date, DayName: d.Weekday().String(), Shifts: sp.shifts(sd),
			HourlyShifts: sp.byHour(sd), Coverage: newDayCoverage(sd), TotalHours: sp.hours(sd)}
	}
	return &weekView{WeekStart: monday.String(), WeekEnd: sunday.String(), WeekNumber: week, Year: year,
		Days: days, TotalShifts: sp.dated(monday, sunday)}
}

// dayView is DayViewAPI's body.
type dayView struct {
	Date       string         `json:"date"`
	DayName    string         `json:"day_name"`
	Shifts     []*calShift    `json:"shifts"`
	Coverage   dayShifts      `json:"coverage"`
	TotalHours json.Number    `json:"total_hours"`
	Timeline   []timelineHour `json:"timeline"`
}

// dayShifts is the day view's coverage, with the shift covering the start
// of each window (null when the window is not covered).
type dayShifts struct {
	MorningCovered bool      `json:"morning_covered"`
	EveningCovered bool      `json:"evening_covered"`
	MorningShift   *calShift `json:"morning_shift"`
	EveningShift   *calShift `json:"evening_shift"`
	Status         string    `json:"status"`
}

type timelineHour struct {
	Hour           int         `json:"hour"`
	HourLabel      string      `json:"hour_label"`
	Shifts         []*calShift `json:"shifts"`
	IsCriticalTime bool        `json:"is_critical_time"`
}

// day answers GET /api/calendar/day/{date}/ with the date's shifts and an
// hourly timeline listing each shift in every hour it overlaps.
func (c *calendarAPI) day(w http.ResponseWriter, r *http.Request) {
	d, err := dayParam(r.PathValue("date"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	sp, err := c.requestSpan(r, d, d)
	if err != nil {
		writeError(w, r, err)
		return
	}
	dayJSON.write(w, buildDay(sp, d, c.s.windows()))
}

func buildDay(sp span, d schedule.Date, windows []schedule.Window) *dayView {
	sd := sp.day(d)
	cov := dayShifts{Status: sd.status}
	var mID, eID int64
	cov.MorningCovered, mID = covered(sd.coverage, 0)
	cov.EveningCovered, eID = covered(sd.coverage, 1)
	cov.MorningShift, cov.EveningShift = sp.byID(mID), sp.byID(eID)
	byHour := sp.byHour(sd)
	timeline := make([]timelineHour, 24)
	for h := range timeline {
		list := byHour[h]
		if list == nil {
			list = []*calShift{}
		}
		timeline[h] = timelineHour{Hour: h, HourLabel: hourLabels[h], Shifts: list, IsCriticalTime: schedule.InWindow(h, windows)}
	}
	return &dayView{Date: sd.date, DayName: dayName(d), Shifts: sp.shifts(sd), Coverage: cov,
		TotalHours: sp.hours(sd), Timeline: timeline}
}

// hourLabels are "00:00" … "23:00".
var hourLabels = func() (l [24]string) {
	for h := range l {
		l[h] = fmt.Sprintf("%02d:00", h)
	}
	return
}()

// dayName is the seed's strftime('%A, %B %d, %Y'): glibc does not pad the
// year, so 0001-01-01 is "Monday, January 01, 1".
func dayName(d schedule.Date) string {
	return fmt.Sprintf("%s, %s %02d, %d", d.Weekday(), d.Month(), d.Day(), d.Year())
}

// pyFloat renders f as Python's json does (repr): the shortest digits that
// read back as f, with ".0" on whole numbers.
func pyFloat(f float64) json.Number {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return json.Number(s)
}

// pyRound1 is Python's round(f, 1) as json renders it: correctly rounded to
// one place, "3.2", "0.0", "100.0".
func pyRound1(f float64) json.Number {
	return json.Number(strconv.FormatFloat(f, 'f', 1, 64))
}
