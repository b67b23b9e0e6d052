package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

const noShift = `{"detail":"No ShiftRequest matches the given query."}`

func shiftPath(id int64, action string) string {
	if action == "" {
		return fmt.Sprintf("/api/shifts/%d/", id)
	}
	return fmt.Sprintf("/api/shifts/%d/%s/", id, action)
}

func TestShiftEndpointsAnonymous(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		id := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		var calls []call
		for _, c := range [][2]string{{"GET", "/api/shifts/"}, {"POST", "/api/shifts/"}, {"GET", "/api/shifts/pending/"},
			{"GET", "/api/shifts/my_schedule/"}, {"GET", shiftPath(id, "")}, {"PUT", shiftPath(id, "")}, {"PATCH", shiftPath(id, "")},
			{"DELETE", shiftPath(id, "")}, {"POST", shiftPath(id, "approve")}, {"POST", shiftPath(id, "reject")}} {
			calls = append(calls, call{"anonymous " + c[0] + " " + c[1], c[0], c[1], map[string]any{}, nil, 401, bodyUnauth})
		}
		calls = append(calls, call{"bad token", "GET", "/api/shifts/", nil, "not.a.jwt", 401,
			`{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"<any>"}]}`})
		runCalls(t, f.env, calls)
		if r := f.do("GET", "/api/shifts", nil, nil); r.Status != 301 || r.Header.Get("Location") != "/api/shifts/" {
			t.Fatalf("no slash: %d %v", r.Status, r.Header)
		}
	})
}

