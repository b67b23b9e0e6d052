package web

import (
	"net/http"
	"strconv"
	"strings"

	"pasched"
	"pasched/coverage"
	"pasched/jobs"
	"pasched/schedule"
	"pasched/scheduling"
)

// --- Coverage and hours ---

// CoveragePage is the coming weeks' critical windows, what could fill the
// gaps, and each PA's weekly hours.
type CoveragePage struct {
	Days    int
	From    schedule.Date
	To      schedule.Date
	Outlook []OutlookDay
	Weeks   []schedule.Date
	Hours   []PAHours
}

// OutlookDay is one date of the coverage page.
type OutlookDay struct {
	Date    schedule.Date
	Windows []OutlookWindow
}

// OutlookWindow is a window with the requests and PAs that could fill it.
type OutlookWindow struct {
	WindowStatus
	// Requests are pending requests that reach into the window's gap.
	Requests []*scheduling.QueueItem
	// Slots are the uncovered stretches with the PAs suggested for each.
	Slots []coverage.SlotView
}

// PAHours is one PA's row of the hours table.
type PAHours struct {
	PA    *pasched.User
	Weeks []scheduling.PAWeek
}

// coverageDays is how far the page looks by default: two weeks.
const defaultCoverageDays = 14

func (s *Server) adminCoverage(w http.ResponseWriter, r *http.Request) {
	days := defaultCoverageDays
	if raw := r.URL.Query().Get("days"); raw != "" {
		n, err := coverage.ParseDays(raw)
		if err != nil {
			s.errorPage(w, r, http.StatusBadRequest, "Cannot show that many days", errorWords(err))
			return
		}
		days = n
	}
	u := userOf(r)
	from := schedule.DateOf(s.today())
	to := from.AddDays(days - 1)
	state, err := s.Scheduling.CoverageOf(r.Context(), u, from, to)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	queue, err := s.Scheduling.ApprovalQueue(r.Context(), u)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	var gaps *coverage.Report
	if s.Coverage != nil {
		if gaps, err = s.Coverage.Gaps(r.Context(), u, days); err != nil {
			s.useCaseError(w, r, err)
			return
		}
	}
	pg := CoveragePage{Days: days, From: from, To: to}
	for _, d := range state {
		od := OutlookDay{Date: d.Date}
		for i, cw := range coverageDays1(d) {
			ow := OutlookWindow{WindowStatus: cw}
			win := d.Windows[i].Window
			if cw.Status != "covered" {
				for _, qd := range queue {
					for _, it := range qd.Items {
						for _, fl := range it.Fills {
							if fl.Date == d.Date && fl.Window == win && it.Clash == nil {
								ow.Requests = append(ow.Requests, it)
							}
						}
					}
				}
				if gaps != nil {
					for _, g := range gaps.Gaps {
						if g.Date == d.Date && g.Window == win {
							ow.Slots = g.Slots
						}
					}
				}
			}
			od.Windows = append(od.Windows, ow)
		}
		pg.Outlook = append(pg.Outlook, od)
	}
	weeks, err := s.Scheduling.WeeklyHoursFrom(r.Context(), u, from, to)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	for _, wk := range weeks {
		if n := len(pg.Hours); n == 0 || pg.Hours[n-1].PA.ID != wk.PA.ID {
			pg.Hours = append(pg.Hours, PAHours{PA: wk.PA})
		}
		h := &pg.Hours[len(pg.Hours)-1]
		h.Weeks = append(h.Weeks, wk)
		if len(pg.Hours) == 1 {
			pg.Weeks = append(pg.Weeks, wk.WeekStart)
		}
	}
	v := newView("Coverage and hours", "coverage")
	v.Data = pg
	s.render(w, r, http.StatusOK, "admin_coverage", v)
}

// coverageDays1 words one date's windows.
func coverageDays1(d scheduling.DayWindows) []WindowStatus {
	return coverageDays([]scheduling.DayWindows{d})[0].Windows
}

