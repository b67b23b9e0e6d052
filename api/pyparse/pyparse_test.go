package pyparse

import (
	"errors"
	"testing"

	"pasched/schedule"
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
		got, err := Date(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("Date(%q) = %v, want an error", c.in, got)
		case c.want == "" && !errors.Is(err, schedule.ErrInvalidDate):
			t.Errorf("Date(%q) error %v does not wrap ErrInvalidDate", c.in, err)
		case c.want != "" && err != nil:
			t.Errorf("Date(%q) error %v, want %s", c.in, err, c.want)
		case c.want != "" && got.String() != c.want:
			t.Errorf("Date(%q) = %v, want %s", c.in, got, c.want)
		}
	}
}

func TestParseTimeMatchesDjango(t *testing.T) {
	t.Parallel()
	for _, c := range djangoTimeCases {
		got, err := Time(c.in)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("Time(%q) = %v, want an error", c.in, got)
		case c.want == "" && !errors.Is(err, schedule.ErrInvalidTime):
			t.Errorf("Time(%q) error %v does not wrap ErrInvalidTime", c.in, err)
		case c.want != "" && err != nil:
			t.Errorf("Time(%q) error %v, want %s", c.in, err, c.want)
		case c.want != "" && got.String() != c.want:
			t.Errorf("Time(%q) = %v, want %s", c.in, got, c.want)
		}
	}
}

func TestErrorsAreClear(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := Date("2030-02-30"); return err }(), `parse date "2030-02-30": day 30 is out of range for 2030-02: invalid date`},
		{func() error { _, err := Date("soon"); return err }(), `parse date "soon": want YYYY-MM-DD: invalid date`},
		{func() error { _, err := Time("25:00"); return err }(), `parse time "25:00": hour 25 must be in 0..23: invalid time`},
		{func() error { _, err := Time("noon"); return err }(), `parse time "noon": want hh:mm[:ss[.uuuuuu]]: invalid time`},
	} {
		if c.err == nil || c.err.Error() != c.want {
			t.Errorf("error %v, want %q", c.err, c.want)
		}
	}
}

func FuzzDate(f *testing.F) {
	for _, c := range djangoDateCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := Date(s)
		if err != nil {
			if !errors.Is(err, schedule.ErrInvalidDate) {
				t.Fatalf("Date(%q) error %v does not wrap ErrInvalidDate", s, err)
			}
			return
		}
		if !x.Valid() {
			t.Fatalf("Date(%q) = %v outside years 1..9999", s, x)
		}
		back, err := Date(x.String())
		if err != nil || back != x {
			t.Fatalf("Date(%q) = %v, but Date(%q) = %v, %v", s, x, x.String(), back, err)
		}
		if len(s) == 10 && s[4] == '-' && s[7] == '-' && x.String() != s {
			t.Fatalf("canonical %q parsed as %v", s, x)
		}
		// What the seed accepts in the canonical form, the rules read alike.
		if strict, err := schedule.ParseDate(x.String()); err != nil || strict != x {
			t.Fatalf("schedule.ParseDate(%q) = %v, %v", x.String(), strict, err)
		}
	})
}

func FuzzTime(f *testing.F) {
	for _, c := range djangoTimeCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := Time(s)
		if err != nil {
			if !errors.Is(err, schedule.ErrInvalidTime) {
				t.Fatalf("Time(%q) error %v does not wrap ErrInvalidTime", s, err)
			}
			return
		}
		if us := x.Microseconds(); us < 0 || us >= microsPerDay {
			t.Fatalf("Time(%q) = %d µs, outside a day", s, us)
		}
		back, err := Time(x.String())
		if err != nil || back != x {
			t.Fatalf("Time(%q) = %v, but Time(%q) = %v, %v", s, x, x.String(), back, err)
		}
		if strict, err := schedule.ParseTime(x.String()); err != nil || strict != x {
			t.Fatalf("schedule.ParseTime(%q) = %v, %v", x.String(), strict, err)
		}
	})
}
