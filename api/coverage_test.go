package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/coverage"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// newCoverageFix is the scheduling fixture with coverage intelligence
// mounted, its clock at Monday 4 March 2030 05:00 UTC.
func newCoverageFix(t *testing.T, d sqlstore.Dialect) *schedFix {
	t.Helper()
	f := newSchedFix(t, d)
	now := time.Date(2030, 3, 4, 5, 0, 0, 0, time.UTC)
	cov := &coverage.Service{DB: f.db, Jobs: f.jobs.Client, Scheduling: f.sched, Windows: schedule.DefaultWindows(),
		Location: time.UTC, FrontendURL: "http://frontend.test", Now: func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler)}
	f.server = New(Deps{Accounts: f.accounts, Scheduling: f.sched, Coverage: cov, DB: f.db, Config: f.server.Config})
	hs := httptest.NewServer(f.server.Handler())
	t.Cleanup(hs.Close)
	f.http = hs
	return f
}

func TestCoverageGapsAPI(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCoverageFix(t, d)
		expect(t, f.do("GET", "/api/coverage/gaps/", nil, nil), 401, `{"detail":"Authentication credentials were not provided."}`)
		expect(t, f.do("GET", "/api/coverage/gaps/?days=2", nil, f.alice), 403, `{"detail":"You do not have permission to perform this action."}`)
		for _, bad := range []string{"abc", "0", "91", "-1", "1.5", "", "%201"} {
			r := f.do("GET", "/api/coverage/gaps/?days="+bad, nil, f.admin)
			expect(t, r, 400, "")
			var body map[string]string
			if err := json.Unmarshal(r.Body, &body); err != nil || body["error"] == "" {
				t.Errorf("days=%q: %s", bad, r.Body)
			}
		}
		expect(t, f.do("GET", "/api/coverage/gaps/?days=14", nil, f.alice), 403, "")
		// Bob works 06:00–08:00 on Monday: the rest of the morning is a gap
		// both can take (Bob back to back); equal scores, so the order is
		// the slot's rotation.
		bobShift := f.request(f.bob, f.mar, "2030-03-04", "06:00", "08:00")
		f.approve(bobShift)
		r := f.do("GET", "/api/coverage/gaps/?days=1", nil, f.admin)
		expect(t, r, 200, fmt.Sprintf(`{"from":"2030-03-04","to":"2030-03-04","days":1,"uncovered_minutes":120,"gaps":[
			{"date":"2030-03-04","window":{"start":"06:00:00","end":"09:00:00"},"uncovered_minutes":60,"slots":[
				{"date":"2030-03-04","start_time":"08:00:00","end_time":"09:00:00","minutes":60,"suggestions":[
					{"pa":%[2]d,"pa_name":"Bob Brown","score":25,"why":"free; 37 h left this week; reliability 100%%; light recent load: 2 h in the 7 days before","parts":"<any>"},
					{"pa":%[1]d,"pa_name":"Alicia Anderson","score":25,"why":"free; 39 h left this week; reliability 100%%; light recent load: 0 h in the 7 days before","parts":"<any>"}
				],"unavailable":[]}]},
			{"date":"2030-03-04","window":{"start":"21:00:00","end":"22:00:00"},"uncovered_minutes":60,"slots":[
				{"date":"2030-03-04","start_time":"21:00:00","end_time":"22:00:00","minutes":60,"suggestions":"<any>","unavailable":[]}]}]}`,
			f.alice.ID, f.bob.ID))
		v := r.JSON(t).(map[string]any)
		parts := v["gaps"].([]any)[0].(map[string]any)["slots"].([]any)[0].(map[string]any)["suggestions"].([]any)[1].(map[string]any)["parts"]
		if d := matchJSON("$", parts, mustJSON(t, `[{"points":0,"reason":"free"},{"points":20,"reason":"39 h left this week"},
			{"points":5,"reason":"reliability 100%"},{"points":0,"reason":"light recent load: 0 h in the 7 days before"}]`)); d != "" {
			t.Errorf("parts: %s: %v", d, parts)
		}
		// The horizon defaults to 14 days.
		r = f.do("GET", "/api/coverage/gaps/", nil, f.admin)
		expect(t, r, 200, "")
		if v := r.JSON(t).(map[string]any); fmt.Sprint(v["days"]) != "14" || v["to"] != "2030-03-17" {
			t.Errorf("default horizon: %v %v", v["days"], v["to"])
		}
	})
}

