package sqlstore

import (
	"testing"
	"time"
)

// FuzzParseStoredTS checks the fast timestamp reader against time.Parse.
func FuzzParseStoredTS(f *testing.F) {
	f.Add("2030-03-01T10:15:30.123456Z")
	f.Add("2030-02-30T10:15:30.123456Z")
	f.Add("0001-01-01T00:00:00.000000Z")
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := parseStoredTS(v)
		want, err := time.Parse(tsLayout, v)
		if ok && (err != nil || !got.Equal(want)) {
			t.Fatalf("parseStoredTS(%q) = %v, time.Parse: %v %v", v, got, want, err)
		}
		if !ok && err == nil && len(v) == len(tsLayout) && v[26] == 'Z' {
			t.Fatalf("parseStoredTS(%q) refused what time.Parse reads as %v", v, want)
		}
	})
}
