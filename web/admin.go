package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"pasched"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// The admin's console: the approval queue, periods, shifts, people,
// coverage and hours, background jobs and the audit trail. Every route is
// under /admin/ and wrapped in requireAdmin (routes.go); a test walks them
// all (admin_test.go).

// consoleFuncs are the template functions the console's pages use.
var consoleFuncs = map[string]any{
	"dateWords":   scheduling.DateWords,
	"timesWords":  scheduling.TimesWords,
	"shiftWords":  scheduling.ShiftWords,
	"hours":       func(h int64) string { return schedule.FormatHours(h) },
	"isoDate":     func(d schedule.Date) string { return d.String() },
	"hm":          func(t schedule.TimeOfDay) string { return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute()) },
	"statusLabel": statusLabel,
	"lower":       strings.ToLower,
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
}

// statusLabel is a shift or period status as people say it.
func statusLabel(s string) string {
	switch s {
	case pasched.ShiftPending:
		return "Pending"
	case pasched.ShiftApproved:
		return "Approved"
	case pasched.ShiftRejected:
		return "Rejected"
	case pasched.ShiftCancelled:
		return "Cancelled"
	case pasched.PeriodOpen:
		return "Open"
	case pasched.PeriodLocked:
		return "Locked"
	case pasched.PeriodFinalized:
		return "Finalised"
	}
	return s
}

