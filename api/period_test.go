package api

import (
	"fmt"
	"strings"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

const (
	bodyUnauth    = `{"detail":"Authentication credentials were not provided."}`
	bodyForbidden = `{"detail":"You do not have permission to perform this action."}`
	bodyNotFound  = `{"detail":"Not found."}`
	noPeriod      = `{"detail":"No SchedulePeriod matches the given query."}`
)

// call is one request of an endpoint table: who sends what, and the whole
// answer expected.
type call struct {
	name   string
	method string
	path   string
	body   any
	as     any // *pasched.User or nil
	status int
	want   string
}

func runCalls(t *testing.T, e *env, calls []call) {
	t.Helper()
	for _, c := range calls {
		r := e.do(c.method, c.path, c.body, c.as)
		if r.Status != c.status {
			t.Fatalf("%s: %s %s: status %d, want %d; body %s", c.name, c.method, c.path, r.Status, c.status, r.Body)
		}
		if c.want != "" {
			t.Run(c.name, func(t *testing.T) { expect(t, r, c.status, c.want) })
		} else if len(r.Body) != 0 {
			t.Fatalf("%s: body %s, want none", c.name, r.Body)
		}
	}
}

func TestPeriodEndpointsByRole(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		mar := fmt.Sprintf("/api/schedule-periods/%d/", f.mar)
		apr := fmt.Sprintf("/api/schedule-periods/%d/", f.apr)
		marJSON := periodWant(f.mar, "March 2030", "2030-03-01", "2030-03-31", "OPEN", f.admin, 0)
		aprJSON := periodWant(f.apr, "April 2030", "2030-04-01", "2030-04-30", "LOCKED", f.admin, 0)
		emptyDetail := strings.TrimSuffix(marJSON, "}") + `,"shifts":[],"coverage_summary":{"total_approved_shifts":0,"pending_requests":0,"status":"OPEN"}}`
		body := map[string]any{"name": "PA period", "start_date": "2030-03-01", "end_date": "2030-03-31"}
		runCalls(t, f.env, []call{
			// Anonymous: 401 everywhere.
			{"anon list", "GET", "/api/schedule-periods/", nil, nil, 401, bodyUnauth},
			{"anon create", "POST", "/api/schedule-periods/", body, nil, 401, bodyUnauth},
			{"anon detail", "GET", mar, nil, nil, 401, bodyUnauth},
			{"anon put", "PUT", mar, body, nil, 401, bodyUnauth},
			{"anon patch", "PATCH", mar, body, nil, 401, bodyUnauth},
			{"anon delete", "DELETE", mar, nil, nil, 401, bodyUnauth},
			{"anon finalize", "POST", mar + "finalize/", nil, nil, 401, bodyUnauth},
			// A PA reads; writes are the admin's.
			{"pa list", "GET", "/api/schedule-periods/", nil, f.alice, 200,
				`{"count":2,"next":null,"previous":null,"results":[` + aprJSON + `,` + marJSON + `]}`},
			{"pa detail", "GET", mar, nil, f.alice, 200, emptyDetail},
			{"pa detail unknown", "GET", "/api/schedule-periods/999999/", nil, f.alice, 404, noPeriod},
			{"pa detail not a number", "GET", "/api/schedule-periods/abc/", nil, f.alice, 404, bodyNotFound},
			{"pa create", "POST", "/api/schedule-periods/", body, f.alice, 403, bodyForbidden},
			{"pa put", "PUT", mar, body, f.alice, 403, bodyForbidden},
			{"pa patch", "PATCH", mar, body, f.alice, 403, bodyForbidden},
			{"pa delete", "DELETE", mar, nil, f.alice, 403, bodyForbidden},
			{"pa delete unknown", "DELETE", "/api/schedule-periods/999999/", nil, f.alice, 403, bodyForbidden},
			{"pa finalize", "POST", mar + "finalize/", nil, f.alice, 403, bodyForbidden},
			{"finalize by GET", "GET", mar + "finalize/", nil, f.admin, 405, `{"detail":"Method \"GET\" not allowed."}`},
			{"list by PUT", "PUT", "/api/schedule-periods/", nil, f.admin, 405, `{"detail":"Method \"PUT\" not allowed."}`},
			// The admin's validation errors, as DRF words them.
			{"backwards", "POST", "/api/schedule-periods/", map[string]any{"name": "Backwards", "start_date": "2030-03-31", "end_date": "2030-03-01"},
				f.admin, 400, `{"end_date":["End date must be after start date."]}`},
			{"empty", "POST", "/api/schedule-periods/", map[string]any{}, f.admin, 400,
				`{"name":["This field is required."],"start_date":["This field is required."],"end_date":["This field is required."]}`},
			{"bad fields", "POST", "/api/schedule-periods/", map[string]any{"name": "", "start_date": 5, "end_date": nil, "status": nil}, f.admin, 400,
				`{"name":["This field may not be blank."],"start_date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],` +
					`"end_date":["This field may not be null."],"status":["This field may not be null."]}`},
			{"long name, bad choice", "POST", "/api/schedule-periods/", map[string]any{"name": strings.Repeat("a", 101), "start_date": "2030-02-30",
				"end_date": "2030-03-01", "status": "FOO"}, f.admin, 400,
				`{"name":["Ensure this field has no more than 100 characters."],"start_date":["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],` +
					`"status":["\"FOO\" is not a valid choice."]}`},
			{"created finalized", "POST", "/api/schedule-periods/", map[string]any{"name": "F", "start_date": "2030-05-01", "end_date": "2030-05-31", "status": "FINALIZED"},
				f.admin, 400, `{"status":["Status can only move between OPEN and LOCKED; a period is finalized only through finalize."]}`},
			{"too long", "POST", "/api/schedule-periods/", map[string]any{"name": "Forever", "start_date": "0001-01-01", "end_date": "9999-12-31"},
				f.admin, 400, `{"end_date":["A schedule period cannot be longer than 366 days."]}`},
			{"year 9999 is fine", "POST", "/api/schedule-periods/", map[string]any{"name": "Far", "start_date": "9999-12-01", "end_date": "9999-12-31"},
				f.admin, 201, `{"id":"<any>","name":"Far","start_date":"9999-12-01","end_date":"9999-12-31","status":"OPEN","created_by":` +
					fmt.Sprint(f.admin.ID) + `,"created_by_name":"Ada Admin","shift_count":0,"created_at":"<ts>","updated_at":"<ts>"}`},
			{"not JSON", "POST", "/api/schedule-periods/", `{"name":`, f.admin, 400, `{"detail":"<any>"}`},
			// Updates: the whole period is checked again (SPEC §3 item 16).
			{"patch end before start", "PATCH", mar, map[string]any{"end_date": "2029-01-01"}, f.admin, 400, `{"end_date":["End date must be after start date."]}`},
			{"patch start after end", "PATCH", mar, map[string]any{"start_date": "2030-04-01"}, f.admin, 400, `{"end_date":["End date must be after start date."]}`},
			{"put needs every field", "PUT", mar, map[string]any{"name": "March 2030"}, f.admin, 400,
				`{"start_date":["This field is required."],"end_date":["This field is required."]}`},
			{"patch to finalized", "PATCH", mar, map[string]any{"status": "FINALIZED"}, f.admin, 400,
				`{"status":["Status can only move between OPEN and LOCKED; a period is finalized only through finalize."]}`},
			{"patch unknown", "PATCH", "/api/schedule-periods/999999/", map[string]any{"name": "x"}, f.admin, 404, noPeriod},
			{"patch unknown, bad JSON", "PATCH", "/api/schedule-periods/999999/", `{`, f.admin, 404, noPeriod},
			{"lock", "PATCH", mar, map[string]any{"status": "LOCKED"}, f.admin, 200,
				strings.Replace(marJSON, `"OPEN"`, `"LOCKED"`, 1)},
			{"reopen with put", "PUT", mar, map[string]any{"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31", "status": "OPEN"},
				f.admin, 200, marJSON},
			{"unlock april", "PATCH", apr, map[string]any{"status": "OPEN", "name": " April 2030 "}, f.admin, 200, strings.Replace(aprJSON, `"LOCKED"`, `"OPEN"`, 1)},
			{"delete unknown", "DELETE", "/api/schedule-periods/999999/", nil, f.admin, 404, noPeriod},
			{"delete", "DELETE", apr, nil, f.admin, 204, ""},
			{"deleted", "GET", apr, nil, f.alice, 404, noPeriod},
			{"finalize unknown", "POST", "/api/schedule-periods/999999/finalize/", nil, f.admin, 404, noPeriod},
		})
		created := f.events.take()
		if len(created) != 0 {
			t.Fatalf("period edits published %d events", len(created))
		}
	})
}

