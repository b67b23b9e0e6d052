package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"pasched"
	"pasched/api/wire"
	"pasched/coverage"
	"pasched/intel"
	"pasched/schedule"
)

// coverageRoutes mounts coverage intelligence (issue 12), in the seed's URL
// style: statistics per PA (the PA's user id), the upcoming gaps with
// suggestions, and cover offers.
func (s *Server) coverageRoutes() {
	if s.Coverage == nil {
		return
	}
	s.handle("/api/pa-stats/", isAuthenticated, methods{http.MethodGet: s.listPAStats})
	s.handle("/api/pa-stats/{id}/", isAuthenticated, methods{http.MethodGet: s.getPAStats})
	s.handle("/api/pa-stats/{id}/recalculate/", isAuthenticated, methods{http.MethodPost: s.recalculatePAStats})
	s.handle("/api/coverage/gaps/", isAuthenticated, methods{http.MethodGet: s.coverageGaps})
	s.handle("/api/coverage/offers/", isAuthenticated, methods{
		http.MethodGet:  s.listOffers,
		http.MethodPost: s.createOffer,
	})
	s.handle("/api/coverage/offers/{id}/", isAuthenticated, methods{http.MethodGet: s.getOffer})
	s.handle("/api/coverage/offers/{id}/accept/", isAuthenticated, methods{http.MethodPost: s.acceptOffer})
}

// paStatsJSON is a PA's statistics with the seed's PAScheduleStats field
// names; decimals as DRF renders them ("12.50").
type paStatsJSON struct {
	PA                        int64               `json:"pa"`
	TotalShiftsWorked         int                 `json:"total_shifts_worked"`
	TotalHoursWorked          string              `json:"total_hours_worked"`
	AverageHoursPerWeek       string              `json:"average_hours_per_week"`
	MostCommonDays            dayCountsJSON       `json:"most_common_days"`
	MostCommonStartTime       *schedule.TimeOfDay `json:"most_common_start_time"`
	MostCommonShiftLength     *string             `json:"most_common_shift_length"`
	PreferredShiftPattern     string              `json:"preferred_shift_pattern"`
	PreferredShiftPatternText string              `json:"preferred_shift_pattern_text"`
	ReliabilityScore          string              `json:"reliability_score"`
	TypicalRequestTiming      *int                `json:"typical_request_timing"`
	ConsecutiveDaysPreference *int                `json:"consecutive_days_preference"`
	LastWorkedDate            *schedule.Date      `json:"last_worked_date"`
	LastCalculated            string              `json:"last_calculated"`
}

// dayCountsJSON is {"monday": 3, …} with the days in week order.
type dayCountsJSON []pasched.DayCount

func (d dayCountsJSON) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, c := range d {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Day)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(c.Count), 10)
	}
	return append(b, '}'), nil
}

func newPAStatsJSON(st *pasched.PAStats) paStatsJSON {
	j := paStatsJSON{PA: st.PAID, TotalShiftsWorked: st.TotalShiftsWorked,
		TotalHoursWorked: schedule.FormatHours(st.TotalHundredths), AverageHoursPerWeek: schedule.FormatHours(st.AverageWeeklyHundredths),
		MostCommonDays: dayCountsJSON(st.MostCommonDays), MostCommonStartTime: st.MostCommonStart,
		PreferredShiftPattern: st.Pattern, PreferredShiftPatternText: intel.PatternWords(st.Pattern),
		ReliabilityScore: schedule.FormatHours(st.ReliabilityHundredths), TypicalRequestTiming: st.TypicalRequestDays,
		ConsecutiveDaysPreference: st.ConsecutiveDays, LastWorkedDate: st.LastWorkedDate,
		LastCalculated: wire.FormatDateTime(st.LastCalculated)}
	if st.AverageShiftHundredths != nil {
		l := schedule.FormatHours(*st.AverageShiftHundredths)
		j.MostCommonShiftLength = &l
	}
	return j
}

func (s *Server) listPAStats(w http.ResponseWriter, r *http.Request) {
	all, err := s.Coverage.AllStats(r.Context(), userFrom(r))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]paStatsJSON, len(all))
	for i, st := range all {
		out[i] = newPAStatsJSON(st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getPAStats(w http.ResponseWriter, r *http.Request) {
	st, ok := findByID(w, r, s.Coverage.Stats)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, newPAStatsJSON(st))
}

func (s *Server) recalculatePAStats(w http.ResponseWriter, r *http.Request) {
	st, ok := findByID(w, r, s.Coverage.RecalculateStats)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, newPAStatsJSON(st))
}