// pathID reads the {id} of a console route; a bad one is a 404.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// formIDs reads the positive ids of a repeated form field.
func formIDs(vals []string) []int64 {
	var out []int64
	for _, v := range vals {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// --- Approval queue ---

// QueuePage is the approval queue's view model.
type QueuePage struct {
	Days  []scheduling.QueueDay
	Count int
	// Results are the outcomes of a bulk approval just made.
	Results []BulkResult
}

// BulkResult is one line of a bulk approval's outcome.
type BulkResult struct {
	Shift   string
	OK      bool
	Message string
}

func (s *Server) adminQueue(w http.ResponseWriter, r *http.Request) {
	s.renderQueue(w, r, http.StatusOK, nil)
}

func (s *Server) renderQueue(w http.ResponseWriter, r *http.Request, status int, results []BulkResult) {
	days, err := s.Scheduling.ApprovalQueue(r.Context(), userOf(r))
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	n := 0
	for _, d := range days {
		n += len(d.Items)
	}
	live, err := s.activePeriods(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	v := newView("Requests to approve", "queue")
	// The queue refreshes itself when a request arrives, and says so.
	v.Live, v.LivePeriods, v.LiveAll = true, live, true
	v.Data = QueuePage{Days: days, Count: n, Results: results}
	s.render(w, r, status, "admin_queue", v)
}

// adminBulkApprove approves the ticked requests that raise no warning; the
// page lists what happened to each.
func (s *Server) adminBulkApprove(w http.ResponseWriter, r *http.Request) {
	f := newForm(r)
	ids := formIDs(f.Values["shift"])
	if len(ids) == 0 {
		f.Add(nonField, "Tick at least one request to approve.")
		s.renderQueueForm(w, r, f)
		return
	}
	res, err := s.Scheduling.ApproveMany(r.Context(), userOf(r), ids)
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	var out []BulkResult
	for _, x := range res {
		b := BulkResult{OK: x.Err == nil, Shift: fmt.Sprintf("Request %d", x.ID)}
		if x.Shift != nil {
			b.Shift, b.Message = scheduling.ShiftWords(x.Shift), "approved"
		} else {
			b.Message = errorWords(x.Err)
		}
		out = append(out, b)
	}
	s.renderQueue(w, r, http.StatusOK, out)
}

func (s *Server) renderQueueForm(w http.ResponseWriter, r *http.Request, f *Form) {
	days, err := s.Scheduling.ApprovalQueue(r.Context(), userOf(r))
	if err != nil {
		s.useCaseError(w, r, err)
		return
	}
	v := newView("Requests to approve", "queue")
	v.Form = f
	v.Data = QueuePage{Days: days}
	s.render(w, r, http.StatusUnprocessableEntity, "admin_queue", v)
}

// errorWords is the message of a use case's refusal.
func errorWords(err error) string {
	var oe *scheduling.OvertimeError
	if ok := asOvertime(err, &oe); ok {
		return oe.Err.Message
	}
	if e, ok := err.(interface{ Unwrap() error }); ok && e.Unwrap() != nil {
		err = e.Unwrap()
	}
	var pe *pasched.Error
	if asPasched(err, &pe) {
		if pe.Message != "" {
			return pe.Message
		}
		for _, msgs := range pe.Fields {
			return strings.Join(msgs, " ")
		}
	}
	return "could not be approved"
}

// DecisionPage is the approve (with its warnings) and reject pages' view
// model: one pending request.
type DecisionPage struct {
	Item *scheduling.QueueItem
}

// queueItem finds the pending request id in the queue.
func (s *Server) queueItem(w http.ResponseWriter, r *http.Request) (*scheduling.QueueItem, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	days, err := s.Scheduling.ApprovalQueue(r.Context(), userOf(r))
	if err != nil {
		s.useCaseError(w, r, err)
		return nil, false
	}
	for _, d := range days {
		for _, it := range d.Items {
			if it.Shift.ID == id {
				return it, true
			}
		}
	}
	s.errorPage(w, r, http.StatusNotFound, "Request not found",
		"There is no pending request at this address: it may have been approved, rejected or cancelled already.")
	return nil, false
}

// adminApproveForm is the approval page: the request with every warning;
// past the weekly limit it asks for the explicit confirmation that names
// the overtime.
func (s *Server) adminApproveForm(w http.ResponseWriter, r *http.Request) {
	s.renderDecision(w, r, http.StatusOK, "Approve", "admin_approve", nil)
}

// renderDecision shows the approve or reject page (verb) of the request in
// the path, with the form f as it was sent (nil: a blank one).
func (s *Server) renderDecision(w http.ResponseWriter, r *http.Request, status int, verb, page string, f *Form) {
	it, ok := s.queueItem(w, r)
	if !ok {
		return
	}
	v := newView(verb+" "+scheduling.ShiftWords(it.Shift), "queue")
	v.Form = f
	v.Data = DecisionPage{Item: it}
	s.render(w, r, status, page, v)
}

func (s *Server) adminApprove(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	in := scheduling.ApproveInput{OverrideOvertime: f.Value("override_overtime") == "yes"}
	if n := strings.TrimSpace(f.Value("admin_notes")); n != "" {
		in.AdminNotes = &n
	}
	_, err := s.Scheduling.ApproveShift(r.Context(), userOf(r), id, in)
	if err == nil {
		s.redirectFlash(w, r, "/admin/queue", "approved")
		return
	}
	if code := pasched.ErrorCode(err); code == pasched.ENOTFOUND || code == pasched.EFORBIDDEN || code == pasched.EINTERNAL {
		s.useCaseError(w, r, err)
		return
	}
	// Refused (a clash, the weekly limit, no longer pending): the page
	// again with the reason on top.
	f.Add(nonField, errorWords(err))
	s.renderDecision(w, r, http.StatusUnprocessableEntity, "Approve", "admin_approve", f)
}

func (s *Server) adminRejectForm(w http.ResponseWriter, r *http.Request) {
	s.renderDecision(w, r, http.StatusOK, "Reject", "admin_reject", nil)
}

func (s *Server) adminReject(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	f := newForm(r)
	reason := strings.TrimSpace(f.Value("reason"))
	if reason == "" {
		f.Add("reason", "Enter the reason the PA will read.")
	} else if len(reason) > 2000 {
		f.Add("reason", "The reason must be 2,000 characters or fewer.")
	}
	if !f.HasErrors() {
		_, err := s.Scheduling.RejectShift(r.Context(), userOf(r), id, reason)
		if err == nil {
			s.redirectFlash(w, r, "/admin/queue", "rejected")
			return
		}
		if !f.addError(err, nil) || pasched.ErrorCode(err) == pasched.ENOTFOUND {
			s.useCaseError(w, r, err)
			return
		}
	}
	s.renderDecision(w, r, http.StatusUnprocessableEntity, "Reject", "admin_reject", f)
}

// --- helpers shared by the console's forms ---

// parseDateField reads a yyyy-mm-dd date field, adding the form's error.
func parseDateField(f *Form, name, label string, required bool) *schedule.Date {
	v := strings.TrimSpace(f.Value(name))
	if v == "" {
		if required {
			f.Add(name, "Enter the "+label+".")
		}
		return nil
	}
	d, err := schedule.ParseDate(v)
	if err != nil || !d.Valid() {
		f.Add(name, "Enter the "+label+" as a date, for example 2027-03-02.")
		return nil
	}
	return &d
}

// parseTimeField reads an HH:MM time field, adding the form's error.
func parseTimeField(f *Form, name, label string) *schedule.TimeOfDay {
	v := strings.TrimSpace(f.Value(name))
	if v == "" {
		f.Add(name, "Enter the "+label+".")
		return nil
	}
	t, err := schedule.ParseTime(v)
	if err != nil {
		f.Add(name, "Enter the "+label+" as a time, for example 08:00.")
		return nil
	}
	return &t
}

// queryID reads an optional positive id from the query.
func queryID(q url.Values, name string) int64 {
	id, err := strconv.ParseInt(q.Get(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// paOptions are the active PAs as select options, chosen marked.
func (s *Server) paOptions(r *http.Request, chosen int64, any string) ([]Option, []*pasched.User, error) {
	users, err := s.Accounts.ListUsers(r.Context(), userOf(r))
	if err != nil {
		return nil, nil, err
	}
	var opts []Option
	if any != "" {
		opts = append(opts, Option{Value: "", Label: any})
	}
	var pas []*pasched.User
	for _, u := range users {
		if u.Role != pasched.RolePA {
			continue
		}
		pas = append(pas, u)
		label := u.DisplayName()
		if !u.IsActive {
			label += " (deactivated)"
		}
		opts = append(opts, Option{Value: strconv.FormatInt(u.ID, 10), Label: label, Selected: u.ID == chosen})
	}
	return opts, pas, nil
}

// adminPeriodOptions are the periods as select options, chosen marked.
func (s *Server) adminPeriodOptions(r *http.Request, chosen int64, any string) ([]Option, error) {
	ps, err := s.Scheduling.FindPeriods(r.Context(), 0, 1000)
	if err != nil {
		return nil, err
	}
	var opts []Option
	if any != "" {
		opts = append(opts, Option{Value: "", Label: any})
	}
	for _, p := range ps {
		opts = append(opts, Option{Value: strconv.FormatInt(p.ID, 10),
			Label: fmt.Sprintf("%s (%s to %s, %s)", p.Name, p.StartDate, p.EndDate, strings.ToLower(statusLabel(p.Status))), Selected: p.ID == chosen})
	}
	return opts, nil
}

var _ = sqlstore.ShiftFilter{}

func asOvertime(err error, oe **scheduling.OvertimeError) bool { return errors.As(err, oe) }
func asPasched(err error, pe **pasched.Error) bool             { return errors.As(err, pe) }