func TestPeriodDetailAndFinalize(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		mar := fmt.Sprintf("/api/schedule-periods/%d/", f.mar)
		m := f.request(f.alice, f.mar, "2030-03-02", "06:00", "09:00")
		ev := f.request(f.alice, f.mar, "2030-03-02", "21:00", "22:00")
		night := f.request(f.bob, f.mar, "2030-03-30", "21:00", "09:00")
		pend := f.request(f.bob, f.mar, "2030-03-05", "10:00", "12:00")
		f.approve(m)
		f.approve(ev)
		f.approve(night)
		f.events.take()
		w := func(id int64, by string, date, start, end, dur, status string) string {
			sw := shiftWant{id: id, period: f.mar, periodName: "March 2030", by: f.alice, date: date, start: start, end: end, dur: dur, status: status}
			switch by {
			case "bob":
				sw.by = f.bob
			case "alice seen by bob":
				sw.publicView = true
			}
			if status == "APPROVED" {
				sw.approver = f.admin
			}
			if status == "REJECTED" {
				sw.reason = "Schedule period has been finalized"
			}
			return sw.JSON()
		}
		// Every shift for the admin; for a PA their own and the others'
		// approved ones without admin notes (and never others' requests).
		alicePending := f.request(f.alice, f.mar, "2030-03-06", "10:00", "12:00")
		f.events.take()
		summary := `],"coverage_summary":{"total_approved_shifts":3,"pending_requests":2,"status":"OPEN"}}`
		head := strings.TrimSuffix(periodWant(f.mar, "March 2030", "2030-03-01", "2030-03-31", "OPEN", f.admin, 5), "}") + `,"shifts":[`
		expect(t, f.do("GET", mar, nil, f.bob), 200, head+
			w(m, "alice seen by bob", "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED")+`,`+
			w(ev, "alice seen by bob", "2030-03-02", "21:00:00", "22:00:00", "1.00", "APPROVED")+`,`+
			w(pend, "bob", "2030-03-05", "10:00:00", "12:00:00", "2.00", "PENDING")+`,`+
			w(night, "bob", "2030-03-30", "21:00:00", "09:00:00", "12.00", "APPROVED")+summary)
		expect(t, f.do("GET", mar, nil, f.admin), 200, head+
			w(m, "alice", "2030-03-02", "06:00:00", "09:00:00", "3.00", "APPROVED")+`,`+
			w(ev, "alice", "2030-03-02", "21:00:00", "22:00:00", "1.00", "APPROVED")+`,`+
			w(pend, "bob", "2030-03-05", "10:00:00", "12:00:00", "2.00", "PENDING")+`,`+
			w(alicePending, "alice", "2030-03-06", "10:00:00", "12:00:00", "2.00", "PENDING")+`,`+
			w(night, "bob", "2030-03-30", "21:00:00", "09:00:00", "12.00", "APPROVED")+summary)
		if r := f.do("DELETE", shiftPath(alicePending, ""), nil, f.admin); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		f.events.take()

		var warnings []string
		for day := 1; day <= 31; day++ {
			ds := fmt.Sprintf("Mar %02d", day)
			switch day {
			case 2:
			case 30:
				warnings = append(warnings, ds+": Morning (6-9 AM) not covered")
			case 31:
				warnings = append(warnings, ds+": Evening (9-10 PM) not covered")
			default:
				warnings = append(warnings, ds+": No coverage at all")
			}
		}
		q := func(ss []string) string {
			out := make([]string, len(ss))
			for i, s := range ss {
				out[i] = fmt.Sprintf("%q", s)
			}
			return strings.Join(out, ",")
		}
		finalized := periodWant(f.mar, "March 2030", "2030-03-01", "2030-03-31", "FINALIZED", f.admin, 4)
		expect(t, f.do("POST", mar+"finalize/", nil, f.admin), 200, fmt.Sprintf(
			`{"message":"Schedule period \"March 2030\" finalized successfully.","period":%s,"rejected_requests":1,"coverage_warnings":[%s],"warning_count":%d}`,
			finalized, q(warnings), len(warnings)))
		expectEvents(t, f.events.take(),
			evWant{f.mar, f.bob.ID, `{"type":"shift.rejected","shift":` + w(pend, "bob", "2030-03-05", "10:00:00", "12:00:00", "2.00", "REJECTED") +
				`,"message":"Schedule period has been finalized"}`, ""},
			evWant{f.mar, 0, `{"type":"period.finalized","period":` + finalized + `,"message":"March 2030 has been finalized"}`, ""})
		expect(t, f.do("POST", mar+"finalize/", nil, f.admin), 400, `{"error":"This period is already finalized."}`)
		expect(t, f.do("PATCH", mar, map[string]any{"status": "OPEN"}, f.admin), 400,
			`{"status":["Status can only move between OPEN and LOCKED; a period is finalized only through finalize."]}`)
		expect(t, f.do("PATCH", mar, map[string]any{"name": "March 2030 (final)"}, f.admin), 200,
			strings.Replace(finalized, "March 2030", "March 2030 (final)", 1))

		// A fully covered period says so.
		p := f.mustID(f.do("POST", "/api/schedule-periods/", map[string]any{"name": "One day", "start_date": "2030-05-01", "end_date": "2030-05-01"}, f.admin), 201)
		cover := f.request(f.alice, p, "2030-05-01", "05:00", "23:00")
		f.approve(cover)
		expect(t, f.do("POST", fmt.Sprintf("/api/schedule-periods/%d/finalize/", p), nil, f.admin), 200, fmt.Sprintf(
			`{"message":"Schedule period \"One day\" finalized successfully.","period":%s,"rejected_requests":0,"coverage_status":"All critical times covered! ✅"}`,
			periodWant(p, "One day", "2030-05-01", "2030-05-01", "FINALIZED", f.admin, 1)))
		f.events.take()

		// Deleting a period deletes its shifts: each is announced, and the
		// coverage they held goes.
		expect(t, f.do("DELETE", fmt.Sprintf("/api/schedule-periods/%d/", p), nil, f.admin), 204, "")
		gone := fmt.Sprintf(`{"type":"shift.deleted","shift_id":%d,"message":"Shift deleted by admin"}`, cover)
		expectEvents(t, f.events.take(), evWant{p, f.alice.ID, gone, gone},
			evWant{p, 0, `{"type":"coverage.alert","date":"2030-05-01","coverage":{"morning_covered":false,"evening_covered":false,"status":"none",` +
				`"windows":[{"start":"06:00:00","end":"09:00:00","covered":false,"shift_id":null},{"start":"21:00:00","end":"22:00:00","covered":false,"shift_id":null}]},` +
				`"message":"Coverage status updated"}`, ""})
	})
}

