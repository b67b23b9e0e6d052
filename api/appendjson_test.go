package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
)

// appendKinds has a field of every kind jsonAppender writes.
type appendKinds struct {
	S      string             `json:"s"`
	N      int                `json:"n"`
	N64    int64              `json:"n64"`
	B      bool               `json:"b"`
	P      *string            `json:"p"`
	PI     *int64             `json:"pi"`
	Num    json.Number        `json:"num"`
	Raw    json.RawMessage    `json:"raw"`
	List   []string           `json:"list"`
	Nested []appendKindsInner `json:"nested"`
	Shift  *calShift          `json:"shift"`
	Shifts []*calShift        `json:"shifts"`
	Hours  hourly             `json:"hours"`
	hidden string
}

type appendKindsInner struct {
	Key  string `json:"k\u00e9y <&>"`
	Flag bool   `json:"flag"`
}

// rendered returns a calendar shift with its JSON rendered, as a span's.
func rendered(c calShift) *calShift {
	c.raw, _ = json.Marshal(c)
	return &c
}

// FuzzAppendJSON: whatever the strings and numbers, jsonAppender writes
// what encoding/json writes for the same value.
func FuzzAppendJSON(f *testing.F) {
	f.Add("plain", "Notes", int64(7), true, 3)
	f.Add("<b>\"quoted\" & ünïcode\n\u2028\u2029</b>", "\xff\xfe bad utf-8 \x00\x1f", int64(-1<<63), false, 0)
	f.Add("", "", int64(0), false, -1)
	f.Fuzz(func(t *testing.T, s, notes string, n int64, flag bool, hour int) {
		app := newJSONAppender[appendKinds]()
		raw, _ := json.Marshal(s + notes)
		sh := rendered(calShift{ID: n, PAID: 2, PAName: s, Date: "2030-03-02", StartTime: "06:00:00",
			EndTime: "09:00:00", DurationHours: "3.00", Notes: notes, Status: pasched.ShiftApproved})
		v := appendKinds{S: s, N: int(n), N64: n, B: flag, Num: json.Number("12.5"), Raw: raw,
			List: []string{s, notes}, Nested: []appendKindsInner{{s, flag}, {notes, !flag}},
			Shifts: []*calShift{sh, nil}, hidden: s}
		if flag {
			v.P, v.PI, v.Shift, v.List, v.Raw, v.Num = &notes, &n, sh, nil, nil, ""
		}
		if hour >= 0 {
			v.Hours[hour%24] = []*calShift{sh, sh}
		}
		want, err := json.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		if got := app.append(nil, &v); string(got) != string(want) {
			t.Fatalf("\n got: %s\nwant: %s", got, want)
		}
	})
}

// TestAppendJSONMatchesEncodingJSON: the shift list's envelope, written by
// writeListPage's appender, is what encoding/json writes for the same
// page, with and without links, for results with awkward strings.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 3, 1, 8, 0, 0, 123000, time.UTC)
	shifts := benchShifts()
	shifts[0].Notes, shifts[1].RequestedByName = "<script>\"x\" & \u2028</script>", "Zoë \xff"
	shifts[2].ApprovedAt, shifts[2].ApprovedByID, shifts[2].UpdatedAt = nil, nil, at.Add(time.Second)
	results, err := shiftsJSON(shifts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		url       string
		count, n  int
		wantLinks string
	}{
		{"/api/shifts/", 50, 1, "no links"},
		{"/api/shifts/?status=APPROVED&page=2", 620, 2, "both links"},
		{"/api/shifts/?page=last&q=%3C%26%3E", 620, 13, "previous only"},
		{"/api/shifts/", 0, 1, "empty"},
	} {
		r := httptest.NewRequest(http.MethodGet, c.url, nil)
		env := page[json.RawMessage]{Count: c.count, Results: results}
		if c.count == 0 {
			env.Results = json.RawMessage("[]")
		}
		env.Next, env.Previous = pageLinks(r, c.count, c.n)
		want, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if got := rawPageJSON.append(nil, &env); string(got) != string(want) {
			t.Errorf("%s:\n got: %s\nwant: %s", c.wantLinks, got, want)
		}
	}
}

// TestAppenderRefusesWhatItCannotWrite: a shape jsonAppender would not
// write as encoding/json does is refused when the appender is made.
func TestAppenderRefusesWhatItCannotWrite(t *testing.T) {
	t.Parallel()
	refused := func(name string, make func()) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil || !strings.Contains(r.(string), "no JSON appender") {
				t.Errorf("%s: made an appender (recovered %v)", name, r)
			}
		}()
		make()
	}
	refused("omitempty", func() {
		newJSONAppender[struct {
			A string `json:"a,omitempty"`
		}]()
	})
	refused("untagged", func() { newJSONAppender[struct{ A string }]() })
	refused("map", func() {
		newJSONAppender[struct {
			M map[string]int `json:"m"`
		}]()
	})
	refused("bytes", func() {
		newJSONAppender[struct {
			B []byte `json:"b"`
		}]()
	})
	refused("float", func() {
		newJSONAppender[struct {
			F float64 `json:"f"`
		}]()
	})
	refused("time", func() {
		newJSONAppender[struct {
			D schedule.Date `json:"d"`
		}]()
	})
}
