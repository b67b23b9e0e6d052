package intel

import (
	"fmt"
	"strings"

	"pasched/schedule"
)

// DigestSummary is the plain-text summary paragraph of the coverage digest,
// from the computed facts only. The language-model wording, when
// configured, replaces this paragraph and nothing else.
func DigestSummary(gaps []Gap, from, to schedule.Date) string {
	if len(gaps) == 0 {
		return fmt.Sprintf("Every critical time from %s to %s is covered.", LongDate(from), LongDate(to))
	}
	minutes := 0
	dates := map[schedule.Date]bool{}
	for _, g := range gaps {
		minutes += g.UncoveredMinutes
		dates[g.Date] = true
	}
	first := gaps[0]
	return fmt.Sprintf("%s uncovered in the critical times from %s to %s: %s on %s. The first is %s, %s–%s (%s uncovered).",
		countNoun(len(gaps), "window is", "windows are"), LongDate(from), LongDate(to),
		Minutes(minutes), countNoun(len(dates), "day", "days"),
		LongDate(first.Date), HM(first.Window.Start), HM(first.Window.End), Minutes(first.UncoveredMinutes))
}

// DigestLines lists the gaps one a line: "Tuesday 5 March 2030, 06:00–09:00:
// 120 min uncovered (07:00–09:00)".
func DigestLines(gaps []Gap) []string {
	out := make([]string, len(gaps))
	for i, g := range gaps {
		var pieces []string
		for _, s := range g.Slots {
			pieces = append(pieces, HM(s.Start)+"–"+HM(s.End))
		}
		out[i] = fmt.Sprintf("%s, %s–%s: %s uncovered (%s)", LongDate(g.Date), HM(g.Window.Start), HM(g.Window.End),
			Minutes(g.UncoveredMinutes), strings.Join(pieces, ", "))
	}
	return out
}

// LongDate formats a date for people: "Tuesday 5 March 2030".
func LongDate(d schedule.Date) string { return d.Midnight().Format("Monday 2 January 2006") }

// Minutes formats a number of minutes: "45 min", "2 h", "2 h 30 min".
func Minutes(m int) string {
	h, r := m/60, m%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", r)
	case r == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, r)
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
