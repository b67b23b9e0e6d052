package main

import "testing"

// TestParseEmailRate: EMAIL_MAX_RATE unset keeps the default cap, 0 lifts
// it, a positive number sets it; anything else is refused at start-up.
func TestParseEmailRate(t *testing.T) {
	for in, want := range map[string]float64{"": 0, " ": 0, "0": -1, "600": 600, "12.5": 12.5, " 50 ": 50} {
		if got, err := parseEmailRate(in); err != nil || got != want {
			t.Errorf("parseEmailRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1", "fast", "NaN", "Inf", "1e400", "600/s"} {
		if got, err := parseEmailRate(in); err == nil {
			t.Errorf("parseEmailRate(%q) = %v, want an error", in, got)
		}
	}
}
