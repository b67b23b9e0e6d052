package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// shiftFields are the request form's fields in page order, named as the
// use case names them.
var shiftFields = []string{scheduling.FieldPeriod, scheduling.FieldDate, scheduling.FieldStart, scheduling.FieldEnd, "notes"}

// shiftFieldMap shows a clash with another shift beside the start time.
var shiftFieldMap = fieldMap{scheduling.FieldTime: scheduling.FieldStart}

// ShiftFormPage is the view model of the request and edit forms.
type ShiftFormPage struct {
	Action  string
	Periods []Option
	// Editing is the shift being changed (nil for a new request).
	Editing *MyShift
	Submit  string
}

// maxNotes bounds a request's notes.
const maxNotes = 2000

// readShiftForm decodes the request form into the use case's input,
// adding a message beside each field that is missing or malformed.
func readShiftForm(f *Form) scheduling.ShiftInput {
	var in scheduling.ShiftInput
	if v := strings.TrimSpace(f.Value(scheduling.FieldPeriod)); v == "" {
		f.Add(scheduling.FieldPeriod, "Choose the rota period.")
	} else if id, err := strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
		f.Add(scheduling.FieldPeriod, "Choose one of the rota periods listed.")
	} else {
		in.PeriodID = &id
	}
	if v := strings.TrimSpace(f.Value(scheduling.FieldDate)); v == "" {
		f.Add(scheduling.FieldDate, "Enter the date of the shift.")
	} else if d, ok := parseFormDate(v); !ok {
		f.Add(scheduling.FieldDate, "Enter a real date, like 10/03/2026.")
	} else {
		in.Date = &d
	}
	for _, name := range []string{scheduling.FieldStart, scheduling.FieldEnd} {
		label := map[string]string{scheduling.FieldStart: "start", scheduling.FieldEnd: "end"}[name]
		v := strings.TrimSpace(f.Value(name))
		if v == "" {
			f.Add(name, "Enter the "+label+" time.")
			continue
		}
		t, ok := parseFormTime(v)
		if !ok {
			f.Add(name, "Enter the "+label+" time as hours and minutes, like 08:00 or 21:30.")
			continue
		}
		if name == scheduling.FieldStart {
			in.Start = &t
		} else {
			in.End = &t
		}
	}
	notes := strings.TrimSpace(f.Value("notes"))
	if utf8.RuneCountInString(notes) > maxNotes {
		f.Add("notes", "Notes must be "+strconv.Itoa(maxNotes)+" characters or fewer.")
	} else {
		in.Notes = &notes
	}
	return in
}

// formDate writes a date as the form shows it: 10/03/2026.
func formDate(d schedule.Date) string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day(), int(d.Month()), d.Year())
}

// parseFormDate reads a date as people type it: day/month/year (10/03/2026,
// 10-3-2026, 10.03.2026) or ISO (2026-03-10).
func parseFormDate(v string) (schedule.Date, bool) {
	if d, err := schedule.ParseDate(v); err == nil {
		return d, true
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == ' ' })
	if len(parts) != 3 || len(parts[2]) != 4 {
		return schedule.Date{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || len(p) > 4 {
			return schedule.Date{}, false
		}
		n[i] = x
	}
	if n[1] < 1 || n[1] > 12 {
		return schedule.Date{}, false
	}
	d, err := schedule.NewDate(n[2], time.Month(n[1]), n[0])
	return d, err == nil
}

// parseFormTime reads a 24-hour time as people type it: 08:00, 8:00,
// 0800, 8.00 or 8.
func parseFormTime(v string) (schedule.TimeOfDay, bool) {
	v = strings.ReplaceAll(strings.ReplaceAll(v, ".", ":"), " ", "")
	h, m, found := strings.Cut(v, ":")
	if !found {
		switch len(v) {
		case 1, 2:
			h, m = v, "00"
		case 3, 4:
			h, m = v[:len(v)-2], v[len(v)-2:]
		default:
			return schedule.TimeOfDay{}, false
		}
	}
	if len(h) == 0 || len(h) > 2 || len(m) != 2 {
		return schedule.TimeOfDay{}, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return schedule.TimeOfDay{}, false
	}
	return schedule.Clock(hh, mm, 0), true
}

