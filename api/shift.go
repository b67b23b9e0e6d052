package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"pasched"
	"pasched/api/pyparse"
	"pasched/api/wire"
	"pasched/internal/python"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// shiftRoutes mounts the seed's ShiftRequestViewSet.
func (s *Server) shiftRoutes() {
	lists := &shiftListAPI{s: s}
	s.handle("/api/shifts/", isAuthenticated, methods{
		http.MethodGet:  lists.list,
		http.MethodPost: s.createShift,
	})
	s.handle("/api/shifts/pending/", isAuthenticated, methods{http.MethodGet: s.pendingShifts})
	s.handle("/api/shifts/my_schedule/", isAuthenticated, methods{http.MethodGet: s.mySchedule})
	s.handle("/api/shifts/{id}/", isAuthenticated, methods{
		http.MethodGet:    s.getShift,
		http.MethodPut:    s.updateShift(false),
		http.MethodPatch:  s.updateShift(true),
		http.MethodDelete: s.deleteShift,
	})
	s.handle("/api/shifts/{id}/approve/", isAuthenticated, methods{http.MethodPost: s.approveShift})
	s.handle("/api/shifts/{id}/reject/", isAuthenticated, methods{http.MethodPost: s.rejectShift})
}

// Field orders of the seed's serializers (DRF reports errors in it).
var (
	shiftCreateFields = []string{"schedule_period", "date", "start_time", "end_time", "notes", "admin_direct"}
	shiftUpdateFields = []string{"schedule_period", "date", "start_time", "end_time", "notes", "admin_notes",
		"rejected_reason", "override_overtime"}
)

var notesOpts = strOpts{allowBlank: true, maxLen: maxScheduleNotes}

// decodeShiftCreate reads ShiftRequestCreateSerializer's fields and the
// admin_direct flag (a strict DRF boolean, SPEC §3 item 17). pk is the
// schedule_period value as the client wrote it, for DRF's `Invalid pk`.
func decodeShiftCreate(f *form) (in scheduling.ShiftInput, pk string) {
	in.PeriodID, pk = f.pk("schedule_period", true)
	in.Date = f.schedDate("date", true)
	in.Start = f.schedTime("start_time", true)
	in.End = f.schedTime("end_time", true)
	in.Notes = f.str("notes", notesOpts)
	in.AdminDirect = f.boolean("admin_direct", false)
	return in, pk
}

// decodeShiftUpdate reads ShiftRequestSerializer's writable fields (PUT
// requires the period, date and times; PATCH nothing) and
// override_overtime.
func decodeShiftUpdate(f *form, partial bool) (in scheduling.ShiftInput, pk string) {
	f.partial = partial
	in.PeriodID, pk = f.pk("schedule_period", true)
	in.Date = f.schedDate("date", true)
	in.Start = f.schedTime("start_time", true)
	in.End = f.schedTime("end_time", true)
	in.Notes = f.str("notes", notesOpts)
	in.AdminNotes = f.str("admin_notes", notesOpts)
	in.RejectedReason = f.str("rejected_reason", notesOpts)
	in.OverrideOvertime = f.boolean("override_overtime", false)
	return in, pk
}

// shiftFieldErrors is the 400 of a shift's serializer: decoding's errors
// and the use case's (err) in the serializer's order, an unknown period
// worded as DRF words it with the value the client sent (pk).
func shiftFieldErrors(decoded *fieldErrors, err error, pk string, fields []string) error {
	err = drfFields(decoded, err, fields...)
	return replaceFieldMessage(err, scheduling.FieldPeriod, scheduling.MsgUnknownPeriod, fmt.Sprintf(msgInvalidPK, pk))
}

// msgInvalidPK is DRF's PrimaryKeyRelatedField message for no such object.
const msgInvalidPK = "Invalid pk \"%s\" - object does not exist."

// decodeApprove reads ShiftApprovalSerializer.
func decodeApprove(f *form) scheduling.ApproveInput {
	return scheduling.ApproveInput{
		AdminNotes:       f.str("admin_notes", notesOpts),
		OverrideOvertime: f.boolean("override_overtime", false),
	}
}

// decodeReject reads ShiftRejectionSerializer.
func decodeReject(f *form) (string, error) {
	reason := f.str("rejected_reason", strOpts{required: true, maxLen: maxScheduleNotes})
	if err := f.fe.Err(); err != nil {
		return "", err
	}
	return *reason, nil
}

