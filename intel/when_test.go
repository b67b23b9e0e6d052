package intel

import (
	"testing"
	"time"
)

func TestLocalTimeNext(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, time.UTC) }
	cases := []struct {
		name string
		s    LocalTime
		from time.Time
		want []time.Time // successive firings
	}{
		{"daily 06:00 in London across the spring change (31 March 2030)", Daily(6, 0, london), utc(2030, 3, 29, 12, 0),
			[]time.Time{utc(2030, 3, 30, 6, 0), utc(2030, 3, 31, 5, 0), utc(2030, 4, 1, 5, 0)}},
		{"daily 06:00 in London across the autumn change (27 October 2030)", Daily(6, 0, london), utc(2030, 10, 26, 7, 0),
			[]time.Time{utc(2030, 10, 27, 6, 0), utc(2030, 10, 28, 6, 0)}},
		{"exactly at the firing time, the next is tomorrow", Daily(6, 0, london), utc(2030, 3, 30, 6, 0),
			[]time.Time{utc(2030, 3, 31, 5, 0)}},
		{"Mondays 02:00 in New York across the spring change (10 March 2030)", Weekly(time.Monday, 2, 0, newYork), utc(2030, 3, 1, 0, 0),
			[]time.Time{utc(2030, 3, 4, 7, 0), utc(2030, 3, 11, 6, 0), utc(2030, 3, 18, 6, 0)}},
		{"Mondays 02:00 in New York across the autumn change (3 November 2030)", Weekly(time.Monday, 2, 0, newYork), utc(2030, 10, 29, 0, 0),
			[]time.Time{utc(2030, 11, 4, 7, 0), utc(2030, 11, 11, 7, 0)}},
		{"Monday 02:00 UTC when it is already Monday 03:00", Weekly(time.Monday, 2, 0, time.UTC), utc(2030, 3, 4, 3, 0),
			[]time.Time{utc(2030, 3, 11, 2, 0)}},
		{"a time inside the spring gap fires once, when the clocks have jumped (03:00 EDT)", Daily(2, 30, newYork), utc(2030, 3, 9, 12, 0),
			[]time.Time{utc(2030, 3, 10, 7, 0), utc(2030, 3, 11, 6, 30)}},
		{"a time that occurs twice in autumn fires once", Daily(1, 30, newYork), utc(2030, 11, 2, 12, 0),
			[]time.Time{utc(2030, 11, 3, 5, 30), utc(2030, 11, 4, 6, 30)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at := tc.from
			for i, want := range tc.want {
				at = tc.s.Next(at)
				if !at.Equal(want) {
					t.Fatalf("firing %d: %v (%v local), want %v", i+1, at.UTC(), at.In(tc.s.Loc), want)
				}
			}
		})
	}
}
