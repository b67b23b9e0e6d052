package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"pasched/ical"
	"pasched/ical/icaltest"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func wall(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// TestCalendarAcrossDST writes events on both sides of London's 2026 clock
// changes and an overnight one, then reads them with the parser, resolving
// times only through the written VTIMEZONE: each lands on the instant Go's
// time zone data gives.
func TestCalendarAcrossDST(t *testing.T) {
	for _, name := range []string{"Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"} {
		t.Run(name, func(t *testing.T) {
			loc := mustLoad(t, name)
			stamp := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			cal := &ical.Calendar{ProdID: "-//test//EN", Name: "Shifts", Location: loc, Events: []ical.Event{
				{UID: "before@x", Sequence: 0, Status: ical.StatusConfirmed, Start: wall(2026, 3, 28, 9, 0), End: wall(2026, 3, 28, 17, 0), Stamp: stamp, Summary: "Before"},
				{UID: "after@x", Sequence: 3, Status: ical.StatusTentative, Start: wall(2026, 3, 30, 9, 0), End: wall(2026, 3, 30, 17, 0), Stamp: stamp, Summary: "After"},
				{UID: "night@x", Sequence: 1, Status: ical.StatusCancelled, Start: wall(2026, 10, 24, 21, 0), End: wall(2026, 10, 25, 9, 0), Stamp: stamp, Summary: "Overnight, across the autumn change"},
				{UID: "dec@x", Start: wall(2026, 12, 31, 22, 0), End: wall(2027, 1, 1, 6, 0), Stamp: stamp, Summary: "New year"},
			}}
			_, evs := icaltest.Parse(t, cal.Write())
			want := map[string][2]time.Time{
				"before@x": {time.Date(2026, 3, 28, 9, 0, 0, 0, loc), time.Date(2026, 3, 28, 17, 0, 0, 0, loc)},
				"after@x":  {time.Date(2026, 3, 30, 9, 0, 0, 0, loc), time.Date(2026, 3, 30, 17, 0, 0, 0, loc)},
				"night@x":  {time.Date(2026, 10, 24, 21, 0, 0, 0, loc), time.Date(2026, 10, 25, 9, 0, 0, 0, loc)},
				"dec@x":    {time.Date(2026, 12, 31, 22, 0, 0, 0, loc), time.Date(2027, 1, 1, 6, 0, 0, 0, loc)},
			}
			if len(evs) != len(want) {
				t.Fatalf("%d events", len(evs))
			}
			for uid, w := range want {
				e := evs[uid]
				if !e.Start.Equal(w[0]) || !e.End.Equal(w[1]) {
					t.Errorf("%s: %s–%s, want %s–%s", uid, e.Start.UTC(), e.End.UTC(), w[0].UTC(), w[1].UTC())
				}
				if e.TZID != name {
					t.Errorf("%s: TZID %q", uid, e.TZID)
				}
				if !e.Stamp.Equal(stamp) {
					t.Errorf("%s: DTSTAMP %s", uid, e.Stamp)
				}
			}
			if e := evs["night@x"]; e.Status != "CANCELLED" || e.Sequence != 1 || e.StartLocal != "20261024T210000" || e.EndLocal != "20261025T090000" {
				t.Errorf("overnight event %+v", e)
			}
			if e := evs["after@x"]; e.Status != "TENTATIVE" || e.Sequence != 3 {
				t.Errorf("after %+v", e)
			}
		})
	}
}

// TestLondonTransitions pins the VTIMEZONE's observances for 2026.
func TestLondonTransitions(t *testing.T) {
	loc := mustLoad(t, "Europe/London")
	trs := ical.Transitions(loc, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	want := []ical.Transition{
		{At: time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), FromOffset: 0, ToOffset: 3600, Name: "BST", DST: true},
		{At: time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), FromOffset: 3600, ToOffset: 0, Name: "GMT", DST: false},
	}
	if len(trs) != len(want) {
		t.Fatalf("transitions %+v", trs)
	}
	for i := range want {
		if !trs[i].At.Equal(want[i].At) || trs[i].FromOffset != want[i].FromOffset || trs[i].ToOffset != want[i].ToOffset ||
			trs[i].Name != want[i].Name || trs[i].DST != want[i].DST {
			t.Errorf("transition %d: %+v, want %+v", i, trs[i], want[i])
		}
	}
	body := string((&ical.Calendar{ProdID: "p", Location: loc, Events: []ical.Event{{UID: "a", Start: wall(2026, 6, 1, 9, 0), End: wall(2026, 6, 1, 10, 0)}}}).Write())
	for _, s := range []string{"BEGIN:DAYLIGHT\r\nDTSTART:20260329T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20261025T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\nEND:STANDARD"} {
		if !strings.Contains(body, s) {
			t.Errorf("VTIMEZONE lacks\n%s\nin\n%s", s, body)
		}
	}
}

// TestUTCCalendar writes UTC times without a VTIMEZONE.
func TestUTCCalendar(t *testing.T) {
	body := (&ical.Calendar{ProdID: "p", Location: time.UTC, Events: []ical.Event{{UID: "a", Start: wall(2026, 6, 1, 21, 0), End: wall(2026, 6, 2, 9, 0)}}}).Write()
	if bytes.Contains(body, []byte("VTIMEZONE")) {
		t.Fatal("UTC calendar has a VTIMEZONE")
	}
	_, evs := icaltest.Parse(t, body)
	if e := evs["a"]; !e.Start.Equal(time.Date(2026, 6, 1, 21, 0, 0, 0, time.UTC)) || !e.End.Equal(time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", e)
	}
}

// TestLinesFoldedAndEscaped: no line over 75 octets, folds never split a
// UTF-8 sequence, text values round-trip through the parser.
func TestLinesFoldedAndEscaped(t *testing.T) {
	summary := strings.Repeat("Nuit blanche, café; ünïcødé \\ ", 6) + "\nsecond line"
	body := (&ical.Calendar{ProdID: "p", Location: time.UTC, Events: []ical.Event{{UID: "a", Summary: summary, Start: wall(2026, 6, 1, 21, 0), End: wall(2026, 6, 2, 9, 0)}}}).Write()
	checkLines(t, body)
	_, evs := icaltest.Parse(t, body)
	if got := evs["a"].Summary; got != summary {
		t.Fatalf("summary %q, want %q", got, summary)
	}
}

// checkLines asserts RFC 5545's line rules.
func checkLines(t testing.TB, body []byte) {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Fatal("body does not end with CRLF")
	}
	for _, line := range bytes.Split(bytes.TrimSuffix(body, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 75 {
			t.Fatalf("line of %d octets: %q", len(line), line)
		}
		if !utf8.Valid(line) {
			t.Fatalf("fold split a UTF-8 sequence: %q", line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("bare CR or LF in %q", line)
		}
	}
}

// FuzzText: any summary is written within the line rules and read back
// the same (control characters other than newline are dropped).
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b;c\\d\ne", strings.Repeat("é", 80), "\x00\x01tab\tcr\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		body := (&ical.Calendar{ProdID: "p", Location: time.UTC, Events: []ical.Event{{UID: "a", Summary: s, Start: wall(2026, 6, 1, 21, 0), End: wall(2026, 6, 2, 9, 0)}}}).Write()
		checkLines(t, body)
		_, evs := icaltest.Parse(t, body)
		want := strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, s)
		if got := evs["a"].Summary; got != want {
			t.Fatalf("summary %q, want %q", got, want)
		}
	})
}