// shiftFilter reads the list's query parameters (status, period,
// start_date, end_date), refusing bad values with a 400 that names each
// (SPEC §3 item 15; the seed answered 500). Empty values are ignored, as
// the seed does.
func shiftFilter(r *http.Request) (sqlstore.ShiftFilter, error) {
	var (
		f  sqlstore.ShiftFilter
		fe fieldErrors
	)
	query := r.URL.Query()
	// Django's QueryDict.get returns the last value of a repeated key.
	get := func(name string) string {
		if vs := query[name]; len(vs) > 0 {
			return vs[len(vs)-1]
		}
		return ""
	}
	if v := get("status"); v != "" {
		if pasched.ValidShiftStatus(v) {
			f.Status = v
		} else {
			fe.Add("status", fmt.Sprintf(msgQueryChoice, v))
		}
	}
	if v := get("period"); v != "" {
		if n, ok := python.Int(v, 10); ok {
			f.PeriodID = *clampID(n)
			if f.PeriodID <= 0 {
				f.PeriodID = -1 // no period has it; 0 would mean "any"
			}
		} else {
			fe.Add("period", msgQueryInt)
		}
	}
	date := func(name string) *schedule.Date {
		v := get(name)
		if v == "" {
			return nil
		}
		d, err := pyparse.Date(v)
		if err != nil {
			fe.Add(name, msgQueryDate)
			return nil
		}
		return &d
	}
	f.From, f.To = date("start_date"), date("end_date")
	return f, fe.Err()
}

// shiftsJSON renders shifts in full as a JSON array.
func shiftsJSON(shifts []*pasched.Shift) ([]byte, error) {
	out := make([]wire.Shift, len(shifts))
	for i, sh := range shifts {
		out[i] = wire.NewShift(sh, false)
	}
	return json.Marshal(out)
}

// writeShiftList writes a plain JSON list of shifts (pending, my_schedule).
func writeShiftList(w http.ResponseWriter, r *http.Request, shifts []*pasched.Shift) {
	b, err := shiftsJSON(shifts)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeRaw(w, http.StatusOK, b)
}

func (s *Server) pendingShifts(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if !u.IsAdmin() {
		writeError(w, r, newViewError(pasched.EFORBIDDEN, "Admin access required."))
		return
	}
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	shifts, err := s.Scheduling.PendingShifts(r.Context(), u, f)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EFORBIDDEN))
		return
	}
	writeShiftList(w, r, shifts)
}

func (s *Server) mySchedule(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if u.Role != pasched.RolePA {
		writeError(w, r, newViewError(pasched.EFORBIDDEN, "PA access only."))
		return
	}
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	shifts, err := s.Scheduling.MySchedule(r.Context(), u, f)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EFORBIDDEN))
		return
	}
	writeShiftList(w, r, shifts)
}

func (s *Server) getShift(w http.ResponseWriter, r *http.Request) {
	sh, ok := findByID(w, r, s.Scheduling.FindShift)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, wire.NewShift(sh, false))
}

func (s *Server) createShift(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in, pk := decodeShiftCreate(f)
	if !f.fe.Empty() {
		// DRF validates every field before it answers: the use case's
		// checks of the fields that did decode join decoding's errors.
		err := s.Scheduling.CheckShiftRequest(r.Context(), in)
		writeError(w, r, shiftFieldErrors(&f.fe, err, pk, shiftCreateFields))
		return
	}
	sh, err := s.Scheduling.CreateShift(r.Context(), userFrom(r), in)
	if err != nil {
		writeError(w, r, shiftFieldErrors(nil, err, pk, shiftCreateFields))
		return
	}
	writeJSON(w, http.StatusCreated, wire.NewShift(sh, false))
}

