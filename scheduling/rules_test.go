package scheduling

import (
	"testing"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
)

func TestWindowLabel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		i    int
		w    string
		want string
	}{
		{0, "06:00-09:00", "Morning (6-9 AM)"},
		{1, "21:00-22:00", "Evening (9-10 PM)"},
		{2, "11:30-13:00", "Critical time 3 (11:30 AM-1 PM)"},
		{1, "23:00-01:00", "Evening (11 PM-1 AM)"},
		{0, "00:00-00:30", "Morning (12-12:30 AM)"},
	} {
		ws, err := schedule.ParseWindows(c.w)
		if err != nil {
			t.Fatal(err)
		}
		if got := WindowLabel(c.i, ws[0]); got != c.want {
			t.Errorf("WindowLabel(%d, %s) = %q, want %q", c.i, c.w, got, c.want)
		}
	}
}

func TestStatusMoves(t *testing.T) {
	t.Parallel()
	o, l, f := pasched.PeriodOpen, pasched.PeriodLocked, pasched.PeriodFinalized
	for _, c := range []struct {
		from, to string
		ok       bool
	}{{o, o, true}, {o, l, true}, {l, o, true}, {l, l, true}, {f, f, true}, {o, f, false}, {l, f, false}, {f, o, false}, {f, l, false}} {
		if statusMoveOK(c.from, c.to) != c.ok {
			t.Errorf("%s → %s: want %v", c.from, c.to, c.ok)
		}
	}
}

func TestValidatePeriod(t *testing.T) {
	t.Parallel()
	p := func(start, end string) *pasched.Period {
		return &pasched.Period{StartDate: date(start), EndDate: date(end)}
	}
	for _, c := range []struct {
		start, end string
		field      string
	}{
		{"2030-03-01", "2030-03-01", ""},
		{"2030-03-02", "2030-03-01", "end_date"},
		{"2030-01-01", "2030-12-31", ""},
		{"2028-01-01", "2028-12-31", ""}, // 366 days
		{"2030-01-01", "2031-01-01", ""}, // 366 days
		{"2030-01-01", "2031-01-02", "end_date"},
	} {
		err := validatePeriod(p(c.start, c.end))
		var e *pasched.Error
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s..%s: %v", c.start, c.end, err)
		case c.field != "" && (err == nil || !asError(err, &e) || e.Fields[c.field] == nil):
			t.Errorf("%s..%s: %v, want an error on %s", c.start, c.end, err, c.field)
		}
	}
}

func asError(err error, e **pasched.Error) bool {
	v, ok := err.(*pasched.Error)
	*e = v
	return ok
}

func TestMergeRanges(t *testing.T) {
	t.Parallel()
	r := func(a, b string) sqlstore.ShiftDates { return sqlstore.ShiftDates{From: date(a), To: date(b)} }
	got := mergeRanges([]sqlstore.ShiftDates{r("2030-03-10", "2030-03-12"), r("2030-03-01", "2030-03-03"),
		r("2030-03-04", "2030-03-05"), r("2030-03-11", "2030-03-20"), r("2030-03-22", "2030-03-22")})
	want := []sqlstore.ShiftDates{r("2030-03-01", "2030-03-05"), r("2030-03-10", "2030-03-20"), r("2030-03-22", "2030-03-22")}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
}

// TestCoverageDates: an overnight shift touches its date and the next;
// one crossing no window still gets its own date's row (as the seed).
func TestCoverageDates(t *testing.T) {
	t.Parallel()
	s := &Service{Windows: schedule.DefaultWindows()}
	sh := func(d, a, b string) *pasched.Shift {
		return &pasched.Shift{ID: 1, RequestedByID: 2, Date: date(d), Start: clock(a), End: clock(b)}
	}
	for _, c := range []struct {
		sh   *pasched.Shift
		want string
	}{
		{sh("2030-03-02", "21:00", "09:00"), "2030-03-02 2030-03-03"},
		{sh("2030-03-02", "12:00", "13:00"), "2030-03-02"},
		{sh("2030-03-02", "23:00", "00:00"), "2030-03-02"},
		{sh("2030-03-02", "23:00", "07:00"), "2030-03-02 2030-03-03"},
	} {
		got := ""
		for i, d := range s.coverageDates(&effect{added: []*pasched.Shift{c.sh}}) {
			if i > 0 {
				got += " "
			}
			got += d.String()
		}
		if got != c.want {
			t.Errorf("%v-%v on %v: %s, want %s", c.sh.Start, c.sh.End, c.sh.Date, got, c.want)
		}
	}
}
