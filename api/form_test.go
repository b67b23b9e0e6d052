package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"pasched"
	"pasched/accounts"
	"pasched/internal/jsonenc"
)

// Python's answers for these inputs were recorded with CPython 3.11's
// json and codecs modules (the seed's DRF runs them). A differential run
// of 61,595 generated documents and 50,000 byte strings against CPython
// agreed on every one; these are representatives.
func TestPyJSONError(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{`{"a":1}`, ""}, {`[1, "x", {"b": [true, false, null]}, -0.5e+3]`, ""}, {` "\ud83d\ude00\u00e9" `, ""},
		{``, "Expecting value: line 1 column 1 (char 0)"},
		{`{`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{`{"a":1}{}`, "Extra data: line 1 column 8 (char 7)"},
		{`{"a":NaN}`, "Out of range float values are not JSON compliant: 'NaN'"},
		{`[Infinity]`, "Out of range float values are not JSON compliant: 'Infinity'"},
		{`[-Infinity]`, "Out of range float values are not JSON compliant: '-Infinity'"},
		{`[-Inf]`, "Expecting value: line 1 column 2 (char 1)"},
		{`[1,]`, "Expecting value: line 1 column 4 (char 3)"},
		{`{"a":1,}`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
		{"{\"a\":\"\x1f\"}", "Invalid control character at: line 1 column 7 (char 6)"},
		{`"\x"`, `Invalid \escape: line 1 column 2 (char 1)`},
		{`"\u12"`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{`"\u0041`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{`"\ud800\u12"`, `Invalid \uXXXX escape: line 1 column 9 (char 8)`},
		{`"\ud800\u0041"`, ""},
		{`"\`, "Unterminated string starting at: line 1 column 1 (char 0)"},
		{"\ufeff{}", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"},
		{"{\n  \"a\": tru\n}", "Expecting value: line 2 column 8 (char 9)"},
		{"[1\r\n,\n2 3]", "Expecting ',' delimiter: line 3 column 3 (char 8)"},
		{`{"é😀":1,}`, "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"},
		{`1e`, "Extra data: line 1 column 2 (char 1)"},
		{`1e-`, "Extra data: line 1 column 2 (char 1)"},
		{`1.`, "Extra data: line 1 column 2 (char 1)"},
		{`-`, "Expecting value: line 1 column 1 (char 0)"},
		{`01`, "Extra data: line 1 column 2 (char 1)"},
		{`nul`, "Expecting value: line 1 column 1 (char 0)"},
	} {
		if got := pyJSONError(c.in); got != c.want {
			t.Errorf("pyJSONError(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	deep := strings.Repeat("[", pyMaxDepth+1)
	if got := pyJSONError(deep); !strings.HasPrefix(got, "maximum recursion depth exceeded") {
		t.Errorf("deep nesting: %q", got)
	}
}

func TestPyUTF8Check(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"plain é 😀", len("plain é 😀"), ""},
		{"ab\xe2\x82", 2, ""},     // cut short at the end: left out
		{"ab\xed\xa0", 2, ""},     // a surrogate cut short: left out too
		{"ab\xf0\x90\x80", 2, ""}, // a 4-byte sequence cut short
		{"\xff", 0, "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"},
		{"a\xc0\x80", 1, "'utf-8' codec can't decode byte 0xc0 in position 1: invalid start byte"},
		{"\xe2\x28\xa1", 0, "'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte"},
		{"\xe0\x80\x80", 0, "'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte"},
		{"\xed\xa0\x80", 0, "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"},
		{"\xf0\x90\x28\x80", 0, "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"},
		{"xx\xf0\x90\x80\x28", 2, "'utf-8' codec can't decode bytes in position 2-4: invalid continuation byte"},
		{"\xf4\x90\x80\x80", 0, "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte"},
		{"\xf5", 0, "'utf-8' codec can't decode byte 0xf5 in position 0: invalid start byte"},
	} {
		n, msg := pyUTF8Check([]byte(c.in))
		if n != c.n || msg != c.want {
			t.Errorf("pyUTF8Check(%q) = %d, %q; want %d, %q", c.in, n, msg, c.n, c.want)
		}
	}
}

// FuzzPyJSON: Python's json and Go's agree on what is JSON (so the port
// only words errors), and the port never panics.
func FuzzPyJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u00e9",true,null]}`, `{`, `[1,]`, `"\ud800"`, `NaN`, "\ufeff1", `{"a" 1}`, `-0`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		msg := pyJSONError(s)
		goOK := json.Valid([]byte(s))
		if goOK != (msg == "") && !strings.HasPrefix(msg, "maximum recursion") {
			t.Fatalf("%q: Go valid=%v, Python says %q", s, goOK, msg)
		}
	})
}

// FuzzPyUTF8: the stream decoder's verdict agrees with utf8.Valid.
func FuzzPyUTF8(f *testing.F) {
	for _, s := range []string{"é", "\xe2\x82", "\xff", "a\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, msg := pyUTF8Check(b)
		switch {
		case n < 0 || n > len(b):
			t.Fatalf("n = %d of %d", n, len(b))
		case msg != "" && utf8.Valid(b):
			t.Fatalf("%q valid, Python error %q", b, msg)
		case msg == "" && (!utf8.Valid(b[:n]) || len(b)-n > 3):
			t.Fatalf("%q: kept %d bytes", b, n)
		case msg == "" && n < len(b) && (b[n] < 0xC2 || b[n] > 0xF4):
			// Only a sequence cut short by the end may be left out.
			t.Fatalf("%q: left out %q", b, b[n:])
		}
	})
}

func TestPyNumberString(t *testing.T) {
	t.Parallel()
	// Python's str() of what json.loads makes of each literal.
	for in, want := range map[string]string{
		"1": "1", "-0": "0", "0": "0", "123456789012345678901234567890": "123456789012345678901234567890",
		"1.0": "1.0", "1.5": "1.5", "-0.0": "-0.0", "1e5": "100000.0", "1E+2": "100.0", "1e16": "1e+16", "1.5e-5": "1.5e-05",
		"0.0001": "0.0001", "123456789012345678.0": "1.2345678901234568e+17", "1e400": "inf", "-1e400": "-inf", "1e15": "1000000000000000.0",
	} {
		if got := pyNumberString(in); got != want {
			t.Errorf("pyNumberString(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestPyUUIDHex(t *testing.T) {
	t.Parallel()
	const canon = "12345678-1234-1234-1234-123456789abc"
	for in, want := range map[string]string{
		canon: canon, strings.ToUpper(canon): canon, "12345678123412341234123456789abc": canon,
		"{" + canon + "}": canon, "urn:uuid:" + canon: canon, "12345678-1234-1234-1234-1234uuid:56789abc": canon,
		"1-2345678123412341234123456789abc": canon, "{{12345678123412341234123456789abc}}": canon,
		"0x345678123412341234123456789abc": "00345678-1234-1234-1234-123456789abc", "0X345678123412341234123456789abc": "00345678-1234-1234-1234-123456789abc",
		"0x_45678123412341234123456789abc": "00045678-1234-1234-1234-123456789abc", "1_345678123412341234123456789abc": "01345678-1234-1234-1234-123456789abc",
		" 2345678123412341234123456789abc": "02345678-1234-1234-1234-123456789abc", "+2345678123412341234123456789abc": "02345678-1234-1234-1234-123456789abc",
		"١2345678123412341234123456789abc": canon, "urn:12345678123412341234123456789abc": canon,
		"12345678123412341234123456789ab": "", "12345678123412341234123456789abcd": "", "g2345678123412341234123456789abc": "",
		"1__45678123412341234123456789abc": "", "_2345678123412341234123456789abc": "", "12345678123412341234123456789ab_": "", "": "", "  ": "",
	} {
		got, ok := pyUUIDHex(in)
		if got != want || ok != (want != "") {
			t.Errorf("pyUUIDHex(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{
		"0": "00000000-0000-0000-0000-000000000000", "1": "00000000-0000-0000-0000-000000000001",
		"340282366920938463463374607431768211455": "ffffffff-ffff-ffff-ffff-ffffffffffff",
		"340282366920938463463374607431768211456": "", "-1": "", "-0": "00000000-0000-0000-0000-000000000000", "1.0": "", "1e3": "",
	} {
		got, ok := uuidFromInt(in)
		if got != want || ok != (want != "") {
			t.Errorf("uuidFromInt(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	// Django 5.2's EmailValidator.
	for in, want := range map[string]bool{
		"alice@example.com": true, "a.b+c@sub.example.co.uk": true, "ALICE@EXAMPLE.COM": true, "a@localhost": true,
		"a@b.xn--p1ai": true, "ü@exämple.com": false, "u@exämple.com": true, "a@b.com.": false, "a@b.12": false, "a@b.c0m": false,
		"a@b.-xy": false, "a@-b.com": false, "a@b-.com": false, "a@b.c": false, "a@example": false, "@example.com": false,
		"a@": false, "a": false, "a@@b.com": false, `"a b"@example.com`: false, `"a\ b"@example.com`: true, `"a@b"@example.com`: true, "a..b@example.com": false,
		".a@example.com": false, "a b@example.com": false, "a@[127.0.0.1]": true, "a@[::1]": true, "a@[300.0.0.1]": false,
		"a@[1.2.3]": false, "a@b.com\n": false, "a@😀.com": false, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 64) + ".com": false,
		"a@" + strings.Repeat("b", 63) + ".com": true, strings.Repeat("a", 310) + "@example.com": false, "a@1.2.3.4": false,
	} {
		if got := validEmail(in); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"alice": true, "Alice_1": true, "a.b@c+d-e": true, "élodie": true, "名前": true, "x²": true,
		"bad name": false, "bad!": false, "a/b": false, "tab\t": false, "e\u0301": false,
	} {
		if got := accounts.ValidateUsername(in) == nil; got != ok {
			t.Errorf("ValidateUsername(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `q"uote\back`, "<a href='x'>&amp;</a>", "\x00\x01\b\f\n\r\t\x1f\x7f", "é😀",
		"\u2028\u2029", "bad\xffutf8\xc3", "\xed\xa0\x80"} {
		checkAppendJSONString(t, s)
	}
}

func checkAppendJSONString(t *testing.T, s string) {
	want, _ := json.Marshal(s)
	if got := jsonenc.AppendString(nil, s); string(got) != string(want) {
		t.Fatalf("jsonenc.AppendString(%q) = %s, want %s", s, got, want)
	}
}

// FuzzAppendJSONString: the hand-written encoder is encoding/json's.
func FuzzAppendJSONString(f *testing.F) {
	f.Add("a<b>&\u2028\"\\\x01é\xff")
	f.Fuzz(checkAppendJSONString)
}

// readAll runs every field reader over every key of f, as a handler might.
func readAll(f *form) {
	for k := range f.m {
		f.str(k, strOpts{required: true, maxLen: 10, validators: []func(string) []string{accounts.ValidatePassword}})
		f.str(k, strOpts{allowBlank: true, allowNull: true, noTrim: true})
		f.email(k, true)
		f.plainEmail(k)
		f.uuid(k)
		f.boolean(k, false)
		rawToken(f, k)
	}
	f.partial = true
	f.str("absent", strOpts{required: true})
}

// FuzzDecodeForm: any body of any media type decodes to a form or to a
// 4xx domain error; the field readers never panic and keep valid UTF-8.
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []struct{ body, ct string }{
		{`{"email":"a@b.com","password":"x","token":"12345678-1234-1234-1234-123456789abc"}`, "application/json"},
		{`{"n":1e400,"b":true,"l":[1],"o":{},"s":"\ud800","z":null}`, "application/json; charset=utf-8"},
		{`[1]`, "application/json"}, {`null`, "application/json"}, {"\xff", "application/json"}, {`{`, "application/json"},
		{"email=a%40b.com&x=%zz&&=", "application/x-www-form-urlencoded"}, {"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--b--\r\n", "multipart/form-data; boundary=b"},
		{"x", "text/plain"}, {"x", ""}, {"", ""},
	} {
		f.Add([]byte(s.body), s.ct)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		r := httptest.NewRequest("POST", "/api/auth/login/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		fm, err := decodeForm(httptest.NewRecorder(), r)
		var ve *validationError
		if err != nil && errors.As(err, &ve) {
			return // a 400 with field errors
		}
		if err != nil {
			var e *pasched.Error
			if !errors.As(err, &e) || statusOf[e.Code] < 400 || statusOf[e.Code] > 499 {
				t.Fatalf("error %v is not a 4xx", err)
			}
			if e.Message != "" && !utf8.ValidString(e.Message) && !strings.HasPrefix(e.Message, "Unsupported media type") {
				t.Fatalf("message not UTF-8: %q", e.Message)
			}
			return
		}
		readAll(fm)
		if err := fm.fe.Err(); err != nil {
			if !errors.As(err, &ve) {
				t.Fatalf("field errors %v", err)
			}
		}
	})
}

var fuzzPaths = []string{"/api/auth/register/", "/api/auth/verify-email/", "/api/auth/login/", "/api/auth/refresh/",
	"/api/auth/logout/", "/api/auth/password-reset/", "/api/auth/password-reset-confirm/", "/api/auth/me/"}

// FuzzAuthEndpoints sends fuzzed bodies to every auth endpoint through
// the whole handler: never a 5xx, always a JSON body.
func FuzzAuthEndpoints(f *testing.F) {
	seeds := []string{`{}`, `{"email":"admin@example.com","password":"x"}`, `{"refresh":"x"}`, `{"token":1}`,
		`{"email":"new@example.com","username":"new","password":"Maple-Comet-55","password_confirm":"Maple-Comet-55","phone_number":"1"}`,
		`{"first_name":"\ud800","phone_number":12}`, `[`, "\xff", `null`}
	for i := range fuzzPaths {
		for _, s := range seeds {
			f.Add(uint8(i), []byte(s), "application/json", i%2 == 0)
		}
	}
	f.Add(uint8(7), []byte("first_name=x"), "application/x-www-form-urlencoded", true)
	s := newBenchServer(f) // one API for every input
	f.Fuzz(func(t *testing.T, pathIdx uint8, body []byte, ct string, auth bool) {
		path := fuzzPaths[int(pathIdx)%len(fuzzPaths)]
		for _, method := range []string{"POST", "PATCH", "PUT"} {
			r := httptest.NewRequest(method, path, bytes.NewReader(body))
			r.Host = "127.0.0.1"
			r.Header.Set("Content-Type", ct)
			if auth {
				r.Header.Set("Authorization", "Bearer "+s.access)
			}
			w := httptest.NewRecorder()
			s.handler.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
			}
			if w.Header().Get("Content-Type") != "application/json" || !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s %s %q: %d not JSON: %q", method, path, body, w.Code, w.Body)
			}
			if w.Code == http.StatusOK && method == "POST" && path == "/api/auth/logout/" && !auth {
				t.Fatal("logout without credentials")
			}
		}
	})
}

func ExampleHostAllowed() {
	fmt.Println(HostAllowed([]string{".example.com"}, "api.example.com:443"), HostAllowed([]string{"localhost"}, "evil.example"))
	// Output: true false
}
