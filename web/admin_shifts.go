package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"pasched"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// shiftsPerPage is the console's page size (the API's too).
const shiftsPerPage = 50

// ShiftsPage is the filtered shift list.
type ShiftsPage struct {
	Shifts          []*pasched.Shift
	Total, Page     int
	Pages           int
	Prev, Next      string
	PeriodOptions   []Option
	PAOptions       []Option
	StatusOptions   []Option
	From, To, Query string
}

var shiftStatuses = []string{pasched.ShiftPending, pasched.ShiftApproved, pasched.ShiftRejected, pasched.ShiftCancelled}

func (s *Server) adminShifts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := &Form{Values: q}
	filter := sqlstore.ShiftFilter{PeriodID: queryID(q, "period"), RequestedBy: queryID(q, "pa"), Order: "date"}
	if st := q.Get("status"); st != "" {
		for _, x := range shiftStatuses {
			if x == st {
				filter.Status = st
			}
		}
		if filter.Status == "" {
			f.Add("status", "Choose a status from the list.")
		}
	}
	filter.From = parseDateField(f, "from", "first date", false)
	filter.To = parseDateField(f, "to", "last date", false)
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	status := http.StatusOK
	var pg ShiftsPage
	if f.HasErrors() {
		status = http.StatusBadRequest
	} else {
		total, err := s.Scheduling.CountShifts(r.Context(), userOf(r), filter)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		pg.Total, pg.Page = total, page
		pg.Pages = max(1, (total+shiftsPerPage-1)/shiftsPerPage)
		if page > pg.Pages {
			s.notFound(w, r)
			return
		}
		filter.Offset, filter.Limit = (page-1)*shiftsPerPage, shiftsPerPage
		if pg.Shifts, err = s.Scheduling.FindShifts(r.Context(), userOf(r), filter); err != nil {
			s.serverError(w, r, err)
			return
		}
		link := func(p int) string {
			v := url.Values{}
			for k, vs := range q {
				if k != "page" && len(vs) > 0 && vs[0] != "" {
					v.Set(k, vs[0])
				}
			}
			v.Set("page", strconv.Itoa(p))
			return "/admin/shifts?" + v.Encode()
		}
		if page > 1 {
			pg.Prev = link(page - 1)
		}
		if page < pg.Pages {
			pg.Next = link(page + 1)
		}
	}
	var err error
	if pg.PeriodOptions, err = s.adminPeriodOptions(r, filter.PeriodID, "Any period"); err != nil {
		s.serverError(w, r, err)
		return
	}
	if pg.PAOptions, _, err = s.paOptions(r, filter.RequestedBy, "Any PA"); err != nil {
		s.serverError(w, r, err)
		return
	}
	pg.StatusOptions = []Option{{Value: "", Label: "Any status"}}
	for _, st := range shiftStatuses {
		pg.StatusOptions = append(pg.StatusOptions, Option{Value: st, Label: statusLabel(st), Selected: st == filter.Status})
	}
	v := newView("Shifts", "shifts")
	v.Form = f
	v.Data = pg
	s.render(w, r, status, "admin_shifts", v)
}

// AdminShiftFormPage is the form to create a shift for a PA, or edit one.
type AdminShiftFormPage struct {
	Shift         *pasched.Shift // nil: a new shift
	PeriodOptions []Option
	PAOptions     []Option
	// Overtime is the weekly-limit refusal the admin may confirm past.
	Overtime string
}

var adminShiftFields = fieldMap{scheduling.FieldPeriod: "period", scheduling.FieldDate: "date", scheduling.FieldStart: "start_time",
	scheduling.FieldEnd: "end_time", scheduling.FieldTime: "start_time", scheduling.FieldPA: "pa", pasched.NonField: ""}

func (s *Server) renderAdminShiftForm(w http.ResponseWriter, r *http.Request, status int, f *Form, sh *pasched.Shift, overtime string) {
	period, _ := strconv.ParseInt(f.Value("period"), 10, 64)
	pa, _ := strconv.ParseInt(f.Value("pa"), 10, 64)
	pg := AdminShiftFormPage{Shift: sh, Overtime: overtime}
	var err error
	if pg.PeriodOptions, err = s.adminPeriodOptions(r, period, "Choose a period"); err != nil {
		s.serverError(w, r, err)
		return
	}
	if pg.PAOptions, _, err = s.paOptions(r, pa, "Choose a PA"); err != nil {
		s.serverError(w, r, err)
		return
	}
	title := "Create a shift for a PA"
	if sh != nil {
		title = "Change " + scheduling.ShiftWords(sh)
	}
	v := newView(title, "shifts")
	v.Form = f
	v.Data = pg
	s.render(w, r, status, "admin_shift_form", v)
}

