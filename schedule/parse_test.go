package schedule

import (
	"encoding/json"
	"errors"
	"testing"
)

// The expectations of these tables were produced by running Django 5.2's
// parse_date / parse_time (as DRF 3.16's DateField / TimeField call them) on
// CPython 3.11: "" means DRF answers "Date has wrong format" / "Time has
// wrong format". They pin the quirks a seed client may rely on.

var djangoDateCases = []struct{ in, want string }{
	{"2030-03-02", "2030-03-02"},
	{"20300302", "2030-03-02"},
	{"2030-3-2", "2030-03-02"},
	{"2030-03-2", "2030-03-02"},
	{"2030-3-02", "2030-03-02"},
	{"2030-003-02", ""},
	{"2030-03-002", ""},
	{"2030-02-30", ""},
	{"2030-02-29", ""},
	{"2028-02-29", "2028-02-29"},
	{"2000-02-29", "2000-02-29"},
	{"1900-02-29", ""},
	{"2030-13-01", ""},
	{"2030-00-10", ""},
	{"2030-01-00", ""},
	{"0000-01-01", ""},
	{"0001-01-01", "0001-01-01"},
	{"9999-12-31", "9999-12-31"},
	{"10000-01-01", ""},
	{"2030-03-02\n", "2030-03-02"},
	{"2030-03-02\n\n", ""},
	{"2030-03-02 ", ""},
	{" 2030-03-02", ""},
	{"2030-03-02T00:00", ""},
	{"2030/03/02", ""},
	{"02-03-2030", ""},
	{"2030-0302", ""},
	{"203003-02", ""},
	{"20300302xy", "2030-03-02"},
	{"2030030212", "2030-03-02"},
	{"2030-W09-6", "2030-03-02"},
	{"2030W096", "2030-03-02"},
	{"2030-W01", "2029-12-31"},
	{"2030W01", "2029-12-31"},
	{"2030-W1", ""},
	{"2029-W53", ""},
	{"2026-W53", "2026-12-28"},
	{"2026-W53-7", "2027-01-03"},
	{"2020-W53-5", "2021-01-01"},
	{"2027-W53", ""},
	{"2030-W00", ""},
	{"2030-W01-0", ""},
	{"2030-W01-8", ""},
	{"2030-W01-", ""},
	{"2030W01-1", ""},
	{"9999-W52-5", "9999-12-31"},
	{"9999-W52-6", ""},
	{"0001-W01-1", "0001-01-01"},
	{"2030-03", ""},
	{"2030", ""},
	{"", ""},
	{"\u0662\u0660\u0663\u0660-\u0663-\u0662", "2030-03-02"},
	{"\uff12\uff10\uff13\uff10-\uff10\uff13-\uff10\uff12", "2030-03-02"},
	{"\U0001E4F2\U0001E4F0\U0001E4F3\U0001E4F0-03-02", ""},
	{"2030-03-02\u0000", ""},
	{"+2030-03-02", ""},
	{"-2030-03-02", ""},
	// Kawi and Nag Mundari digits are Unicode 15: Python 3.11's \d lacks them.
	{"\U00011F52\U00011F50\U00011F53\U00011F50-03-02", ""},
}

var djangoTimeCases = []struct{ in, want string }{
	{"06:00", "06:00:00"},
	{"06:00:00", "06:00:00"},
	{"6:00", "06:00:00"},
	{"6:0", "06:00:00"},
	{"06:0", "06:00:00"},
	{"06:00:0", "06:00:00"},
	{"6:00:00", "06:00:00"},
	{"06:00:00.5", "06:00:00.500000"},
	{"06:00:00,5", "06:00:00.500000"},
	{"06:00:00.500000", "06:00:00.500000"},
	{"06:00:00.123456", "06:00:00.123456"},
	{"06:00:00.1234567", "06:00:00.123456"},
	{"06:00:00.123456789012", "06:00:00.123456"},
	{"06:00:00.1234567890123", "06:00:00.123456"},
	{"6:0:0.1234567", "06:00:00.123456"},
	{"6:0:0.1234567890123", ""},
	{"23:59:59.999999", "23:59:59.999999"},
	{"23:59:59.9999999", "23:59:59.999999"},
	{"00:00", "00:00:00"},
	{"00:00:00", "00:00:00"},
	{"24:00", ""},
	{"24:00:00", ""},
	{"25:00", ""},
	{"06:60", ""},
	{"06:00:60", ""},
	{"060000", "06:00:00"},
	{"0600", "06:00:00"},
	{"06", "06:00:00"},
	{"6", ""},
	{"T06:00", "06:00:00"},
	{"T06", "06:00:00"},
	{"T", ""},
	{"0600.5", "06:00:00.500000"},
	{"06.5", "06:00:00.500000"},
	{"06:00.5", "06:00:00.500000"},
	{"06:00:00:5", "06:00:00.500000"},
	{"06000012", "06:00:00.120000"},
	{"06:00Z", "06:00:00"},
	{"06:00:00Z", "06:00:00"},
	{"06:00+02:00", "06:00:00"},
	{"06:00-05:30", "06:00:00"},
	{"06:00+0530", "06:00:00"},
	{"06:00+05", "06:00:00"},
	{"06:00+5", ""},
	{"06:00+24:00", ""},
	{"06:00-24:00", ""},
	{"06:00+23:59:59.999999", "06:00:00"},
	{"06:00+", ""},
	{"06:00Zx", ""},
	{"06:00\n", "06:00:00"},
	{"06:00:00\n", "06:00:00"},
	{"06:00:00.5\n", "06:00:00.500000"},
	{"06:00\n\n", ""},
	{"06:00 ", ""},
	{" 06:00", ""},
	{"06:00:00.", ""},
	{"06:00:00,", ""},
	{"06:00:", ""},
	{"6:00:00.5Z", ""},
	{"\u0660\u0666:\u0663\u0660", "06:30:00"},
	{"\u0666:\u0663\u0660:\u0660\u0660.\u0665", "06:30:00.500000"},
	{"06:00:00.5\u0000", ""},
	{"06:00Z\u0000", "06:00:00"},
	{"12:00 PM", ""},
	{"", ""},
	{"06h00", ""},
	{"06:00:00.5:", ""},
}

func TestParseDateMatchesDjango(t *testing.T) {
	t.Parallel()
	for _, c := range djangoDateCases {
		got, err := ParseDate(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("ParseDate(%q) = %v, want an error", c.in, got)
		case c.want == "" && !errors.Is(err, ErrInvalidDate):
			t.Errorf("ParseDate(%q) error %v does not wrap ErrInvalidDate", c.in, err)
		case c.want != "" && err != nil:
			t.Errorf("ParseDate(%q) error %v, want %s", c.in, err, c.want)
		case c.want != "" && got.String() != c.want:
			t.Errorf("ParseDate(%q) = %v, want %s", c.in, got, c.want)
		}
	}
}

func TestParseTimeMatchesDjango(t *testing.T) {
	t.Parallel()
	for _, c := range djangoTimeCases {
		got, err := ParseTime(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("ParseTime(%q) = %v, want an error", c.in, got)
		case c.want == "" && !errors.Is(err, ErrInvalidTime):
			t.Errorf("ParseTime(%q) error %v does not wrap ErrInvalidTime", c.in, err)
		case c.want != "" && err != nil:
			t.Errorf("ParseTime(%q) error %v, want %s", c.in, err, c.want)
		case c.want != "" && got.String() != c.want:
			t.Errorf("ParseTime(%q) = %v, want %s", c.in, got, c.want)
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