// gapReportJSON is GET /api/coverage/gaps/.
type gapReportJSON struct {
	From             schedule.Date `json:"from"`
	To               schedule.Date `json:"to"`
	Days             int           `json:"days"`
	UncoveredMinutes int           `json:"uncovered_minutes"`
	Gaps             []gapJSON     `json:"gaps"`
}

type windowJSON struct {
	Start schedule.TimeOfDay `json:"start"`
	End   schedule.TimeOfDay `json:"end"`
}

type gapJSON struct {
	Date             schedule.Date `json:"date"`
	Window           windowJSON    `json:"window"`
	UncoveredMinutes int           `json:"uncovered_minutes"`
	Slots            []slotJSON    `json:"slots"`
}

type slotJSON struct {
	Date        schedule.Date      `json:"date"`
	StartTime   schedule.TimeOfDay `json:"start_time"`
	EndTime     schedule.TimeOfDay `json:"end_time"`
	Minutes     int                `json:"minutes"`
	Suggestions []suggestionJSON   `json:"suggestions"`
	Unavailable []unavailableJSON  `json:"unavailable"`
}

type suggestionJSON struct {
	PA     int64      `json:"pa"`
	PAName string     `json:"pa_name"`
	Score  int        `json:"score"`
	Why    string     `json:"why"`
	Parts  []partJSON `json:"parts"`
}

type partJSON struct {
	Points int    `json:"points"`
	Reason string `json:"reason"`
}

type unavailableJSON struct {
	PA     int64  `json:"pa"`
	PAName string `json:"pa_name"`
	Reason string `json:"reason"`
}

func newGapReportJSON(rep *coverage.Report) gapReportJSON {
	j := gapReportJSON{From: rep.From, To: rep.To, Days: rep.Days, UncoveredMinutes: rep.UncoveredMinutes, Gaps: []gapJSON{}}
	for _, g := range rep.Gaps {
		gj := gapJSON{Date: g.Date, Window: windowJSON{g.Window.Start, g.Window.End}, UncoveredMinutes: g.UncoveredMinutes}
		for _, sv := range g.Slots {
			sj := slotJSON{Date: sv.Slot.Date, StartTime: sv.Slot.Start, EndTime: sv.Slot.End, Minutes: sv.Minutes,
				Suggestions: []suggestionJSON{}, Unavailable: []unavailableJSON{}}
			for _, sg := range sv.Suggestions {
				sgj := suggestionJSON{PA: sg.PAID, PAName: sg.Name, Score: sg.Score, Why: sg.Why}
				for _, p := range sg.Parts {
					sgj.Parts = append(sgj.Parts, partJSON{p.Points, p.Reason})
				}
				sj.Suggestions = append(sj.Suggestions, sgj)
			}
			for _, x := range sv.Unavailable {
				sj.Unavailable = append(sj.Unavailable, unavailableJSON{x.PAID, x.Name, x.Reason})
			}
			gj.Slots = append(gj.Slots, sj)
		}
		j.Gaps = append(j.Gaps, gj)
	}
	return j
}

func (s *Server) coverageGaps(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	days := 0
	if q := r.URL.Query(); q.Has("days") {
		// Permission first, as DRF checks it before the view reads its query.
		if !u.IsAdmin() {
			writeError(w, r, errPermission)
			return
		}
		n, err := coverage.ParseDays(q.Get("days"))
		if err != nil {
			// A view's own refusal of a query parameter, in the seed's
			// {"error": …} body (as the calendar views answer).
			writeError(w, r, asViewError(err, pasched.EINVALID))
			return
		}
		days = n
	}
	rep, err := s.Coverage.Gaps(r.Context(), u, days)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newGapReportJSON(rep))
}

// offerJSON is a cover offer. Recipients are shown to admins only.
type offerJSON struct {
	ID             int64              `json:"id"`
	SchedulePeriod int64              `json:"schedule_period"`
	Date           schedule.Date      `json:"date"`
	StartTime      schedule.TimeOfDay `json:"start_time"`
	EndTime        schedule.TimeOfDay `json:"end_time"`
	Status         string             `json:"status"`
	CreatedAt      string             `json:"created_at"`
	ExpiresAt      string             `json:"expires_at"`
	FilledBy       *int64             `json:"filled_by"`
	Shift          *int64             `json:"shift"`
	FilledAt       *string            `json:"filled_at"`
	URL            string             `json:"url"`
	Recipients     []recipientJSON    `json:"recipients,omitempty"`
}

type recipientJSON struct {
	PA     int64  `json:"pa"`
	PAName string `json:"pa_name"`
}