func (s *Server) adminNewShift(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := &Form{Values: url.Values{"period": {q.Get("period")}, "pa": {q.Get("pa")}, "date": {q.Get("date")},
		"start_time": {q.Get("start")}, "end_time": {q.Get("end")}}}
	s.renderAdminShiftForm(w, r, http.StatusOK, f, nil, "")
}

// shiftFormInput reads the shift form.
func shiftFormInput(f *Form, needPA bool) scheduling.ShiftInput {
	var in scheduling.ShiftInput
	if id, err := strconv.ParseInt(f.Value("period"), 10, 64); err == nil && id > 0 {
		in.PeriodID = &id
	} else {
		f.Add("period", "Choose the period.")
	}
	if needPA {
		if id, err := strconv.ParseInt(f.Value("pa"), 10, 64); err == nil && id > 0 {
			in.ForPA = &id
		} else {
			f.Add("pa", "Choose the PA.")
		}
	}
	in.Date = parseDateField(f, "date", "date", true)
	in.Start = parseTimeField(f, "start_time", "start time")
	in.End = parseTimeField(f, "end_time", "end time")
	notes := strings.TrimSpace(f.Value("notes"))
	in.Notes = &notes
	adminNotes := strings.TrimSpace(f.Value("admin_notes"))
	in.AdminNotes = &adminNotes
	in.OverrideOvertime = f.Value("override_overtime") == "yes"
	return in
}

func (s *Server) adminCreateShift(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	in := shiftFormInput(f, true)
	in.AdminDirect = true
	overtime := ""
	if !f.HasErrors() {
		sh, err := s.Scheduling.CreateShift(r.Context(), userOf(r), in)
		if err == nil {
			s.redirectFlash(w, r, "/admin/shifts?period="+itoa64(sh.PeriodID), "shift-created")
			return
		}
		var oe *scheduling.OvertimeError
		if asOvertime(err, &oe) {
			overtime = errorWords(err)
		} else if !f.addError(err, adminShiftFields) {
			s.useCaseError(w, r, err)
			return
		}
	}
	f.sortErrors("pa", "period", "date", "start_time", "end_time")
	s.renderAdminShiftForm(w, r, http.StatusUnprocessableEntity, f, nil, overtime)
}

func (s *Server) adminEditShift(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.adminFindShift(w, r)
	if !ok {
		return
	}
	f := &Form{Values: url.Values{"period": {itoa64(sh.PeriodID)}, "pa": {itoa64(sh.RequestedByID)}, "date": {sh.Date.String()},
		"start_time": {fmt.Sprintf("%02d:%02d", sh.Start.Hour(), sh.Start.Minute())}, "end_time": {fmt.Sprintf("%02d:%02d", sh.End.Hour(), sh.End.Minute())},
		"notes": {sh.Notes}, "admin_notes": {sh.AdminNotes}}}
	s.renderAdminShiftForm(w, r, http.StatusOK, f, sh, "")
}

func (s *Server) adminUpdateShift(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.adminFindShift(w, r)
	if !ok {
		return
	}
	f := newForm(r)
	in := shiftFormInput(f, false)
	overtime := ""
	if !f.HasErrors() {
		_, err := s.Scheduling.UpdateShift(r.Context(), userOf(r), sh.ID, in)
		if err == nil {
			s.redirectFlash(w, r, "/admin/shifts?period="+itoa64(*in.PeriodID), "shift-saved")
			return
		}
		var oe *scheduling.OvertimeError
		if asOvertime(err, &oe) {
			overtime = errorWords(err)
		} else if !f.addError(err, adminShiftFields) {
			s.useCaseError(w, r, err)
			return
		}
	}
	f.sortErrors("period", "date", "start_time", "end_time")
	s.renderAdminShiftForm(w, r, http.StatusUnprocessableEntity, f, sh, overtime)
}

// adminFindShift loads the shift of a /admin/shifts/{id}/… page: ok is
// false when the answer (404, or the use case's refusal) has been written.
func (s *Server) adminFindShift(w http.ResponseWriter, r *http.Request) (*pasched.Shift, bool) {
	id, ok := pathID(r)
	if !ok {
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

// DeleteShiftPage asks to confirm a deletion.
type DeleteShiftPage struct{ Shift *pasched.Shift }

func (s *Server) adminDeleteShiftForm(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.adminFindShift(w, r)
	if !ok {
		return
	}
	v := newView("Delete "+scheduling.ShiftWords(sh), "shifts")
	v.Data = DeleteShiftPage{Shift: sh}
	s.render(w, r, http.StatusOK, "admin_shift_delete", v)
}

func (s *Server) adminDeleteShift(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if _, err := s.Scheduling.DeleteShift(r.Context(), userOf(r), id); err != nil {
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/admin/shifts", "shift-deleted")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