func TestPeriodListPages(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newSchedFix(t, d)
		for i := range 51 {
			f.mustID(f.do("POST", "/api/schedule-periods/", map[string]any{"name": fmt.Sprint("P", i),
				"start_date": fmt.Sprintf("2040-01-%02d", i%28+1), "end_date": "2040-02-28"}, f.admin), 201)
		}
		r := f.do("GET", "/api/schedule-periods/", nil, f.bob)
		expect(t, r, 200, "")
		page := r.JSON(t).(map[string]any)
		if page["count"].(interface{ String() string }).String() != "53" || len(page["results"].([]any)) != 50 ||
			page["next"] != f.http.URL+"/api/schedule-periods/?page=2" || page["previous"] != nil {
			t.Fatalf("page 1: %s", r.Body)
		}
		r = f.do("GET", "/api/schedule-periods/?page=2", nil, f.bob)
		page = r.JSON(t).(map[string]any)
		if len(page["results"].([]any)) != 3 || page["next"] != nil || page["previous"] != f.http.URL+"/api/schedule-periods/" {
			t.Fatalf("page 2: %s", r.Body)
		}
		expect(t, f.do("GET", "/api/schedule-periods/?page=3", nil, f.bob), 404, `{"detail":"Invalid page."}`)
		expect(t, f.do("GET", "/api/schedule-periods/?page=abc", nil, f.bob), 404, `{"detail":"Invalid page."}`)
	})
}