// TestShiftLifecycle walks the seed's contract examples and every error of
// the shift endpoints, by role, checking bodies and the live events.
func TestShiftLifecycle(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		sw := func(id int64, by *pasched.User, date, start, end, dur, status string) shiftWant {
			return shiftWant{id: id, period: f.mar, periodName: "March 2030", by: by, date: date, start: start, end: end, dur: dur, status: status}
		}
		mar := f.mar

		// A PA's request: 201 with every read field (SPEC §3 item 19) and the
		// seed's shift.requested event, for admins and the PA only.
		r := f.do("POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-02", "start_time": "06:00", "end_time": "09:00",
			"notes": "Morning block"}, f.alice)
		aliceM := f.mustID(r, 201)
		wantM := sw(aliceM, f.alice, "2030-03-02", "06:00:00", "09:00:00", "3.00", "PENDING")
		wantM.notes = "Morning block"
		expect(t, r, 201, wantM.JSON())
		expectEvents(t, f.events.take(), evWant{mar, f.alice.ID,
			`{"type":"shift.requested","shift":` + wantM.JSON() + `,"message":"Alicia Anderson submitted a new shift request"}`, ""})

		// Bob's overlapping request is fine while Alice's is only pending.
		bobX := f.request(f.bob, mar, "2030-03-02", "08:30", "10:00")
		f.events.take()

		badFields := `{"date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],` +
			`"start_time":["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]}`
		runCalls(t, f.env, []call{
			{"empty", "POST", "/api/shifts/", map[string]any{}, f.alice, 400,
				`{"schedule_period":["This field is required."],"date":["This field is required."],"start_time":["This field is required."],"end_time":["This field is required."]}`},
			{"bad date and time", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-02-30", "start_time": "25:00", "end_time": "11:00"}, f.alice, 400, badFields},
			{"unknown period", "POST", "/api/shifts/", map[string]any{"schedule_period": 999999, "date": "2030-03-02", "start_time": "10:00", "end_time": "11:00"}, f.alice, 400,
				`{"schedule_period":["Invalid pk \"999999\" - object does not exist."]}`},
			{"unknown period and bad fields keep DRF's order", "POST", "/api/shifts/", map[string]any{"schedule_period": "999", "date": "", "start_time": "",
				"end_time": true, "notes": []int{1}}, f.alice, 400,
				`{"schedule_period":["Invalid pk \"999\" - object does not exist."],"date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],` +
					`"start_time":["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."],` +
					`"end_time":["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."],"notes":["Not a valid string."]}`},
			{"period as text", "POST", "/api/shifts/", map[string]any{"schedule_period": "abc", "date": "2030-03-02", "start_time": "10:00", "end_time": "11:00"}, f.alice, 400,
				`{"schedule_period":["Incorrect type. Expected pk value, received str."]}`},
			{"period as bool", "POST", "/api/shifts/", map[string]any{"schedule_period": true, "date": "2030-03-02", "start_time": "10:00", "end_time": "11:00"}, f.alice, 400,
				`{"schedule_period":["Incorrect type. Expected pk value, received bool."]}`},
			{"period null, time a number", "POST", "/api/shifts/", map[string]any{"schedule_period": nil, "date": "2030-03-02", "start_time": 6, "end_time": "11:00"}, f.alice, 400,
				`{"schedule_period":["This field may not be null."],"start_time":["Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]]."]}`},
			{"locked period", "POST", "/api/shifts/", map[string]any{"schedule_period": f.apr, "date": "2030-04-02", "start_time": "06:00", "end_time": "09:00", "notes": ""}, f.alice, 400,
				`{"schedule_period":["Cannot submit requests for LOCKED periods. Period must be OPEN."]}`},
			{"outside the period", "POST", "/api/shifts/", map[string]any{"schedule_period": fmt.Sprintf(" %d ", mar), "date": "2030-04-02", "start_time": "06:00", "end_time": "09:00"}, f.alice, 400,
				`{"date":["Date must be between 2030-03-01 and 2030-03-31"]}`},
			{"zero length", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-20", "start_time": "12:00", "end_time": "12:00:00"}, f.alice, 400,
				`{"end_time":["End time must differ from start time: a shift cannot last zero hours (an end time before the start time means the shift ends the next day)."]}`},
			{"own overlap", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-02", "start_time": "07:00", "end_time": "08:00"}, f.alice, 400,
				`{"time":["You already have a shift from 06:00 AM to 09:00 AM on this date."]}`},
			{"own overlap from the day before, overnight", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-01", "start_time": "23:00", "end_time": "06:30"}, f.alice, 400,
				`{"time":["You already have a shift from 06:00 AM to 09:00 AM on 2030-03-02."]}`},
			{"huge notes", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-20", "start_time": "10:00", "end_time": "11:00", "notes": strings.Repeat("n", 5001)}, f.alice, 400,
				`{"notes":["Ensure this field has no more than 5000 characters."]}`},
			{"admin_direct not a boolean", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-20", "start_time": "10:00", "end_time": "11:00", "admin_direct": "maybe"}, f.admin, 400,
				`{"admin_direct":["Must be a valid boolean."]}`},
			{"not JSON", "POST", "/api/shifts/", `{"date":`, f.alice, 400, `{"detail":"<any>"}`},
			{"not an object", "POST", "/api/shifts/", `[1]`, f.alice, 400, `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		})
		if evs := f.events.take(); len(evs) != 0 {
			t.Fatalf("refused requests published %d events", len(evs))
		}

		// Approval: the contract's body, shift.approved (other PAs see it
		// without admin_notes) and the coverage alert of the morning.
		r = f.do("POST", shiftPath(aliceM, "approve"), map[string]any{"admin_notes": "Welcome aboard"}, f.admin)
		wantM.status, wantM.adminNotes, wantM.approver = "APPROVED", "Welcome aboard", f.admin
		expect(t, r, 200, `{"message":"Shift approved successfully.","shift":`+wantM.JSON()+`}`)
		pub := wantM
		pub.publicView = true
		expectEvents(t, f.events.take(),
			evWant{mar, f.alice.ID, `{"type":"shift.approved","shift":` + wantM.JSON() + `,"message":"Shift approved by Ada Admin"}`,
				`{"type":"shift.approved","shift":` + pub.JSON() + `,"message":"Shift approved by Ada Admin"}`},
			evWant{mar, 0, `{"type":"coverage.alert","date":"2030-03-02","coverage":{"morning_covered":true,"evening_covered":false,"status":"partial",` +
				fmt.Sprintf(`"windows":[{"start":"06:00:00","end":"09:00:00","covered":true,"shift_id":%d},{"start":"21:00:00","end":"22:00:00","covered":false,"shift_id":null}]},`, aliceM) +
				`"message":"Coverage status updated"}`, ""})

		// An overnight shift of Alice's blocks Bob's next morning.
		night := f.request(f.alice, mar, "2030-03-05", "21:00", "09:00")
		f.approve(night)
		f.events.take()
		runCalls(t, f.env, []call{
			{"taken", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-02", "start_time": "08:30", "end_time": "10:00", "notes": ""}, f.bob, 400,
				`{"time":["This time slot is already taken. Alicia Anderson has an approved shift from 06:00 AM to 09:00 AM on this date."]}`},
			{"taken overnight", "POST", "/api/shifts/", map[string]any{"schedule_period": mar, "date": "2030-03-06", "start_time": "08:00", "end_time": "10:00"}, f.bob, 400,
				`{"time":["This time slot is already taken. Alicia Anderson has an approved shift from 09:00 PM to 09:00 AM on 2030-03-05."]}`},
			// Approve and reject: admins only, the seed's order of checks.
			{"pa approves", "POST", shiftPath(bobX, "approve"), map[string]any{}, f.alice, 403, bodyForbidden},
			{"pa rejects", "POST", shiftPath(bobX, "reject"), map[string]any{"rejected_reason": "x"}, f.bob, 403, bodyForbidden},
			{"approve unknown", "POST", shiftPath(999999, "approve"), map[string]any{}, f.admin, 404, noShift},
			{"approve not a number", "POST", "/api/shifts/abc/approve/", map[string]any{}, f.admin, 404, bodyNotFound},
			{"approve by GET", "GET", shiftPath(bobX, "approve"), nil, f.admin, 405, `{"detail":"Method \"GET\" not allowed."}`},
			{"approve conflict", "POST", shiftPath(bobX, "approve"), map[string]any{}, f.admin, 400,
				`{"error":"Conflict detected: Alicia Anderson already has a shift from 06:00:00 to 09:00:00"}`},
			{"approve bad boolean", "POST", shiftPath(bobX, "approve"), map[string]any{"override_overtime": "maybe"}, f.admin, 400,
				`{"override_overtime":["Must be a valid boolean."]}`},
			{"approve approved (status first)", "POST", shiftPath(aliceM, "approve"), map[string]any{"override_overtime": "maybe"}, f.admin, 400,
				`{"error":"Cannot approve APPROVED request."}`},
			{"reject without reason", "POST", shiftPath(bobX, "reject"), map[string]any{}, f.admin, 400, `{"rejected_reason":["This field is required."]}`},
			{"reject blank reason", "POST", shiftPath(bobX, "reject"), map[string]any{"rejected_reason": "  "}, f.admin, 400, `{"rejected_reason":["This field may not be blank."]}`},
			{"reject approved", "POST", shiftPath(aliceM, "reject"), `{`, f.admin, 400, `{"error":"Cannot reject APPROVED request."}`},
		})
		back := f.request(f.bob, mar, "2030-03-06", "09:00", "10:00") // back to back is fine
		f.approve(back)
		f.events.take()
		r = f.do("POST", shiftPath(bobX, "reject"), map[string]any{"rejected_reason": "Alice has it"}, f.admin)
		wantX := sw(bobX, f.bob, "2030-03-02", "08:30:00", "10:00:00", "1.50", "REJECTED")
		wantX.reason = "Alice has it"
		expect(t, r, 200, `{"message":"Shift rejected.","shift":`+wantX.JSON()+`}`)
		expectEvents(t, f.events.take(), evWant{mar, f.bob.ID, `{"type":"shift.rejected","shift":` + wantX.JSON() + `,"message":"Shift rejected by Ada Admin"}`, ""})
		runCalls(t, f.env, []call{
			{"reject rejected", "POST", shiftPath(bobX, "reject"), map[string]any{"rejected_reason": "again"}, f.admin, 400, `{"error":"Cannot reject REJECTED request."}`},
			{"approve rejected", "POST", shiftPath(bobX, "approve"), map[string]any{}, f.admin, 400, `{"error":"Cannot approve REJECTED request."}`},
		})

		// Retrieve: the owner and admins; another PA gets the seed's 404.
		wantN := sw(night, f.alice, "2030-03-05", "21:00:00", "09:00:00", "12.00", "APPROVED")
		wantN.approver = f.admin
		runCalls(t, f.env, []call{
			{"owner retrieves", "GET", shiftPath(aliceM, ""), nil, f.alice, 200, wantM.JSON()},
			{"admin retrieves", "GET", shiftPath(aliceM, ""), nil, f.admin, 200, wantM.JSON()},
			{"other PA retrieves", "GET", shiftPath(aliceM, ""), nil, f.bob, 404, noShift},
			{"retrieve unknown", "GET", shiftPath(999999, ""), nil, f.admin, 404, noShift},
			{"retrieve dotted", "GET", "/api/shifts/1.5/", nil, f.admin, 404, bodyNotFound},
			{"my schedule", "GET", "/api/shifts/my_schedule/", nil, f.alice, 200, `[` + wantM.JSON() + `,` + wantN.JSON() + `]`},
			{"my schedule of an admin", "GET", "/api/shifts/my_schedule/", nil, f.admin, 403, `{"error":"PA access only."}`},
			{"pending for a PA", "GET", "/api/shifts/pending/", nil, f.alice, 403, `{"error":"Admin access required."}`},
			{"pending by POST", "POST", "/api/shifts/pending/", nil, f.admin, 405, `{"detail":"Method \"POST\" not allowed."}`},
		})

		// Edits (SPEC §3 item 4): owner's pending only, same rules as create.
		pend := f.request(f.alice, mar, "2030-03-10", "10:00", "12:00")
		f.events.take()
		wantP := sw(pend, f.alice, "2030-03-10", "13:00:00", "15:30:00", "2.50", "PENDING")
		wantP.notes = "later"
		runCalls(t, f.env, []call{
			{"other PA edits", "PATCH", shiftPath(pend, ""), map[string]any{"notes": "x"}, f.bob, 404, noShift},
			{"owner edits approved", "PATCH", shiftPath(aliceM, ""), map[string]any{"notes": "x"}, f.alice, 400, `{"error":"You can only edit pending requests."}`},
			{"owner edits approved, bad JSON", "PATCH", shiftPath(aliceM, ""), `{`, f.alice, 400, `{"error":"You can only edit pending requests."}`},
			{"put needs every field", "PUT", shiftPath(pend, ""), map[string]any{"notes": "x"}, f.alice, 400,
				`{"schedule_period":["This field is required."],"date":["This field is required."],"start_time":["This field is required."],"end_time":["This field is required."]}`},
			{"edit onto own shift", "PATCH", shiftPath(pend, ""), map[string]any{"date": "2030-03-02", "start_time": "08:00"}, f.alice, 400,
				`{"time":["You already have a shift from 06:00 AM to 09:00 AM on this date."]}`},
			{"edit outside the period", "PATCH", shiftPath(pend, ""), map[string]any{"date": "2030-05-01"}, f.alice, 400, `{"date":["Date must be between 2030-03-01 and 2030-03-31"]}`},
			{"edit into a locked period", "PATCH", shiftPath(pend, ""), map[string]any{"schedule_period": f.apr, "date": "2030-04-10"}, f.alice, 400,
				`{"schedule_period":["Cannot submit requests for LOCKED periods. Period must be OPEN."]}`},
			{"edit to zero length", "PATCH", shiftPath(pend, ""), map[string]any{"end_time": "10:00"}, f.alice, 400,
				`{"end_time":["End time must differ from start time: a shift cannot last zero hours (an end time before the start time means the shift ends the next day)."]}`},
			{"edit bad fields", "PATCH", shiftPath(pend, ""), map[string]any{"schedule_period": "x", "date": "x", "override_overtime": "x"}, f.alice, 400,
				`{"schedule_period":["Incorrect type. Expected pk value, received str."],"date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],"override_overtime":["Must be a valid boolean."]}`},
			{"owner edits", "PATCH", shiftPath(pend, ""), map[string]any{"start_time": "13:00", "end_time": "15:30", "notes": " later ",
				"admin_notes": "PA may not write this", "status": "APPROVED", "duration_hours": "9.00"}, f.alice, 200, wantP.JSON()},
		})
		expectEvents(t, f.events.take(), evWant{mar, f.alice.ID, `{"type":"shift.updated","shift":` + wantP.JSON() +
			`,"changes":{"duration_hours":{"old":"2.00","new":"2.50"},"end_time":{"old":"12:00:00","new":"15:30:00"},"notes":{"old":"","new":"later"},` +
			`"start_time":{"old":"10:00:00","new":"13:00:00"}},"message":"Shift updated by Alicia Anderson"}`, ""})

		// An admin moves an approved shift: checked, and coverage follows
		// both the old and the new date.
		wantM2 := wantM
		wantM2.date = "2030-03-03"
		runCalls(t, f.env, []call{
			{"admin moves onto a clash", "PATCH", shiftPath(aliceM, ""), map[string]any{"date": "2030-03-06"}, f.admin, 400,
				`{"time":["Alicia Anderson already has a shift from 09:00 PM to 09:00 AM on 2030-03-05."]}`},
			{"admin moves onto another PA", "PATCH", shiftPath(aliceM, ""), map[string]any{"date": "2030-03-06", "start_time": "09:30"}, f.admin, 400,
				`{"time":["This time slot is already taken. Bob Brown has an approved shift from 09:00 AM to 10:00 AM on this date."]}`},
			{"admin moves", "PATCH", shiftPath(aliceM, ""), map[string]any{"date": "2030-03-03"}, f.admin, 200, wantM2.JSON()},
		})
		pub2 := wantM2
		pub2.publicView = true
		cov := func(date string, morning bool, id int64) string {
			st, sid := "none", "null"
			if morning {
				st, sid = "partial", fmt.Sprint(id)
			}
			return fmt.Sprintf(`{"type":"coverage.alert","date":%q,"coverage":{"morning_covered":%t,"evening_covered":false,"status":%q,`+
				`"windows":[{"start":"06:00:00","end":"09:00:00","covered":%t,"shift_id":%s},{"start":"21:00:00","end":"22:00:00","covered":false,"shift_id":null}]},`+
				`"message":"Coverage status updated"}`, date, morning, st, morning, sid)
		}
		changes := `"changes":{"date":{"old":"2030-03-02","new":"2030-03-03"}}`
		expectEvents(t, f.events.take(),
			evWant{mar, f.alice.ID, `{"type":"shift.updated","shift":` + wantM2.JSON() + `,` + changes + `,"message":"Shift updated by Ada Admin"}`,
				`{"type":"shift.updated","shift":` + pub2.JSON() + `,` + changes + `,"message":"Shift updated by Ada Admin"}`},
			evWant{mar, 0, cov("2030-03-02", false, 0), ""},
			evWant{mar, 0, cov("2030-03-03", true, aliceM), ""})

		// Cancel and delete.
		runCalls(t, f.env, []call{
			{"other PA cancels", "DELETE", shiftPath(pend, ""), nil, f.bob, 404, noShift},
			{"owner cancels approved", "DELETE", shiftPath(aliceM, ""), nil, f.alice, 400, `{"error":"You can only cancel pending requests."}`},
			{"owner cancels", "DELETE", shiftPath(pend, ""), nil, f.alice, 200, `{"message":"Request cancelled successfully."}`},
			{"owner cancels again", "DELETE", shiftPath(pend, ""), nil, f.alice, 400, `{"error":"You can only cancel pending requests."}`},
		})
		expectEvents(t, f.events.take(), evWant{mar, f.alice.ID, fmt.Sprintf(`{"type":"shift.deleted","shift_id":%d,"message":"Shift cancelled by Alicia Anderson"}`, pend), ""})
		runCalls(t, f.env, []call{
			{"admin deletes", "DELETE", shiftPath(aliceM, ""), nil, f.admin, 204, ""},
			{"admin deletes again", "DELETE", shiftPath(aliceM, ""), nil, f.admin, 404, noShift},
		})
		gone := fmt.Sprintf(`{"type":"shift.deleted","shift_id":%d,"message":"Shift deleted by admin"}`, aliceM)
		expectEvents(t, f.events.take(), evWant{mar, f.alice.ID, gone, gone}, evWant{mar, 0, cov("2030-03-03", false, 0), ""})

		// admin_direct is a strict boolean, and only an admin's counts.
		direct := map[string]any{"schedule_period": mar, "date": "2030-03-20", "start_time": "06:00", "end_time": "09:00"}
		direct["admin_direct"] = true
		r = f.do("POST", "/api/shifts/", direct, f.bob)
		if got := f.mustID(r, 201); !strings.Contains(string(r.Body), `"status":"PENDING"`) {
			t.Fatalf("a PA's admin_direct made %d %s", got, r.Body)
		}
		f.do("DELETE", shiftPath(f.mustID(r, 201), ""), nil, f.bob)
		direct["admin_direct"] = "false"
		r = f.do("POST", "/api/shifts/", direct, f.admin)
		if !strings.Contains(string(r.Body), `"status":"PENDING"`) {
			t.Fatalf(`admin_direct "false" made %s`, r.Body)
		}
		f.do("DELETE", shiftPath(f.mustID(r, 201), ""), nil, f.admin)
		f.events.take()
		direct["admin_direct"] = 1
		r = f.do("POST", "/api/shifts/", direct, f.admin)
		dID := f.mustID(r, 201)
		wantD := shiftWant{id: dID, period: mar, periodName: "March 2030", by: f.admin, date: "2030-03-20", start: "06:00:00", end: "09:00:00",
			dur: "3.00", status: "APPROVED", approver: f.admin}
		expect(t, r, 201, wantD.JSON())
		pubD := wantD
		pubD.publicView = true
		expectEvents(t, f.events.take(),
			evWant{mar, f.admin.ID, `{"type":"shift.approved","shift":` + wantD.JSON() + `,"message":"Admin created shift directly"}`,
				`{"type":"shift.approved","shift":` + pubD.JSON() + `,"message":"Admin created shift directly"}`},
			evWant{mar, 0, cov("2030-03-20", true, dID), ""})
	})
}

func TestShiftOvertime(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		if _, err := f.db.SQL().ExecContext(context.Background(), `UPDATE pa_profiles SET max_hours_per_week = 4 WHERE user_id = $1`, f.bob.ID); err != nil {
			t.Fatal(err)
		}
		// 2030-03-10 is a Sunday: its overnight shift counts 3 h in the week
		// of 03-04 and 6 h in the week of 03-11.
		a := f.request(f.bob, f.mar, "2030-03-11", "10:00", "13:00")
		b := f.request(f.bob, f.mar, "2030-03-12", "10:00", "12:00")
		c := f.request(f.bob, f.mar, "2030-03-10", "21:00", "06:00")
		f.approve(a)
		runCalls(t, f.env, []call{
			{"over the limit", "POST", shiftPath(b, "approve"), map[string]any{}, f.admin, 400,
				`{"error":"Approving this shift would bring Bob Brown to 5.00 hours in the week starting 2030-03-11, over their limit of 4 hours a week. Send override_overtime: true to allow it."}`},
			{"override false", "POST", shiftPath(b, "approve"), map[string]any{"override_overtime": "0"}, f.admin, 400, `"<any>"`},
			{"overnight across weeks", "POST", shiftPath(c, "approve"), map[string]any{"override_overtime": false}, f.admin, 400,
				`{"error":"Approving this shift would bring Bob Brown to 9.00 hours in the week starting 2030-03-11, over their limit of 4 hours a week. Send override_overtime: true to allow it."}`},
			{"override", "POST", shiftPath(b, "approve"), map[string]any{"override_overtime": "true"}, f.admin, 200, `"<any>"`},
		})
		var total, exceeds string
		err := f.db.QueryRowContext(context.Background(), `SELECT CAST(total_hours AS TEXT), CAST(exceeds_limit AS TEXT) FROM weekly_coverage WHERE pa_id = $1`, f.bob.ID).Scan(&total, &exceeds)
		if err != nil {
			t.Fatal(err)
		}
		if total != "5" && total != "5.00" || (exceeds != "1" && exceeds != "true") {
			t.Fatalf("weekly row %s %s", total, exceeds)
		}
	})
}