// adminCreateOffer offers a gap's slot to the PAs ticked (or the best
// three when none is).
func (s *Server) adminCreateOffer(w http.ResponseWriter, r *http.Request) {
	if s.Coverage == nil {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	in := coverage.OfferInput{PAIDs: formIDs(f.Values["pa"])}
	in.Date = parseDateField(f, "date", "date", true)
	in.Start = parseTimeField(f, "start_time", "start time")
	in.End = parseTimeField(f, "end_time", "end time")
	if f.HasErrors() {
		s.errorPage(w, r, http.StatusBadRequest, "Offer not sent", "The slot to offer was not understood. Go back to the coverage page and try again.")
		return
	}
	o, err := s.Coverage.CreateOffer(r.Context(), userOf(r), in)
	_ = o
	if err != nil {
		if pasched.ErrorCode(err) == pasched.EINVALID {
			s.errorPage(w, r, http.StatusUnprocessableEntity, "Offer not sent", errorWords(err))
			return
		}
		s.useCaseError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/admin/coverage", "offer-sent")
}

// --- Jobs ---

// JobsPage is the background jobs of one state, with every state's count.
type JobsPage struct {
	State  string
	States []JobStateTab
	Jobs   []jobs.JobSummary
}

// JobStateTab is one state's link with its count.
type JobStateTab struct {
	State, Label string
	Count        int
	Current      bool
}

func (s *Server) adminJobs(w http.ResponseWriter, r *http.Request) {
	if s.Jobs == nil {
		s.notFound(w, r)
		return
	}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "retryable"
	}
	if !jobs.ValidJobState(state) {
		s.errorPage(w, r, http.StatusBadRequest, "Unknown job state", "Choose one of the states listed on the jobs page.")
		return
	}
	u := userOf(r)
	counts, err := s.Jobs.CountByState(r.Context(), u)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	list, err := s.Jobs.List(r.Context(), u, state, 100)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	pg := JobsPage{State: state, Jobs: list}
	for _, st := range jobs.JobStates {
		pg.States = append(pg.States, JobStateTab{State: string(st.State), Label: st.Label, Count: counts[string(st.State)], Current: string(st.State) == state})
	}
	v := newView("Background jobs", "jobs")
	v.Data = pg
	s.render(w, r, http.StatusOK, "admin_jobs", v)
}

func (s *Server) adminJobAction(retry bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.Jobs == nil {
			s.notFound(w, r)
			return
		}
		id, ok := pathID(r)
		if !ok {
			s.notFound(w, r)
			return
		}
		f := newForm(r)
		back := "/admin/jobs"
		if st := f.Value("state"); jobs.ValidJobState(st) {
			back += "?state=" + st
		}
		var err error
		key := "job-cancelled"
		if retry {
			err, key = s.Jobs.Retry(r.Context(), userOf(r), id), "job-retried"
		} else {
			err = s.Jobs.Cancel(r.Context(), userOf(r), id)
		}
		if err != nil {
			s.useCaseError(w, r, err)
			return
		}
		s.redirectFlash(w, r, back, key)
	}
}

// --- Audit trail ---

// auditPerPage is how many entries a page of the trail shows.
const auditPerPage = 50

// AuditPage is a page of the audit trail with its filters.
type AuditPage struct {
	// Stats are the PA's own pattern statistics (a PA's history page).
	Stats       *pasched.PAStats
	Entries     []*pasched.AuditEntry
	Total, Page int
	Prev, Next  string
	Admin       bool
	PAOptions   []Option
	Periods     []Option
	Kinds       []Option
}

