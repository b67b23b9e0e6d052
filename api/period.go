package api

import (
	"net/http"

	"pasched"
	"pasched/api/wire"
	"pasched/scheduling"
)

// periodRoutes mounts the seed's SchedulePeriodViewSet: list and retrieve
// for any signed-in user; create, update, delete and finalize for admins.
func (s *Server) periodRoutes() {
	s.handle("/api/schedule-periods/", isAuthenticated, methods{
		http.MethodGet:  s.listPeriods,
		http.MethodPost: s.createPeriod,
	})
	s.handle("/api/schedule-periods/{id}/", isAuthenticated, methods{
		http.MethodGet:    s.getPeriod,
		http.MethodPut:    s.updatePeriod(false),
		http.MethodPatch:  s.updatePeriod(true),
		http.MethodDelete: s.deletePeriod,
	})
	s.handle("/api/schedule-periods/{id}/finalize/", isAuthenticated, methods{
		http.MethodPost: s.finalizePeriod,
	})
}

// periodFields are SchedulePeriodCreateUpdateSerializer's fields, in order.
var periodFields = []string{"name", "start_date", "end_date", "status"}

// decodePeriod reads a period body; partial is PATCH.
func decodePeriod(f *form, partial bool) scheduling.PeriodInput {
	f.partial = partial
	return scheduling.PeriodInput{
		Name:      f.str("name", strOpts{required: true, maxLen: 100}),
		StartDate: f.schedDate("start_date", true),
		EndDate:   f.schedDate("end_date", true),
		Status:    f.choice("status", false, pasched.ValidPeriodStatus),
	}
}

// periodDetailJSON is SchedulePeriodDetailSerializer.
type periodDetailJSON struct {
	wire.Period
	Shifts          []wire.Shift        `json:"shifts"`
	CoverageSummary coverageSummaryJSON `json:"coverage_summary"`
}

type coverageSummaryJSON struct {
	TotalApprovedShifts int    `json:"total_approved_shifts"`
	PendingRequests     int    `json:"pending_requests"`
	Status              string `json:"status"`
}

// finalizeJSON is the seed's finalize answer: coverage_warnings and
// warning_count when some critical time is uncovered, else coverage_status.
type finalizeJSON struct {
	Message          string      `json:"message"`
	Period           wire.Period `json:"period"`
	RejectedRequests int         `json:"rejected_requests"`
	CoverageWarnings []string    `json:"coverage_warnings,omitempty"`
	WarningCount     int         `json:"warning_count,omitempty"`
	CoverageStatus   string      `json:"coverage_status,omitempty"`
}

func (s *Server) listPeriods(w http.ResponseWriter, r *http.Request) {
	count, err := s.Scheduling.CountPeriods(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := pageNumber(r, count)
	if err != nil {
		writeError(w, r, err)
		return
	}
	periods, err := s.Scheduling.FindPeriods(r.Context(), (n-1)*PageSize, PageSize)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]wire.Period, len(periods))
	for i, p := range periods {
		out[i] = wire.NewPeriod(p)
	}
	writeJSON(w, http.StatusOK, newPage(r, count, n, out))
}

func (s *Server) getPeriod(w http.ResponseWriter, r *http.Request) {
	d, ok := findByID(w, r, s.Scheduling.FindPeriodDetail)
	if !ok {
		return
	}
	u := userFrom(r)
	out := periodDetailJSON{Period: wire.NewPeriod(d.Period), Shifts: make([]wire.Shift, len(d.Shifts)),
		CoverageSummary: coverageSummaryJSON{d.Summary.ApprovedShifts, d.Summary.PendingRequests, d.Period.Status}}
	for i, sh := range d.Shifts {
		out.Shifts[i] = wire.NewShift(sh, scheduling.Public(u, sh))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createPeriod(w http.ResponseWriter, r *http.Request) {
	u, f, ok := adminForm(w, r)
	if !ok {
		return
	}
	in := decodePeriod(f, false)
	if !f.fe.Empty() {
		writeError(w, r, drfFields(&f.fe, s.Scheduling.CheckNewPeriod(u, in), periodFields...))
		return
	}
	p, err := s.Scheduling.CreatePeriod(r.Context(), u, in)
	if err != nil {
		writeError(w, r, drfFields(nil, err, periodFields...))
		return
	}
	writeJSON(w, http.StatusCreated, wire.NewPeriod(p))
}

func (s *Server) updatePeriod(partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, id, ok := adminObject(w, r)
		if !ok {
			return
		}
		f, err := decodeForm(w, r)
		if err != nil {
			// DRF looks the period up before it reads the body.
			if ferr := s.Scheduling.PeriodExists(r.Context(), id); ferr != nil {
				err = ferr
			}
			writeError(w, r, err)
			return
		}
		in := decodePeriod(f, partial)
		if !f.fe.Empty() {
			// DRF finds the period before it validates the body.
			writeError(w, r, drfFields(&f.fe, s.Scheduling.CheckPeriodEdit(r.Context(), u, id, in), periodFields...))
			return
		}
		p, err := s.Scheduling.UpdatePeriod(r.Context(), u, id, in)
		if err != nil {
			writeError(w, r, drfFields(nil, err, periodFields...))
			return
		}
		writeJSON(w, http.StatusOK, wire.NewPeriod(p))
	}
}

func (s *Server) deletePeriod(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	if err := s.Scheduling.DeletePeriod(r.Context(), u, id); err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) finalizePeriod(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	res, err := s.Scheduling.FinalizePeriod(r.Context(), u, id)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	out := finalizeJSON{
		Message:          `Schedule period "` + res.Period.Name + `" finalized successfully.`,
		Period:           wire.NewPeriod(res.Period),
		RejectedRequests: res.Rejected,
	}
	if len(res.Warnings) > 0 {
		out.CoverageWarnings, out.WarningCount = res.Warnings, len(res.Warnings)
	} else {
		out.CoverageStatus = "All critical times covered! ✅"
	}
	writeJSON(w, http.StatusOK, out)
}