func (s *Server) updateShift(partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := requireID(w, r)
		if !ok {
			return
		}
		u := userFrom(r)
		// DRF finds the shift and the view checks its status before the
		// body is read: a refusal of those comes first, then the body's
		// errors with the use case's checks of the fields that did decode.
		f, err := decodeForm(w, r)
		if err != nil {
			if cerr := s.Scheduling.CheckShiftEdit(r.Context(), u, id, scheduling.ShiftInput{}); cerr != nil {
				err = cerr
			}
			writeError(w, r, asViewError(err, pasched.EINVALID))
			return
		}
		in, pk := decodeShiftUpdate(f, partial)
		if !f.fe.Empty() {
			err := s.Scheduling.CheckShiftEdit(r.Context(), u, id, in)
			if e := (*pasched.Error)(nil); errors.As(err, &e) && len(e.Fields) == 0 {
				writeError(w, r, asViewError(err, pasched.EINVALID))
				return
			}
			writeError(w, r, shiftFieldErrors(&f.fe, err, pk, shiftUpdateFields))
			return
		}
		sh, err := s.Scheduling.UpdateShift(r.Context(), u, id, in)
		if err != nil {
			writeError(w, r, asViewError(shiftFieldErrors(nil, err, pk, shiftUpdateFields), pasched.EINVALID))
			return
		}
		writeJSON(w, http.StatusOK, wire.NewShift(sh, false))
	}
}

func (s *Server) deleteShift(w http.ResponseWriter, r *http.Request) {
	id, ok := requireID(w, r)
	if !ok {
		return
	}
	cancelled, err := s.Scheduling.DeleteShift(r.Context(), userFrom(r), id)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	if cancelled {
		writeJSON(w, http.StatusOK, shiftResultMessage{"Request cancelled successfully."})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// shiftResultMessage is the seed's {"message": …} answer of a cancellation.
type shiftResultMessage struct {
	Message string `json:"message"`
}

// adminObject is the start of an admin-only view on /…/{id}/: the seed's
// permission check (403), then the id (404 when it isn't one). ok is false
// when the answer has been written.
func adminObject(w http.ResponseWriter, r *http.Request) (*pasched.User, int64, bool) {
	u := userFrom(r)
	if !u.IsAdmin() {
		writeError(w, r, errPermission)
		return nil, 0, false
	}
	id, ok := requireID(w, r)
	return u, id, ok
}

// adminForm is the start of an admin-only view with a body: the seed's
// permission check (403), then the body. ok is false when the answer has
// been written.
func adminForm(w http.ResponseWriter, r *http.Request) (*pasched.User, *form, bool) {
	u := userFrom(r)
	if !u.IsAdmin() {
		writeError(w, r, errPermission)
		return nil, nil, false
	}
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, false
	}
	return u, f, true
}

// shiftResult is the approve and reject answers.
type shiftResult struct {
	Message string     `json:"message"`
	Shift   wire.Shift `json:"shift"`
}

// decision reads the body of an approval or a rejection with decode. The
// seed checks the shift (found, pending) before it reads the body, so
// when the body is refused the use case's refusal of the shift, if any,
// is the answer. ok is false when the answer has been written.
func (s *Server) decision(w http.ResponseWriter, r *http.Request, u *pasched.User, id int64, verb string, decode func(*form) error) bool {
	err := func() error {
		f, err := decodeForm(w, r)
		if err != nil {
			return err
		}
		return decode(f)
	}()
	if err == nil {
		return true
	}
	if cerr := s.Scheduling.CheckDecision(r.Context(), u, id, verb); cerr != nil {
		err = asViewError(cerr, pasched.EINVALID)
	}
	writeError(w, r, err)
	return false
}

func (s *Server) approveShift(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	var in scheduling.ApproveInput
	if !s.decision(w, r, u, id, scheduling.DecisionApprove, func(f *form) error {
		in = decodeApprove(f)
		return f.fe.Err()
	}) {
		return
	}
	sh, err := s.Scheduling.ApproveShift(r.Context(), u, id, in)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID, pasched.ECONFLICT))
		return
	}
	writeJSON(w, http.StatusOK, shiftResult{"Shift approved successfully.", wire.NewShift(sh, false)})
}

func (s *Server) rejectShift(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	var reason string
	if !s.decision(w, r, u, id, scheduling.DecisionReject, func(f *form) (err error) {
		reason, err = decodeReject(f)
		return err
	}) {
		return
	}
	sh, err := s.Scheduling.RejectShift(r.Context(), u, id, reason)
	if err != nil {
		writeError(w, r, asViewError(err, pasched.EINVALID))
		return
	}
	writeJSON(w, http.StatusOK, shiftResult{"Shift rejected.", wire.NewShift(sh, false)})
}