func (s *Server) auditTrail(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	q := r.URL.Query()
	f := pasched.AuditFilter{PeriodID: queryID(q, "period"), SubjectUserID: queryID(q, "person"), Kind: q.Get("kind")}
	if f.Kind != "" {
		known := false
		for _, k := range pasched.AuditKinds {
			known = known || k.Kind == f.Kind
		}
		if !known {
			s.errorPage(w, r, http.StatusBadRequest, "Unknown kind of change", "Choose a kind of change from the list.")
			return
		}
	}
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	f.Offset, f.Limit = (page-1)*auditPerPage, auditPerPage
	es, total, err := s.Scheduling.AuditTrail(r.Context(), u, f)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	pg := AuditPage{Entries: es, Total: total, Page: page, Admin: u.IsAdmin()}
	link := func(p int) string {
		v := q
		v.Set("page", strconv.Itoa(p))
		return r.URL.Path + "?" + v.Encode()
	}
	if page > 1 {
		pg.Prev = link(page - 1)
	}
	if page*auditPerPage < total {
		pg.Next = link(page + 1)
	}
	nav, title := "history", "History of my shifts"
	if !u.IsAdmin() && s.Coverage != nil {
		if pg.Stats, err = s.Coverage.Stats(r.Context(), u, u.ID); err != nil && pasched.ErrorCode(err) != pasched.ENOTFOUND {
			s.serverError(w, r, err)
			return
		}
	}
	if u.IsAdmin() {
		nav, title = "audit", "Audit trail"
		if pg.PAOptions, err = s.personOptions(r, f.SubjectUserID); err != nil {
			s.serverError(w, r, err)
			return
		}
		if pg.Periods, err = s.adminPeriodOptions(r, f.PeriodID, "Any period"); err != nil {
			s.serverError(w, r, err)
			return
		}
		pg.Kinds = []Option{{Value: "", Label: "Any kind"}}
		for _, k := range pasched.AuditKinds {
			pg.Kinds = append(pg.Kinds, Option{Value: k.Kind, Label: k.Label, Selected: k.Kind == f.Kind})
		}
	}
	v := newView(title, nav)
	v.Data = pg
	s.render(w, r, http.StatusOK, "audit", v)
}

// personOptions are every account as select options.
func (s *Server) personOptions(r *http.Request, chosen int64) ([]Option, error) {
	users, err := s.Accounts.ListUsers(r.Context(), userOf(r))
	if err != nil {
		return nil, err
	}
	opts := []Option{{Value: "", Label: "Anyone"}}
	for _, u := range users {
		opts = append(opts, Option{Value: itoa64(u.ID), Label: u.DisplayName() + " (" + strings.ToLower(u.Role) + ")", Selected: u.ID == chosen})
	}
	return opts, nil
}

// --- Cover offers, as the PA opens them from the email ---

// OfferPage is one cover offer as a PA sees it.
type OfferPage struct {
	Offer  *pasched.CoverOffer
	Result *coverage.AcceptResult
	Open   bool
}

func (s *Server) offer(w http.ResponseWriter, r *http.Request) {
	s.renderOffer(w, r, http.StatusOK, nil)
}

// offerID is the offer id of the path; a server without cover offers, or a
// path without an id, answers 404 and false.
func (s *Server) offerID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := pathID(r)
	if s.Coverage == nil || !ok {
		s.notFound(w, r)
		return 0, false
	}
	return id, true
}

func (s *Server) renderOffer(w http.ResponseWriter, r *http.Request, status int, res *coverage.AcceptResult) {
	id, ok := s.offerID(w, r)
	if !ok {
		return
	}
	o, err := s.Coverage.FindOffer(r.Context(), userOf(r), id)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	pg := OfferPage{Offer: o, Result: res,
		Open: o.Status == pasched.OfferOpen && s.Coverage.Clock().Before(o.ExpiresAt) && res == nil}
	v := newView("Cover a shift: "+scheduling.DateWords(o.Date)+", "+scheduling.TimesWords(o.Start, o.End), "")
	v.Data = pg
	s.render(w, r, status, "offer", v)
}

func (s *Server) acceptOffer(w http.ResponseWriter, r *http.Request) {
	id, ok := s.offerID(w, r)
	if !ok {
		return
	}
	res, err := s.Coverage.AcceptOffer(r.Context(), userOf(r), id)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	s.renderOffer(w, r, http.StatusOK, res)
}
