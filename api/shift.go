package api

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"pasched"
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
// admin_direct flag (a strict DRF boolean, SPEC §3 item 17).
func decodeShiftCreate(f *form) scheduling.ShiftInput {
	var in scheduling.ShiftInput
	in.PeriodID, in.PeriodPK = f.pk("schedule_period", true)
	in.Date = f.schedDate("date", true)
	in.Start = f.schedTime("start_time", true)
	in.End = f.schedTime("end_time", true)
	in.Notes = f.str("notes", notesOpts)
	in.AdminDirect = f.boolean("admin_direct", false)
	return in
}

// decodeShiftUpdate reads ShiftRequestSerializer's writable fields (PUT
// requires the period, date and times; PATCH nothing) and
// override_overtime.
func decodeShiftUpdate(f *form, partial bool) scheduling.ShiftInput {
	f.partial = partial
	var in scheduling.ShiftInput
	in.PeriodID, in.PeriodPK = f.pk("schedule_period", true)
	in.Date = f.schedDate("date", true)
	in.Start = f.schedTime("start_time", true)
	in.End = f.schedTime("end_time", true)
	in.Notes = f.str("notes", notesOpts)
	in.AdminNotes = f.str("admin_notes", notesOpts)
	in.RejectedReason = f.str("rejected_reason", notesOpts)
	in.OverrideOvertime = f.boolean("override_overtime", false)
	return in
}

// decodeApprove reads ShiftApprovalSerializer.
func decodeApprove(f *form) scheduling.ApproveInput {
	in := scheduling.ApproveInput{
		AdminNotes:       f.str("admin_notes", notesOpts),
		OverrideOvertime: f.boolean("override_overtime", false),
	}
	in.Invalid = f.fe.Err()
	return in
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
		fe pasched.FieldErrors
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
		d, err := schedule.ParseDate(v)
		if err != nil {
			fe.Add(name, msgQueryDate)
			return nil
		}
		return &d
	}
	f.From, f.To = date("start_date"), date("end_date")
	return f, fe.Err()
}

// schedBufs recycles the buffers of shift lists (a page is ~28 KB).
var schedBufs = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

func schedPut(b *[]byte) {
	if cap(*b) <= 1<<20 {
		schedBufs.Put(b)
	}
}

// schedAppendShifts appends the shifts' JSON, comma-separated.
func schedAppendShifts(b []byte, shifts []*pasched.Shift) []byte {
	for i, sh := range shifts {
		if i > 0 {
			b = append(b, ',')
		}
		b = scheduling.AppendShift(b, sh, false)
	}
	return b
}

// writeShiftList writes a plain JSON list of shifts (pending, my_schedule).
func writeShiftList(w http.ResponseWriter, shifts []*pasched.Shift) {
	buf := schedBufs.Get().(*[]byte)
	defer schedPut(buf)
	b := append((*buf)[:0], '[')
	b = schedAppendShifts(b, shifts)
	b = append(b, ']')
	schedWriteRaw(w, http.StatusOK, b)
	*buf = b
}

// schedWriteRaw writes an already encoded JSON body.
func schedWriteRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) pendingShifts(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if !u.IsAdmin() {
		writeError(w, r, pasched.ViewError(pasched.EFORBIDDEN, "Admin access required."))
		return
	}
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	shifts, err := s.Scheduling.PendingShifts(r.Context(), u, f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeShiftList(w, shifts)
}

func (s *Server) mySchedule(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if u.Role != pasched.RolePA {
		writeError(w, r, pasched.ViewError(pasched.EFORBIDDEN, "PA access only."))
		return
	}
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	shifts, err := s.Scheduling.MySchedule(r.Context(), u, f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeShiftList(w, shifts)
}

func (s *Server) getShift(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, r, errNotFound)
		return
	}
	sh, err := s.Scheduling.FindShift(r.Context(), userFrom(r), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, scheduling.NewShiftJSON(sh))
}

func (s *Server) createShift(w http.ResponseWriter, r *http.Request) {
	f, err := decodeForm(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	in := decodeShiftCreate(f)
	sh, err := s.Scheduling.CreateShift(r.Context(), userFrom(r), in, &f.fe)
	if err != nil {
		writeError(w, r, schedOrder(err, shiftCreateFields...))
		return
	}
	writeJSON(w, http.StatusCreated, scheduling.NewShiftJSON(sh))
}

func (s *Server) updateShift(partial bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r)
		if !ok {
			writeError(w, r, errNotFound)
			return
		}
		var in scheduling.ShiftInput
		fe := &pasched.FieldErrors{}
		f, err := decodeForm(w, r)
		if err != nil {
			in.BodyErr = err
		} else {
			in = decodeShiftUpdate(f, partial)
			fe = &f.fe
		}
		sh, err := s.Scheduling.UpdateShift(r.Context(), userFrom(r), id, in, fe)
		if err != nil {
			writeError(w, r, schedOrder(err, shiftUpdateFields...))
			return
		}
		writeJSON(w, http.StatusOK, scheduling.NewShiftJSON(sh))
	}
}

func (s *Server) deleteShift(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		writeError(w, r, errNotFound)
		return
	}
	cancelled, err := s.Scheduling.DeleteShift(r.Context(), userFrom(r), id)
	if err != nil {
		writeError(w, r, err)
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
	id, ok := pathID(r)
	if !ok {
		writeError(w, r, errNotFound)
		return nil, 0, false
	}
	return u, id, true
}

// shiftResult is the approve and reject answers.
type shiftResult struct {
	Message string               `json:"message"`
	Shift   scheduling.ShiftJSON `json:"shift"`
}

func (s *Server) approveShift(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	var in scheduling.ApproveInput
	if f, err := decodeForm(w, r); err != nil {
		in.Invalid = err
	} else {
		in = decodeApprove(f)
	}
	sh, err := s.Scheduling.ApproveShift(r.Context(), u, id, in)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, shiftResult{"Shift approved successfully.", scheduling.NewShiftJSON(sh)})
}

func (s *Server) rejectShift(w http.ResponseWriter, r *http.Request) {
	u, id, ok := adminObject(w, r)
	if !ok {
		return
	}
	var (
		reason  string
		invalid error
	)
	if f, err := decodeForm(w, r); err != nil {
		invalid = err
	} else {
		reason, invalid = decodeReject(f)
	}
	sh, err := s.Scheduling.RejectShift(r.Context(), u, id, reason, invalid)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, shiftResult{"Shift rejected.", scheduling.NewShiftJSON(sh)})
}
