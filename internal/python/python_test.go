package python

import (
	"strconv"
	"strings"
	"testing"
)

// TestInt: what CPython's int(s, base) answers (checked with python3).
func TestInt(t *testing.T) {
	cases := []struct {
		s    string
		base int
		want string // "" when int() raises ValueError
	}{
		{"5", 10, "5"}, {" 5 ", 10, "5"}, {"\t+5\n", 10, "5"}, {"-3", 10, "-3"}, {"-0", 10, "0"},
		{"0012", 10, "12"}, {"1_000", 10, "1000"}, {"1__0", 10, ""}, {"_1", 10, ""}, {"1_", 10, ""},
		{"+-1", 10, ""}, {"- 1", 10, ""}, {"", 10, ""}, {" ", 10, ""}, {"+", 10, ""}, {"1.5", 10, ""},
		{"abc", 10, ""}, {"1e3", 10, ""}, {"0x10", 10, ""},
		{"١٢", 10, "12"},          // Arabic-Indic digits
		{"１２", 10, "12"},          // fullwidth digits
		{"\u001c7\u001f", 10, ""}, // str.isspace(), but not int()'s white space
		{"\u00a07\u3000", 10, "7"},
		{"99999999999999999999", 10, "99999999999999999999"},
		{"ff", 16, "255"}, {"0xff", 16, "255"}, {"0XFF", 16, "255"}, {"0x_f", 16, "15"}, {"0x", 16, ""},
		{"0x__f", 16, ""}, {"-0x1", 16, "-1"}, {"fg", 16, ""}, {"ｆ", 16, ""}, {"١f", 16, "31"},
	}
	for _, c := range cases {
		n, ok := Int(c.s, c.base)
		got := ""
		if ok {
			got = n.String()
		}
		if got != c.want {
			t.Errorf("Int(%q, %d) = %q, want %q", c.s, c.base, got, c.want)
		}
	}
	for s, want := range map[string]int64{"42": 42, " 42": 42, "9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		if n, ok := Int64(s); !ok || n != want {
			t.Errorf("Int64(%q) = %d, %v", s, n, ok)
		}
	}
	for _, s := range []string{"9223372036854775808", "x", ""} {
		if n, ok := Int64(s); ok {
			t.Errorf("Int64(%q) = %d, want refusal", s, n)
		}
	}
	if got := Strip("\u001c\u00a0 a b\t\n\u2029"); got != "a b" {
		t.Errorf("Strip = %q", got)
	}
}

// FuzzInt: on plain ASCII input Int agrees with strconv (after Python's
// underscore rule), Int64 with Int, and what Int reads reads back.
func FuzzInt(f *testing.F) {
	for _, s := range []string{"1", "0012", "+5", "-3", "1_000", "1__0", "_1", "1.5", " 7 ", "99999999999999999999", "١٢", "0x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Int(s, 10)
		if ok {
			back, ok2 := Int(n.String(), 10)
			if !ok2 || back.Cmp(n) != 0 {
				t.Fatalf("Int(%q) = %v does not read back", s, n)
			}
		}
		if i, ok64 := Int64(s); ok64 && (!ok || !n.IsInt64() || n.Int64() != i) {
			t.Fatalf("Int64(%q) = %d, Int = %v %v", s, i, n, ok)
		}
		if strings.Contains(s, "__") || strings.HasPrefix(strings.TrimSpace(s), "_") {
			if ok {
				t.Fatalf("Int(%q) accepted a misplaced underscore", s)
			}
			return
		}
		plain := strings.TrimSpace(s)
		if v, err := strconv.ParseInt(plain, 10, 64); err == nil && !strings.Contains(plain, "_") {
			if !ok || n.Int64() != v {
				t.Fatalf("Int(%q) = %v %v, strconv %d", s, n, ok, v)
			}
		}
	})
}