// periodOptions lists the open periods, choosing selected, or the one that
// holds date, or the only one.
func (s *Server) periodOptions(r *http.Request, selected string, date schedule.Date) ([]Option, error) {
	ps, err := s.Scheduling.OpenPeriods(r.Context())
	if err != nil {
		return nil, err
	}
	opts := []Option{{Value: "", Label: "Choose a period"}}
	for _, p := range ps {
		id := strconv.FormatInt(p.ID, 10)
		o := Option{Value: id, Label: p.Name + " (" + dayMonth(p.StartDate) + " to " + longDate(p.EndDate) + ")"}
		o.Selected = id == selected || (selected == "" && !date.IsZero() && p.Contains(date)) || (selected == "" && len(ps) == 1)
		opts = append(opts, o)
	}
	return opts, nil
}

func (s *Server) requestForm(w http.ResponseWriter, r *http.Request) {
	f := &Form{}
	var date schedule.Date
	if d, err := schedule.ParseDate(r.URL.Query().Get("date")); err == nil {
		date = d
		f.Values = map[string][]string{scheduling.FieldDate: {formDate(d)}}
	}
	s.renderShiftForm(w, r, http.StatusOK, f, date, nil)
}

func (s *Server) renderShiftForm(w http.ResponseWriter, r *http.Request, status int, f *Form, date schedule.Date, editing *MyShift) {
	opts, err := s.periodOptions(r, f.Value(scheduling.FieldPeriod), date)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := &ShiftFormPage{Action: "/shifts/new", Periods: opts, Submit: "Send request"}
	title, nav := "Request a shift", "request"
	if editing != nil {
		p.Action, p.Editing, p.Submit = "/requests/"+strconv.FormatInt(editing.ID, 10)+"/edit", editing, "Save changes"
		title, nav = "Change your request", "requests"
	}
	f.sortErrors(shiftFields...)
	v := newView(title, nav)
	v.Form, v.Data = f, p
	s.render(w, r, status, "shift-form", v)
}

func (s *Server) requestShift(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	in := readShiftForm(f)
	if !f.HasErrors() {
		_, err := s.Scheduling.CreateShift(r.Context(), userOf(r), in)
		if err == nil {
			s.redirectFlash(w, r, "/requests", "requested")
			return
		}
		if !f.addError(err, shiftFieldMap) {
			s.serverError(w, r, err)
			return
		}
	}
	var date schedule.Date
	if in.Date != nil {
		date = *in.Date
	}
	s.renderShiftForm(w, r, http.StatusUnprocessableEntity, f, date, nil)
}

// MyShift is one of the PA's requests as their pages list it.
type MyShift struct {
	ID                    int64
	Date                  string // "Tuesday 2 March 2026"
	Span                  string
	Status                string
	Period                string
	Notes, RejectedReason string
	Hours                 string
	// Name is the shift in words, for buttons and live announcements.
	Name string
}

func myShift(sh *pasched.Shift) MyShift {
	return MyShift{ID: sh.ID, Date: longDate(sh.Date), Span: span(sh.Start, sh.End), Status: statusWord(sh.Status),
		Period: sh.PeriodName, Notes: sh.Notes, RejectedReason: sh.RejectedReason, Hours: hours(sh.DurationHundredths),
		Name: dayMonth(sh.Date) + ", " + span(sh.Start, sh.End)}
}

// RequestGroup is the requests of one status.
type RequestGroup struct {
	Status, Title string
	Shifts        []MyShift
}

// maxListed bounds the requests a page lists.
const maxListed = 500

