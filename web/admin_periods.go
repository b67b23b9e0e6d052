package web

import (
	"net/http"
	"strings"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// PeriodsPage is the periods list with the form to add one.
type PeriodsPage struct {
	Periods []*pasched.Period
}

func (s *Server) adminPeriods(w http.ResponseWriter, r *http.Request) {
	s.renderPeriods(w, r, http.StatusOK, nil)
}

func (s *Server) renderPeriods(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	ps, err := s.Scheduling.FindPeriods(r.Context(), 0, 1000)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := newView("Schedule periods", "periods")
	v.Form = f
	v.Data = PeriodsPage{Periods: ps}
	s.render(w, r, status, "admin_periods", v)
}

// periodInput reads the period form.
func periodInput(f *Form) scheduling.PeriodInput {
	var in scheduling.PeriodInput
	if name := strings.TrimSpace(f.Value("name")); name == "" {
		f.Add("name", "Enter a name for the period, for example March 2027.")
	} else if len(name) > 100 {
		f.Add("name", "The name must be 100 characters or fewer.")
	} else {
		in.Name = &name
	}
	in.StartDate = parseDateField(f, "start_date", "first day", true)
	in.EndDate = parseDateField(f, "end_date", "last day", true)
	return in
}

var periodFields = fieldMap{scheduling.FieldName: "name", scheduling.FieldStartDate: "start_date",
	scheduling.FieldEndDate: "end_date", scheduling.FieldStatus: "", pasched.NonField: ""}

func (s *Server) adminCreatePeriod(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	in := periodInput(f)
	if !f.HasErrors() {
		p, err := s.Scheduling.CreatePeriod(r.Context(), userOf(r), in)
		if err == nil {
			s.redirectFlash(w, r, "/admin/periods/"+itoa64(p.ID), "period-created")
			return
		}
		if !f.addError(err, periodFields) {
			s.useCaseError(w, r, err)
			return
		}
	}
	f.sortErrors("name", "start_date", "end_date")
	s.renderPeriods(w, r, http.StatusUnprocessableEntity, f)
}

// PeriodPage is one period: its details, edit form, coverage and shifts.
type PeriodPage struct {
	Detail   *scheduling.PeriodDetail
	Coverage []CoverageDay
}

// CoverageDay is a date's critical windows in words.
type CoverageDay struct {
	Date    schedule.Date
	Windows []WindowStatus
}

// WindowStatus is one window of a date: covered, partly or not at all.
type WindowStatus struct {
	Label string
	// Status is "covered", "partly" or "uncovered".
	Status string
	// Missing are the uncovered times ("06:00–07:30").
	Missing []string
}

func (s *Server) adminPeriod(w http.ResponseWriter, r *http.Request) {
	s.renderPeriod(w, r, http.StatusOK, nil)
}

func (s *Server) renderPeriod(w http.ResponseWriter, r *http.Request, status int, f *Form) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	d, err := s.Scheduling.FindPeriodDetail(r.Context(), userOf(r), id)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	cov, err := s.Scheduling.CoverageOf(r.Context(), userOf(r), d.Period.StartDate, d.Period.EndDate)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	if f == nil {
		f = &Form{Values: map[string][]string{"name": {d.Period.Name}, "start_date": {d.Period.StartDate.String()}, "end_date": {d.Period.EndDate.String()}}}
	}
	v := newView(d.Period.Name, "periods")
	v.Form = f
	v.Data = PeriodPage{Detail: d, Coverage: coverageDays(cov)}
	s.render(w, r, status, "admin_period", v)
}

// coverageDays words the use case's coverage.
func coverageDays(cov []scheduling.DayWindows) []CoverageDay {
	out := make([]CoverageDay, 0, len(cov))
	for _, d := range cov {
		cd := CoverageDay{Date: d.Date}
		for _, w := range d.Windows {
			ws := WindowStatus{Label: w.Label, Status: "covered"}
			switch {
			case len(w.Missing) == 0:
			case w.Partly:
				ws.Status = "partly"
			default:
				ws.Status = "uncovered"
			}
			for _, m := range w.Missing {
				ws.Missing = append(ws.Missing, scheduling.TimesWords(m.Start, m.End))
			}
			cd.Windows = append(cd.Windows, ws)
		}
		out = append(out, cd)
	}
	return out
}

func (s *Server) adminUpdatePeriod(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	in := periodInput(f)
	if !f.HasErrors() {
		_, err := s.Scheduling.UpdatePeriod(r.Context(), userOf(r), id, in)
		if err == nil {
			s.redirectFlash(w, r, "/admin/periods/"+itoa64(id), "period-saved")
			return
		}
		if !f.addError(err, periodFields) || pasched.ErrorCode(err) == pasched.ENOTFOUND {
			s.useCaseError(w, r, err)
			return
		}
	}
	f.sortErrors("name", "start_date", "end_date")
	s.renderPeriod(w, r, http.StatusUnprocessableEntity, f)
}

// adminPeriodStatus locks or unlocks a period.
func (s *Server) adminPeriodStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	st := f.Value("status")
	if st != pasched.PeriodOpen && st != pasched.PeriodLocked {
		s.errorPage(w, r, http.StatusBadRequest, "Request refused", "A period can only be locked or unlocked here.")
		return
	}
	_, err := s.Scheduling.UpdatePeriod(r.Context(), userOf(r), id, scheduling.PeriodInput{Status: &st})
	if err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusUnprocessableEntity, "Cannot change this period", errorWords(err))
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	key := "period-unlocked"
	if st == pasched.PeriodLocked {
		key = "period-locked"
	}
	s.redirectFlash(w, r, "/admin/periods/"+itoa64(id), key)
}

// FinalizePage is the finalisation preview.
type FinalizePage struct {
	Preview *scheduling.FinalizePreview
}

func (s *Server) adminFinalizeForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	pv, err := s.Scheduling.PreviewFinalize(r.Context(), userOf(r), id)
	if err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusConflict, "Already finalised", errorWords(err))
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	v := newView("Finalise "+pv.Period.Name, "periods")
	v.Data = FinalizePage{Preview: pv}
	s.render(w, r, http.StatusOK, "admin_finalize", v)
}

func (s *Server) adminFinalize(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	if f.Value("confirm") != "yes" {
		http.Redirect(w, r, "/admin/periods/"+itoa64(id)+"/finalize", http.StatusSeeOther)
		return
	}
	if _, err := s.Scheduling.FinalizePeriod(r.Context(), userOf(r), id); err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusConflict, "Already finalised", errorWords(err))
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/admin/periods/"+itoa64(id), "period-finalized")
}

var _ = sqlstore.ShiftFilter{}