func TestPAStatsAPI(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCoverageFix(t, d)
		path := fmt.Sprintf("/api/pa-stats/%d/", f.alice.ID)
		fresh := fmt.Sprintf(`{"pa":%d,"total_shifts_worked":0,"total_hours_worked":"0.00","average_hours_per_week":"0.00",
			"most_common_days":{},"most_common_start_time":null,"most_common_shift_length":null,"preferred_shift_pattern":"",
			"preferred_shift_pattern_text":"no pattern yet","reliability_score":"100.00","typical_request_timing":null,
			"consecutive_days_preference":null,"last_worked_date":null,"last_calculated":"<ts>"}`, f.alice.ID)
		expect(t, f.do("GET", path, nil, nil), 401, "")
		expect(t, f.do("GET", path, nil, f.alice), 200, fresh)
		expect(t, f.do("GET", path, nil, f.admin), 200, fresh)
		expect(t, f.do("GET", path, nil, f.bob), 403, `{"detail":"You do not have permission to perform this action."}`)
		expect(t, f.do("GET", "/api/pa-stats/999/", nil, f.admin), 404, `{"detail":"Not found."}`)
		expect(t, f.do("GET", "/api/pa-stats/x/", nil, f.admin), 404, `{"detail":"Not found."}`)
		expect(t, f.do("POST", path+"recalculate/", nil, f.alice), 403, "")
		expect(t, f.do("POST", fmt.Sprintf("/api/pa-stats/%d/recalculate/", f.admin.ID), nil, f.admin), 404, "")
		expect(t, f.do("GET", path+"recalculate/", nil, f.admin), 405, "")
		// A shift worked (in 2030 the "now" of the stats is the real clock's
		// past: none), so recalculate with nothing worked yet: still fresh.
		f.approve(f.request(f.alice, f.mar, "2030-03-05", "06:00", "09:00"))
		expect(t, f.do("POST", path+"recalculate/", nil, f.admin), 200, fresh)
		r := f.do("GET", "/api/pa-stats/", nil, f.admin)
		expect(t, r, 200, "")
		if n := len(r.JSON(t).([]any)); n != 2 {
			t.Errorf("%d stats listed", n)
		}
		expect(t, f.do("GET", "/api/pa-stats/", nil, f.alice), 403, "")
	})
}

