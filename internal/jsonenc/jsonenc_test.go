package jsonenc

import (
	"encoding/json"
	"testing"
)

// FuzzAppendString: the output is byte for byte encoding/json's.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "<script>&", "tab\tnew\nline\r",
		"\x00\x1f", "é ü 🙂", "\u2028\u2029", "bad \xff utf-8", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
