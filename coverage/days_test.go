package coverage

import (
	"strconv"
	"testing"

	"pasched"
)

func TestParseDays(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]int{"1": 1, "14": 14, "90": 90, "014": 14} {
		if got, err := ParseDays(raw); err != nil || got != want {
			t.Errorf("ParseDays(%q) = %d, %v", raw, got, err)
		}
	}
	for _, raw := range []string{"", "0", "91", "-1", "+5", "1.5", " 5", "abc", "0090", "١٤"} {
		if _, err := ParseDays(raw); code(err) != pasched.EINVALID {
			t.Errorf("ParseDays(%q) = %v, want EINVALID", raw, err)
		}
	}
}

func FuzzParseDays(f *testing.F) {
	for _, s := range []string{"14", "0", "91", "", "x", "9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := ParseDays(raw)
		if err != nil {
			if code(err) != pasched.EINVALID {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if n < 1 || n > MaxDays || strconv.Itoa(n) != trimZeros(raw) {
			t.Fatalf("%q read as %d", raw, n)
		}
	})
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