func (s *Server) newOfferJSON(o *pasched.CoverOffer, admin bool) offerJSON {
	j := offerJSON{ID: o.ID, SchedulePeriod: o.PeriodID, Date: o.Date, StartTime: o.Start, EndTime: o.End,
		Status: o.StatusAt(s.Coverage.Clock()), CreatedAt: wire.FormatDateTime(o.CreatedAt), ExpiresAt: wire.FormatDateTime(o.ExpiresAt),
		FilledBy: o.FilledBy, Shift: o.ShiftID, FilledAt: formatDateTimePtr(o.FilledAt),
		URL: fmt.Sprintf("%s/offers/%d", s.Coverage.FrontendURL, o.ID)}
	if admin {
		j.Recipients = []recipientJSON{}
		for _, rc := range o.Recipients {
			j.Recipients = append(j.Recipients, recipientJSON{rc.PAID, rc.Name})
		}
	}
	return j
}

// offerFields are the offer body's fields, in the order errors are shown.
var offerFields = []string{"date", "start_time", "end_time", "pa_ids"}

// decodeOffer reads {"date", "start_time", "end_time", "pa_ids"?}.
func decodeOffer(f *form) coverage.OfferInput {
	in := coverage.OfferInput{
		Date:  f.schedDate("date", true),
		Start: f.schedTime("start_time", true),
		End:   f.schedTime("end_time", true),
	}
	in.PAIDs = f.pkList("pa_ids")
	return in
}

// pkList reads an optional list of primary keys (DRF's
// PrimaryKeyRelatedField(many=True)): numbers or numeric strings.
func (f *form) pkList(name string) []int64 {
	v, ok := f.raw(name, false)
	if !ok || isNull(v) {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		f.fe.Add(name, fmt.Sprintf("Expected a list of items but got type %q.", rawTypeName(v)))
		return nil
	}
	if len(items) > coverage.MaxOfferRecipients {
		f.fe.Add(name, fmt.Sprintf("Ensure this field has no more than %d elements.", coverage.MaxOfferRecipients))
		return nil
	}
	var out []int64
	for _, it := range items {
		var x any
		d := json.NewDecoder(strings.NewReader(string(it)))
		d.UseNumber()
		d.Decode(&x)
		var n int64
		var err error
		switch v := x.(type) {
		case json.Number:
			n, err = strconv.ParseInt(v.String(), 10, 64)
		case string:
			n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		default:
			err = fmt.Errorf("not a pk")
		}
		if err != nil {
			f.fe.Add(name, fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyTypeName(x)))
			return nil
		}
		out = append(out, n)
	}
	return out
}

func (s *Server) createOffer(w http.ResponseWriter, r *http.Request) {
	u, f, ok := adminForm(w, r)
	if !ok {
		return
	}
	in := decodeOffer(f)
	if !f.fe.Empty() {
		writeError(w, r, drfFields(&f.fe, nil, offerFields...))
		return
	}
	o, err := s.Coverage.CreateOffer(r.Context(), u, in)
	if err != nil {
		writeError(w, r, drfFields(nil, err, offerFields...))
		return
	}
	writeJSON(w, http.StatusCreated, s.newOfferJSON(o, true))
}

func (s *Server) listOffers(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	offers, err := s.Coverage.Offers(r.Context(), u)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]offerJSON, len(offers))
	for i, o := range offers {
		out[i] = s.newOfferJSON(o, u.IsAdmin())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getOffer(w http.ResponseWriter, r *http.Request) {
	o, ok := findByID(w, r, s.Coverage.FindOffer)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.newOfferJSON(o, userFrom(r).IsAdmin()))
}

// acceptJSON answers an acceptance: 200 with the shift for the winner, 409
// with a polite refusal for everyone else.
type acceptJSON struct {
	Accepted bool        `json:"accepted"`
	Reason   string      `json:"reason,omitempty"`
	Message  string      `json:"message"`
	Shift    *wire.Shift `json:"shift,omitempty"`
}

func (s *Server) acceptOffer(w http.ResponseWriter, r *http.Request) {
	res, ok := findByID(w, r, s.Coverage.AcceptOffer)
	if !ok {
		return
	}
	if !res.Accepted {
		writeJSON(w, http.StatusConflict, acceptJSON{Reason: res.Reason, Message: res.Message})
		return
	}
	sh := wire.NewShift(res.Shift, false)
	writeJSON(w, http.StatusOK, acceptJSON{Accepted: true, Message: res.Message, Shift: &sh})
}

// rawTypeName is Python's type name of a JSON value.
func rawTypeName(v json.RawMessage) string {
	var x any
	d := json.NewDecoder(strings.NewReader(string(v)))
	d.UseNumber()
	d.Decode(&x)
	return pyTypeName(x)
}