func TestCoverOffersAPI(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		f := newCoverageFix(t, d)
		cara := f.pa("cara@example.com", "Cara", "Clark")
		expect(t, f.do("POST", "/api/coverage/offers/", map[string]any{}, f.alice), 403, `{"detail":"You do not have permission to perform this action."}`)
		expect(t, f.do("POST", "/api/coverage/offers/", map[string]any{"pa_ids": "x"}, f.admin), 400,
			`{"date":["This field is required."],"start_time":["This field is required."],"end_time":["This field is required."],
			"pa_ids":["Expected a list of items but got type \"str\"."]}`)
		expect(t, f.do("POST", "/api/coverage/offers/", map[string]any{"date": "2030-03-05", "start_time": "06:00", "end_time": "09:00",
			"pa_ids": []any{true}}, f.admin), 400, `{"pa_ids":["Incorrect type. Expected pk value, received bool."]}`)
		expect(t, f.do("POST", "/api/coverage/offers/", map[string]any{"date": "2030-03-05", "start_time": "06:00", "end_time": "09:00",
			"pa_ids": []any{999}}, f.admin), 400, `{"pa_ids":["No active PA has the id 999."]}`)
		expect(t, f.do("POST", "/api/coverage/offers/", map[string]any{"date": "2031-03-05", "start_time": "06:00", "end_time": "09:00"}, f.admin),
			400, `{"date":["No schedule period includes 2031-03-05: create one first."]}`)
		r := f.do("POST", "/api/coverage/offers/", map[string]any{"date": "2030-03-05", "start_time": "06:00", "end_time": "09:00",
			"pa_ids": []any{f.alice.ID, fmt.Sprint(f.bob.ID)}}, f.admin)
		id := f.mustID(r, 201)
		offer := func(status string, filled any, withRecipients bool) string {
			rec := ""
			if withRecipients {
				rec = fmt.Sprintf(`,"recipients":[{"pa":%d,"pa_name":"Alicia Anderson"},{"pa":%d,"pa_name":"Bob Brown"}]`, f.alice.ID, f.bob.ID)
			}
			fb, sh, fa := "null", "null", "null"
			if filled != nil {
				fb, sh, fa = fmt.Sprint(filled), `"<any>"`, `"<ts>"`
			}
			return fmt.Sprintf(`{"id":%d,"schedule_period":%d,"date":"2030-03-05","start_time":"06:00:00","end_time":"09:00:00",
				"status":%q,"created_at":"<ts>","expires_at":"2030-03-05T06:00:00Z","filled_by":%s,"shift":%s,"filled_at":%s,
				"url":"http://frontend.test/offers/%d"%s}`, id, f.mar, status, fb, sh, fa, id, rec)
		}
		expect(t, r, 201, offer("OPEN", nil, true))
		p := fmt.Sprintf("/api/coverage/offers/%d/", id)
		expect(t, f.do("GET", p, nil, f.alice), 200, offer("OPEN", nil, false))
		expect(t, f.do("GET", p, nil, cara), 404, `{"detail":"Not found."}`)
		expect(t, f.do("POST", p+"accept/", nil, cara), 404, `{"detail":"Not found."}`)
		expect(t, f.do("POST", p+"accept/", nil, nil), 401, "")
		r = f.do("POST", p+"accept/", nil, f.bob)
		expect(t, r, 200, fmt.Sprintf(`{"accepted":true,"message":"Thank you! The shift is yours and has been approved.","shift":"<any>"}`))
		sh := r.JSON(t).(map[string]any)["shift"].(map[string]any)
		if sh["status"] != pasched.ShiftApproved || fmt.Sprint(sh["requested_by"]) != fmt.Sprint(f.bob.ID) || sh["approved_by_name"] != "Ada Admin" {
			t.Errorf("shift %v", sh)
		}
		expect(t, f.do("POST", p+"accept/", nil, f.alice), 409, `{"accepted":false,"reason":"filled",
			"message":"Thank you for offering to help. Someone else has already taken this shift, so there is nothing more you need to do."}`)
		expect(t, f.do("GET", p, nil, f.admin), 200, offer("FILLED", f.bob.ID, true))
		r = f.do("GET", "/api/coverage/offers/", nil, f.alice)
		expect(t, r, 200, "["+offer("FILLED", f.bob.ID, false)+"]")
		expect(t, f.do("GET", "/api/coverage/offers/", nil, cara), 200, `[]`)
	})
}

func FuzzOfferBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"date":"2030-03-05","start_time":"06:00","end_time":"09:00","pa_ids":[1,"2"]}`,
		`{"pa_ids":"x"}`, `{"pa_ids":[true,null,{}]}`, `{"pa_ids":[1e400]}`, `[]`, `{"pa_ids":[` + "\"\u0000\"" + `]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fm := &form{m: map[string]json.RawMessage{}}
		if err := fm.decodeJSON(body); err != nil {
			return
		}
		in := decodeOffer(fm)
		if fm.fe.Empty() && (in.Date == nil || in.Start == nil || in.End == nil) {
			t.Fatalf("no error but a required field is missing: %q", body)
		}
		if len(in.PAIDs) > coverage.MaxOfferRecipients {
			t.Fatalf("%d ids accepted", len(in.PAIDs))
		}
	})
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
