package api

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"pasched"
	"pasched/internal/python"
	"pasched/schedule"
)

// fuzzForm decodes body as a request would; nil when the body is refused
// as a whole (which must be a clean domain error).
func fuzzForm(t *testing.T, body, contentType string) *form {
	r := httptest.NewRequest("POST", "/api/shifts/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	f, err := decodeForm(httptest.NewRecorder(), r)
	if err != nil {
		var (
			e  *pasched.Error
			ve *validationError
		)
		if !errors.As(err, &ve) && (!errors.As(err, &e) || e.Code == pasched.EINTERNAL) {
			t.Fatalf("body refused with a non-domain error: %v", err)
		}
		return nil
	}
	return f
}

// checkErrors renders the field errors as the API would: every field
// once, in the serializer's order.
func checkErrors(t *testing.T, f *form, order []string) {
	err := drfFields(&f.fe, nil, order...)
	if err == nil {
		return
	}
	var e *validationError
	if !errors.As(err, &e) {
		t.Fatalf("field errors are %v", err)
	}
	b, merr := json.Marshal(e)
	if merr != nil || !json.Valid(b) {
		t.Fatalf("field errors do not render: %v %s", merr, b)
	}
	if len(e.order) != len(e.m) {
		t.Fatalf("order %v of fields %v", e.order, e.m)
	}
	for i := 1; i < len(e.order); i++ {
		if a, b := slices.Index(order, e.order[i-1]), slices.Index(order, e.order[i]); b >= 0 && (a < 0 || a > b) {
			t.Fatalf("fields out of the serializer's order: %v", e.order)
		}
	}
}

var shiftSeeds = []string{
	`{"schedule_period":1,"date":"2030-03-02","start_time":"06:00","end_time":"09:00","notes":"Morning"}`,
	`{"schedule_period":"1","date":"2030-03-02","start_time":"21:00","end_time":"09:00","admin_direct":"false"}`,
	`{"schedule_period":1.5,"date":"20300302","start_time":"0600","end_time":"09:00:00.123456+02:00"}`,
	`{"schedule_period":" 1_0 ","date":"2030-W09-6","start_time":"T06","end_time":"12:00","admin_direct":1}`,
	`{"schedule_period":1e400,"date":null,"start_time":6,"end_time":true,"notes":[1],"override_overtime":"maybe"}`,
	`{"schedule_period":{"a":1},"date":"2030-02-30","start_time":"25:00","end_time":"12:00"}`,
	`{}`, `[]`, `"x"`, `{"date":`, `schedule_period=1&date=2030-03-02`,
	`{"schedule_period":99999999999999999999999,"date":"9999-12-31","start_time":"23:59:59.999999","end_time":"00:00"}`,
}

// FuzzShiftDecoder feeds any body to the create and update decoders: they
// never panic, every refusal is a DRF field error that renders, and a body
// they accept holds valid dates and times.
func FuzzShiftDecoder(f *testing.F) {
	for _, s := range shiftSeeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, partial bool) {
		ct := "application/json"
		if strings.Contains(body, "=") && !strings.HasPrefix(body, "{") {
			ct = "application/x-www-form-urlencoded"
		}
		if fm := fuzzForm(t, body, ct); fm != nil {
			in, pk := decodeShiftCreate(fm)
			checkErrors(t, fm, shiftCreateFields)
			if fm.fe.Empty() {
				if in.PeriodID == nil || in.Date == nil || in.Start == nil || in.End == nil {
					t.Fatalf("accepted %q without a required field", body)
				}
				if !in.Date.Valid() || pk == "" {
					t.Fatalf("accepted %q with date %v, pk %q", body, *in.Date, pk)
				}
				if h := schedule.DurationHundredths(*in.Start, *in.End); h < 0 || h > 2400 {
					t.Fatalf("duration %d", h)
				}
			}
		}
		if fm := fuzzForm(t, body, ct); fm != nil {
			in, _ := decodeShiftUpdate(fm, partial)
			checkErrors(t, fm, shiftUpdateFields)
			if fm.fe.Empty() && !partial && (in.PeriodID == nil || in.Date == nil || in.Start == nil || in.End == nil) {
				t.Fatalf("PUT accepted %q without a required field", body)
			}
		}
		if fm := fuzzForm(t, body, ct); fm != nil {
			decodeApprove(fm)
			if fm.fe.Empty() && fm.has("override_overtime") {
				if _, ok := parseDRFBool(fm.m["override_overtime"]); !ok {
					t.Fatalf("accepted override_overtime %s", fm.m["override_overtime"])
				}
			}
		}
		if fm := fuzzForm(t, body, ct); fm != nil {
			if reason, err := decodeReject(fm); err == nil && strings.TrimSpace(reason) == "" {
				t.Fatalf("accepted a blank reason from %q", body)
			}
		}
	})
}

// FuzzPeriodDecoder does the same for the period decoder.
func FuzzPeriodDecoder(f *testing.F) {
	for _, s := range []string{
		`{"name":"March 2030","start_date":"2030-03-01","end_date":"2030-03-31"}`,
		`{"name":"","start_date":5,"end_date":null,"status":null}`,
		`{"name":" x ","start_date":"2030-3-1","end_date":"2030-03-31\n","status":"LOCKED"}`,
		`{"name":1.5,"start_date":"0001-01-01","end_date":"9999-12-31","status":true}`,
		`{"status":"FINALIZED"}`, `{"status":["OPEN"]}`, `{}`, `null`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, partial bool) {
		fm := fuzzForm(t, body, "application/json")
		if fm == nil {
			return
		}
		in := decodePeriod(fm, partial)
		checkErrors(t, fm, periodFields)
		if !fm.fe.Empty() {
			return
		}
		if !partial && (in.Name == nil || in.StartDate == nil || in.EndDate == nil) {
			t.Fatalf("accepted %q without a required field", body)
		}
		if in.Name != nil && (*in.Name == "" || len([]rune(*in.Name)) > 100) {
			t.Fatalf("accepted name %q", *in.Name)
		}
		if in.Status != nil && !pasched.ValidPeriodStatus(*in.Status) {
			t.Fatalf("accepted status %q", *in.Status)
		}
		for _, d := range []*schedule.Date{in.StartDate, in.EndDate} {
			if d != nil && !d.Valid() {
				t.Fatalf("accepted date %v", *d)
			}
		}
	})
}

// FuzzPathID checks the {id} reader against Python's int() rules.
func FuzzPathID(f *testing.F) {
	for _, s := range []string{"1", "0012", "+5", "-3", "1_000", "1__0", "_1", "1.5", "abc", " 7 ", "99999999999999999999", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := python.Int(s, 10)
		if !ok {
			return
		}
		trim := strings.TrimSpace(s)
		if strings.ContainsAny(trim, ". \t") || n.String() == "" {
			t.Fatalf("python.Int(%q) = %v", s, n)
		}
	})
}