func (s *Server) myRequests(w http.ResponseWriter, r *http.Request) {
	shifts, err := s.Scheduling.FindShifts(r.Context(), userOf(r), sqlstore.ShiftFilter{Order: "date", Limit: maxListed})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	groups := []RequestGroup{{Status: "pending", Title: "Waiting for approval"}, {Status: "approved", Title: "Approved"},
		{Status: "rejected", Title: "Not approved"}, {Status: "cancelled", Title: "Cancelled by you"}}
	for _, sh := range shifts {
		for i := range groups {
			if groups[i].Status == statusWord(sh.Status) {
				groups[i].Shifts = append(groups[i].Shifts, myShift(sh))
			}
		}
	}
	v := newView("My requests", "requests")
	v.Data, v.Live = groups, true
	if v.LivePeriods, err = s.activePeriods(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "requests", v)
}

// ownShift is the signed-in user's shift named in the path, or a 404.
func (s *Server) ownShift(w http.ResponseWriter, r *http.Request) (*pasched.Shift, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return nil, false
	}
	sh, err := s.Scheduling.FindShift(r.Context(), userOf(r), id)
	if err != nil {
		s.useCaseError(w, r, err)
		return nil, false
	}
	return sh, true
}

func (s *Server) editRequestForm(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.ownShift(w, r)
	if !ok {
		return
	}
	if sh.Status != pasched.ShiftPending {
		s.errorPage(w, r, http.StatusConflict, "This request cannot be changed", "Only a request that is still waiting for approval can be changed.")
		return
	}
	f := &Form{Values: map[string][]string{
		scheduling.FieldPeriod: {strconv.FormatInt(sh.PeriodID, 10)}, scheduling.FieldDate: {formDate(sh.Date)},
		scheduling.FieldStart: {clock(sh.Start)}, scheduling.FieldEnd: {clock(sh.End)}, "notes": {sh.Notes}}}
	ms := myShift(sh)
	s.renderShiftForm(w, r, http.StatusOK, f, sh.Date, &ms)
}

func (s *Server) editRequest(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.ownShift(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	in := readShiftForm(f)
	if !f.HasErrors() {
		_, err := s.Scheduling.UpdateShift(r.Context(), userOf(r), sh.ID, in)
		if err == nil {
			s.redirectFlash(w, r, "/requests", "request-updated")
			return
		}
		if !f.addError(err, shiftFieldMap) {
			s.serverError(w, r, err)
			return
		}
	}
	ms := myShift(sh)
	s.renderShiftForm(w, r, http.StatusUnprocessableEntity, f, sh.Date, &ms)
}

func (s *Server) cancelRequest(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.ownShift(w, r)
	if !ok {
		return
	}
	if _, err := s.Scheduling.DeleteShift(r.Context(), userOf(r), sh.ID); err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusConflict, "This request cannot be cancelled", "Only a request that is still waiting for approval can be cancelled. To give up an approved shift, ask the rota manager.")
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/requests", "request-canceled")
}

// SchedulePage is the view model of "My schedule".
type SchedulePage struct {
	Shifts    []MyShift
	WeekOf    string
	WeekHours string
	Limit     int
	Over      bool
}

func (s *Server) mySchedule(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	today := s.todayDate()
	// From yesterday: an overnight shift that began then is still upcoming.
	from := today.AddDays(-1)
	shifts, err := s.Scheduling.MySchedule(r.Context(), u, sqlstore.ShiftFilter{From: &from})
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	mon := mondayOf(today)
	wh, err := s.Scheduling.PAWeekHours(r.Context(), u, mon)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	p := &SchedulePage{WeekOf: longDate(mon), WeekHours: hours(wh.Hundredths), Limit: wh.Limit, Over: wh.Hundredths > int64(wh.Limit)*100}
	for _, sh := range shifts {
		if sh.Date.Before(today) && !sh.Rule().EndsNextDay() {
			continue
		}
		p.Shifts = append(p.Shifts, myShift(sh))
	}
	v := newView("My schedule", "schedule")
	v.Data, v.Live = p, true
	if v.LivePeriods, err = s.activePeriods(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "schedule", v)
}
