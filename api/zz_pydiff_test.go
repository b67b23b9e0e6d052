package api

import (
	"bufio"
	"encoding/base64"
	"os"
	"testing"
)

func TestZZPyDiff(t *testing.T) {
	in, _ := os.Open("/tmp/pydiff/inputs.txt")
	ex, _ := os.Open("/tmp/pydiff/expected.txt")
	a, b := bufio.NewScanner(in), bufio.NewScanner(ex)
	a.Buffer(make([]byte, 1<<20), 1<<20)
	b.Buffer(make([]byte, 1<<20), 1<<20)
	bad := 0
	for a.Scan() && b.Scan() {
		if b.Text() == "SKIP" {
			continue
		}
		s, _ := base64.StdEncoding.DecodeString(a.Text())
		w, _ := base64.StdEncoding.DecodeString(b.Text())
		got := pyJSONError(string(s))
		if got != string(w) {
			bad++
			if bad < 15 {
				t.Errorf("%q: got %q want %q", s, got, w)
			}
		}
	}
	t.Logf("bad %d", bad)
}

func TestZZUTF8Diff(t *testing.T) {
	in, _ := os.Open("/tmp/pydiff/u_in.txt")
	ex, _ := os.Open("/tmp/pydiff/u_exp.txt")
	a, b := bufio.NewScanner(in), bufio.NewScanner(ex)
	bad := 0
	for a.Scan() && b.Scan() {
		s, _ := base64.StdEncoding.DecodeString(a.Text())
		n, msg := pyUTF8Check(s)
		var got string
		if msg != "" {
			got = "ERR:" + base64.StdEncoding.EncodeToString([]byte(msg))
		} else {
			got = "OK:" + base64.StdEncoding.EncodeToString(s[:n])
		}
		if got != b.Text() {
			bad++
			if bad < 10 {
				w := b.Text()
				if len(w) > 4 && w[:4] == "ERR:" {
					d, _ := base64.StdEncoding.DecodeString(w[4:])
					w = "ERR:" + string(d)
				}
				t.Errorf("% x: got %q (%q) want %q", s, got, msg, w)
			}
		}
	}
	t.Logf("bad %d", bad)
}
