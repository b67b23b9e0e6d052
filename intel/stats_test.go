package intel

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
)

// shift builds a shift request for the statistics; created is RFC 3339.
func shift(id int64, date, start, end, status, created string) *pasched.Shift {
	d, err := schedule.ParseDate(date)
	if err != nil {
		panic(err)
	}
	c, err := time.Parse(time.RFC3339, created)
	if err != nil {
		panic(err)
	}
	return &pasched.Shift{ID: id, RequestedByID: 7, Date: d, Start: clock(start), End: clock(end), Status: status, CreatedAt: c}
}

func clock(s string) schedule.TimeOfDay {
	t, err := schedule.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func day(s string) *schedule.Date {
	d, err := schedule.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &d
}

const (
	A = pasched.ShiftApproved
	P = pasched.ShiftPending
	C = pasched.ShiftCancelled
	R = pasched.ShiftRejected
)

// statsWant is what a case checks; every field is checked.
type statsWant struct {
	worked       int
	total        int64
	weekly       int64
	days         []pasched.DayCount
	start        *schedule.TimeOfDay
	avgLength    *int64
	pattern      string
	reliability  int64
	lead, streak *int
	last         *schedule.Date
}

func TestComputeStats(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 20 March 2030, noon UTC: the window is 27 Dec 2029 – 20 Mar 2030.
	now := time.Date(2030, 3, 20, 12, 0, 0, 0, time.UTC)
	var sixty []*pasched.Shift
	for i := 0; i < 60; i++ {
		// Dated 20 Jan + i; the ten created first (ids 0..9) asked 10 days
		// ahead, the fifty created last on the day itself.
		d := schedule.MustDate(2030, time.January, 20).AddDays(i)
		created := d.Midnight().Add(time.Hour)
		if i < 10 {
			created = d.AddDays(-10).Midnight().Add(time.Hour)
		}
		sh := shift(int64(i+1), d.String(), "06:00", "09:00", A, created.Format(time.RFC3339))
		// Creation order: the ten "early" ones first.
		sh.CreatedAt = created.Add(time.Duration(i) * time.Second)
		if i < 10 {
			sh.CreatedAt = time.Date(2029, 12, 1, 0, 0, i, 0, time.UTC)
		}
		sixty = append(sixty, sh)
	}
	cases := []struct {
		name   string
		why    string
		loc    *time.Location
		now    time.Time
		shifts []*pasched.Shift
		want   statsWant
	}{
		{
			name: "no shifts",
			why:  "fix: every field reset (the seed kept the previous run's values); reliability 100 as the seed's default",
			want: statsWant{reliability: 10000},
		},
		{
			name: "only future and pending shifts",
			why:  "fix: an approved shift not yet worked is not counted and is not the last worked date",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-25", "06:00", "09:00", A, "2030-03-01T10:00:00Z"),
				shift(2, "2030-03-20", "21:00", "22:00", A, "2030-03-01T10:00:00Z"), // ends tonight
				shift(3, "2030-03-18", "06:00", "09:00", P, "2030-03-01T10:00:00Z"),
			},
			want: statsWant{reliability: 10000},
		},
		{
			name: "a mix of everything",
			why: "seed: twelve weeks, /12, days per date, average length, morning > 60%, reliability over all requests, " +
				"lead averaged and floored; fix: the last run (18–20 March) counts, future and unfinished shifts do not",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-18", "06:00", "09:00", A, "2030-03-10T10:00:00Z"), // Mon, 3 h, lead 8
				shift(2, "2030-03-19", "06:00", "09:00", A, "2030-03-10T10:00:00Z"), // Tue, 3 h, lead 9
				shift(3, "2030-03-20", "06:00", "10:00", A, "2030-03-15T10:00:00Z"), // Wed, 4 h, ended at 10:00, lead 5
				shift(4, "2030-03-20", "21:00", "22:00", A, "2030-03-15T10:00:00Z"), // not ended at noon
				shift(5, "2030-03-25", "06:00", "09:00", A, "2030-03-15T10:00:00Z"), // future
				shift(6, "2030-03-11", "22:00", "06:00", A, "2030-03-01T10:00:00Z"), // Mon night, 8 h, lead 10
				shift(7, "2030-03-12", "06:00", "09:00", C, "2030-03-01T10:00:00Z"),
				shift(8, "2030-03-13", "06:00", "09:00", P, "2030-03-01T10:00:00Z"),
				shift(9, "2029-12-01", "06:00", "09:00", A, "2029-11-20T10:00:00Z"), // before the window
			},
			want: statsWant{worked: 5, total: 2100, weekly: 150,
				days:  []pasched.DayCount{{Day: "monday", Count: 2}, {Day: "tuesday", Count: 1}, {Day: "wednesday", Count: 1}},
				start: ptr(clock("06:00")), avgLength: ptr(int64(450)), pattern: pasched.PatternMorning,
				reliability: 8889, lead: ptr(8), streak: ptr(3), last: day("2030-03-20")},
		},
		{
			name: "two shifts on one date keep a run going",
			why:  "fix: the seed reset the run on a repeated date and dropped the last run, giving null; 2 of 3 mornings is > 60%",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-18", "06:00", "09:00", A, "2030-03-18T01:00:00Z"),
				shift(2, "2030-03-18", "21:00", "22:00", A, "2030-03-18T01:00:00Z"),
				shift(3, "2030-03-19", "06:00", "09:00", A, "2030-03-18T01:00:00Z"),
			},
			want: statsWant{worked: 3, total: 700, weekly: 58,
				days:  []pasched.DayCount{{Day: "monday", Count: 2}, {Day: "tuesday", Count: 1}},
				start: ptr(clock("06:00")), avgLength: ptr(int64(233)), pattern: pasched.PatternMorning,
				reliability: 10000, lead: ptr(0), streak: ptr(2), last: day("2030-03-19")},
		},
		{
			name: "full day, and ties for the start go to the earliest",
			why:  "seed: both over 30% is full_day; fix: the tie between 06:00 and 21:00 (two each) goes to 06:00; runs 4,5 and 7,8 average 2",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-04", "21:00", "22:00", A, "2030-03-01T10:00:00Z"),
				shift(2, "2030-03-05", "06:00", "09:00", A, "2030-03-01T10:00:00Z"),
				shift(3, "2030-03-07", "21:00", "22:00", A, "2030-03-01T10:00:00Z"),
				shift(4, "2030-03-08", "06:00", "09:00", A, "2030-03-01T10:00:00Z"),
			},
			want: statsWant{worked: 4, total: 800, weekly: 67,
				days:  []pasched.DayCount{{Day: "monday", Count: 1}, {Day: "tuesday", Count: 1}, {Day: "thursday", Count: 1}, {Day: "friday", Count: 1}},
				start: ptr(clock("06:00")), avgLength: ptr(int64(200)), pattern: pasched.PatternFullDay,
				reliability: 10000, lead: ptr(5), streak: ptr(2), last: day("2030-03-08")},
		},
		{
			name: "mixed and evening thresholds",
			why:  "seed: one morning of three and no evening is mixed; negative leads (made after the date) ignored as the seed does",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-04", "06:00", "09:00", A, "2030-03-06T10:00:00Z"),
				shift(2, "2030-03-06", "14:00", "16:00", A, "2030-03-01T10:00:00Z"),
				shift(3, "2030-03-09", "13:00", "17:00", A, "2030-03-01T10:00:00Z"),
			},
			want: statsWant{worked: 3, total: 900, weekly: 75,
				days:  []pasched.DayCount{{Day: "monday", Count: 1}, {Day: "wednesday", Count: 1}, {Day: "saturday", Count: 1}},
				start: ptr(clock("06:00")), avgLength: ptr(int64(300)), pattern: pasched.PatternMixed,
				reliability: 10000, lead: ptr(6), last: day("2030-03-09")},
		},
		{
			name: "evenings",
			why:  "seed: evening > 60%; a rejected request still counts in reliability's total, as the seed's",
			shifts: []*pasched.Shift{
				shift(1, "2030-03-04", "21:00", "22:00", A, "2030-03-01T10:00:00Z"),
				shift(2, "2030-03-11", "21:00", "22:00", A, "2030-03-01T10:00:00Z"),
				shift(3, "2030-03-12", "21:00", "22:00", R, "2030-03-01T10:00:00Z"),
				shift(4, "2030-03-13", "21:00", "22:00", C, "2030-03-01T10:00:00Z"),
			},
			want: statsWant{worked: 2, total: 200, weekly: 17,
				days:  []pasched.DayCount{{Day: "monday", Count: 2}},
				start: ptr(clock("21:00")), avgLength: ptr(int64(100)), pattern: pasched.PatternEvening,
				reliability: 7500, lead: ptr(6), last: day("2030-03-11")},
		},
		{
			name: "nights across both daylight-saving changes in New York",
			why: "fix: real hours (7 h the night clocks go forward, 9 h the night they go back; the seed counts 8 and 8); " +
				"the creation date is taken in TIME_ZONE (03:00 UTC on 5 March is 4 March in New York: lead 5, the seed's UTC date gives 4)",
			loc: newYork,
			now: time.Date(2030, 3, 12, 16, 0, 0, 0, time.UTC),
			shifts: []*pasched.Shift{
				shift(1, "2030-03-09", "22:00", "06:00", A, "2030-03-05T03:00:00Z"),
				shift(2, "2029-11-03", "22:00", "06:00", A, "2029-10-01T12:00:00Z"),
			},
			want: statsWant{worked: 2, total: 1600, weekly: 58,
				days:  []pasched.DayCount{{Day: "saturday", Count: 1}},
				start: ptr(clock("22:00")), avgLength: ptr(int64(700)), pattern: pasched.PatternEvening,
				reliability: 10000, lead: ptr(5), last: day("2030-03-09")},
		},
		{
			name: "today in TIME_ZONE, not UTC",
			why:  "fix: at 01:00 UTC on 21 March it is still 20 March in New York, so a shift that ended that evening is in the window and today's",
			loc:  newYork,
			now:  time.Date(2030, 3, 21, 1, 0, 0, 0, time.UTC),
			shifts: []*pasched.Shift{
				shift(1, "2030-03-20", "18:00", "20:00", A, "2030-03-20T12:00:00Z"),
			},
			want: statsWant{worked: 1, total: 200, weekly: 17,
				days:  []pasched.DayCount{{Day: "wednesday", Count: 1}},
				start: ptr(clock("18:00")), avgLength: ptr(int64(200)), pattern: pasched.PatternEvening,
				reliability: 10000, lead: ptr(0), last: day("2030-03-20")},
		},
		{
			name: "lead time over the 50 most recently requested",
			why: "seed: the sample is the 50 latest by creation (its -created_at ordering); the 10 asked 10 days ahead " +
				"were created first and fall outside it, so the lead is 0; 60 consecutive dates are one run of 60",
			shifts: sixty,
			want: statsWant{worked: 60, total: 18000, weekly: 1500,
				days: []pasched.DayCount{{Day: "monday", Count: 9}, {Day: "tuesday", Count: 9}, {Day: "wednesday", Count: 9},
					{Day: "thursday", Count: 8}, {Day: "friday", Count: 8}, {Day: "saturday", Count: 8}, {Day: "sunday", Count: 9}},
				start: ptr(clock("06:00")), avgLength: ptr(int64(300)), pattern: pasched.PatternMorning,
				reliability: 10000, lead: ptr(0), streak: ptr(60), last: day("2030-03-20")},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc, n := tc.loc, tc.now
			if loc == nil {
				loc = time.UTC
			}
			if n.IsZero() {
				n = now
			}
			got := ComputeStats(7, tc.shifts, n, loc)
			want := pasched.PAStats{PAID: 7, TotalShiftsWorked: tc.want.worked, TotalHundredths: tc.want.total,
				AverageWeeklyHundredths: tc.want.weekly, MostCommonDays: tc.want.days, MostCommonStart: tc.want.start,
				AverageShiftHundredths: tc.want.avgLength, Pattern: tc.want.pattern, ReliabilityHundredths: tc.want.reliability,
				TypicalRequestDays: tc.want.lead, ConsecutiveDays: tc.want.streak, LastWorkedDate: tc.want.last, LastCalculated: n}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s\n got %s\nwant %s", tc.why, show(got), show(want))
			}
		})
	}
}

func show(s pasched.PAStats) string {
	p := func(v any) string {
		switch x := v.(type) {
		case *int:
			if x != nil {
				return fmt.Sprint(*x)
			}
		case *int64:
			if x != nil {
				return fmt.Sprint(*x)
			}
		case *schedule.TimeOfDay:
			if x != nil {
				return x.String()
			}
		case *schedule.Date:
			if x != nil {
				return x.String()
			}
		}
		return "nil"
	}
	return fmt.Sprintf("{worked %d total %d weekly %d days %v start %s avg %s pattern %q rel %d lead %s streak %s last %s}",
		s.TotalShiftsWorked, s.TotalHundredths, s.AverageWeeklyHundredths, s.MostCommonDays, p(s.MostCommonStart),
		p(s.AverageShiftHundredths), s.Pattern, s.ReliabilityHundredths, p(s.TypicalRequestDays), p(s.ConsecutiveDays), p(s.LastWorkedDate))
}