func TestShiftListFilters(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		a1 := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		a2 := f.request(f.alice, f.mar, "2030-03-20", "10:00", "11:00")
		b1 := f.request(f.bob, f.mar, "2030-03-02", "21:00", "22:00")
		f.approve(a1)
		apr2 := f.mustID(f.do("POST", "/api/schedule-periods/", map[string]any{"name": "May", "start_date": "2030-05-01", "end_date": "2030-05-31"}, f.admin), 201)
		b2 := f.request(f.bob, apr2, "2030-05-02", "10:00", "11:00")
		w := func(id int64, by *pasched.User, date, start, end, dur, status string) string {
			s := shiftWant{id: id, period: f.mar, periodName: "March 2030", by: by, date: date, start: start, end: end, dur: dur, status: status}
			if id == b2 {
				s.period, s.periodName = apr2, "May"
			}
			if status == "APPROVED" {
				s.approver = f.admin
			}
			return s.JSON()
		}
		A1, A2 := w(a1, f.alice, "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED"), w(a2, f.alice, "2030-03-20", "10:00:00", "11:00:00", "1.00", "PENDING")
		B1, B2 := w(b1, f.bob, "2030-03-02", "21:00:00", "22:00:00", "1.00", "PENDING"), w(b2, f.bob, "2030-05-02", "10:00:00", "11:00:00", "1.00", "PENDING")
		list := func(items ...string) string {
			return fmt.Sprintf(`{"count":%d,"next":null,"previous":null,"results":[%s]}`, len(items), strings.Join(items, ","))
		}
		runCalls(t, f.env, []call{
			{"a PA sees their own, newest first", "GET", "/api/shifts/", nil, f.alice, 200, list(A2, A1)},
			{"admin sees all", "GET", "/api/shifts/", nil, f.admin, 200, list(B2, B1, A2, A1)},
			{"status", "GET", "/api/shifts/?status=PENDING", nil, f.admin, 200, list(B2, B1, A2)},
			{"period", "GET", fmt.Sprintf("/api/shifts/?period=%d", apr2), nil, f.admin, 200, list(B2)},
			{"dates", "GET", "/api/shifts/?start_date=2030-03-02&end_date=2030-03-02", nil, f.admin, 200, list(B1, A1)},
			{"empty values are ignored", "GET", "/api/shifts/?status=&period=", nil, f.bob, 200, list(B2, B1)},
			{"unknown period", "GET", "/api/shifts/?period=999999", nil, f.admin, 200, list()},
			{"bad values name their parameter", "GET", "/api/shifts/?status=FOO&period=abc&start_date=x&end_date=2030-02-30", nil, f.admin, 400,
				`{"status":["Select a valid choice. FOO is not one of the available choices."],"period":["Enter a whole number."],` +
					`"start_date":["Enter a valid date."],"end_date":["Enter a valid date."]}`},
			{"year 9999", "GET", "/api/shifts/?start_date=9999-12-31", nil, f.admin, 200, list()},
			{"bad page", "GET", "/api/shifts/?page=abc", nil, f.alice, 404, `{"detail":"Invalid page."}`},
			{"pending", "GET", "/api/shifts/pending/", nil, f.admin, 200, "[" + strings.Join([]string{B2, B1, A2}, ",") + "]"},
			{"pending of a period", "GET", fmt.Sprintf("/api/shifts/pending/?period=%d", f.mar), nil, f.admin, 200, "[" + B1 + "," + A2 + "]"},
			{"pending, bad filter", "GET", "/api/shifts/pending/?start_date=x", nil, f.admin, 400, `{"start_date":["Enter a valid date."]}`},
			{"pending with another status", "GET", "/api/shifts/pending/?status=APPROVED", nil, f.admin, 200, "[]"},
			{"my schedule", "GET", "/api/shifts/my_schedule/", nil, f.alice, 200, "[" + A1 + "]"},
			{"my schedule, nothing", "GET", "/api/shifts/my_schedule/", nil, f.bob, 200, "[]"},
		})
	})
}
