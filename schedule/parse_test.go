package schedule

import (
	"encoding/json"
	"errors"
	"testing"
)

// ParseDate and ParseTime read the ISO forms only (the seed's lenient
// forms are api/pyparse's).
var isoDateCases = []struct{ in, want string }{
	{"2030-03-02", "2030-03-02"},
	{"0001-01-01", "0001-01-01"},
	{"9999-12-31", "9999-12-31"},
	{"2028-02-29", "2028-02-29"},
	{"2030-02-29", ""},
	{"0000-01-01", ""},
	{"2030-13-01", ""},
	{"2030-00-10", ""},
	{"2030-3-2", ""},
	{"20300302", ""},
	{"2030-W09-6", ""},
	{"2030-03-02\n", ""},
	{" 2030-03-02", ""},
	{"+030-03-02", ""},
	{"2030-03-0x", ""},
	{"", ""},
}

var isoTimeCases = []struct{ in, want string }{
	{"06:00", "06:00:00"},
	{"06:00:00", "06:00:00"},
	{"23:59:59.999999", "23:59:59.999999"},
	{"06:00:00.5", "06:00:00.500000"},
	{"00:00:00.000001", "00:00:00.000001"},
	{"24:00", ""},
	{"06:60", ""},
	{"06:00:60", ""},
	{"6:00", "06:00:00"},
	{"8:30:15", "08:30:15"},
	{"8", ""},
	{":00", ""},
	{"06:00:00.", ""},
	{"06:00:00.1234567", ""},
	{"06:00:00,5", ""},
	{"06:00+02:00", ""},
	{"0600", ""},
	{"T06:00", ""},
	{"06-00", ""},
	{"", ""},
}

func TestParseDateISO(t *testing.T) {
	t.Parallel()
	for _, c := range isoDateCases {
		got, err := ParseDate(c.in)
		switch {
		case c.want == "" && !errors.Is(err, ErrInvalidDate):
			t.Errorf("ParseDate(%q) = %v, %v; want an error wrapping ErrInvalidDate", c.in, got, err)
		case c.want != "" && (err != nil || got.String() != c.want):
			t.Errorf("ParseDate(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestParseTimeISO(t *testing.T) {
	t.Parallel()
	for _, c := range isoTimeCases {
		got, err := ParseTime(c.in)
		switch {
		case c.want == "" && !errors.Is(err, ErrInvalidTime):
			t.Errorf("ParseTime(%q) = %v, %v; want an error wrapping ErrInvalidTime", c.in, got, err)
		case c.want != "" && (err != nil || got.String() != c.want):
			t.Errorf("ParseTime(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func TestParseErrorsAreClear(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := ParseDate("2030-02-30"); return err }(), `parse date "2030-02-30": day 30 is out of range for 2030-02: invalid date`},
		{func() error { _, err := ParseDate("soon"); return err }(), `parse date "soon": want YYYY-MM-DD: invalid date`},
		{func() error { _, err := ParseTime("25:00"); return err }(), `parse time "25:00": hour 25 must be in 0..23: invalid time`},
		{func() error { _, err := ParseTime("noon"); return err }(), `parse time "noon": want hh:mm[:ss[.uuuuuu]]: invalid time`},
	} {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("error %v, want %q", c.err, c.want)
		}
	}
}

func TestTextMarshalling(t *testing.T) {
	t.Parallel()
	type row struct {
		Date  Date      `json:"date"`
		Start TimeOfDay `json:"start_time"`
		End   TimeOfDay `json:"end_time"`
	}
	in := row{Date: MustDate(2030, 3, 2), Start: Clock(6, 0, 0), End: tm("23:59:59.5")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"date":"2030-03-02","start_time":"06:00:00","end_time":"23:59:59.500000"}`
	if string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out row
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
	if err := json.Unmarshal([]byte(`{"date":"2030-02-30"}`), &out); !errors.Is(err, ErrInvalidDate) {
		t.Errorf("bad date error = %v", err)
	}
	if err := json.Unmarshal([]byte(`{"start_time":"24:00"}`), &out); !errors.Is(err, ErrInvalidTime) {
		t.Errorf("bad time error = %v", err)
	}
	if _, err := MustDate(9999, 12, 31).AddDays(1).MarshalText(); !errors.Is(err, ErrInvalidDate) {
		t.Errorf("marshal year 10000 error = %v", err)
	}
}
