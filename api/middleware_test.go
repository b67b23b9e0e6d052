package api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"pasched/internal/jsonenc"
	"pasched/sqlstore"
)

// jsonCT is the header set of a JSON request.
var jsonCT = map[string]string{"Content-Type": "application/json"}

func TestAppendSlashAndNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	for _, c := range []struct{ method, path, loc string }{
		{"GET", "/api/auth/me", "/api/auth/me/"},
		{"GET", "/api/auth/me?a=1&b=%20", "/api/auth/me/?a=1&b=%20"},
		{"POST", "/api/auth/login", "/api/auth/login/"},
		{"PUT", "/api/auth/password-reset-confirm", "/api/auth/password-reset-confirm/"},
	} {
		r := e.raw(c.method, c.path, nil, nil)
		if r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != c.loc {
			t.Errorf("%s %s: %d Location %q, want 301 %q", c.method, c.path, r.Status, r.Header.Get("Location"), c.loc)
		}
	}
	for _, p := range []string{"/api/auth/nope/", "/api/auth/nope", "/api/auth/me/extra/", "/api/auth/", "/nope", "/api/auth/me/x"} {
		expect(t, e.raw("GET", p, nil, nil), 404, `{"detail":"Not found."}`)
	}
}

// TestMalformedBodies: DRF's JSONParser answers with Python's own words,
// positions counted in characters, as recorded from the seed.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	parse := func(msg string) string {
		b, _ := jsonMarshalString("JSON parse error - " + msg)
		return `{"detail":` + b + `}`
	}
	cases := []struct {
		name string
		body []byte
		want string
	}{
		{"unclosed", []byte(`{`), parse("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")},
		{"extra data", []byte(`{"a":1}{}`), parse("Extra data: line 1 column 8 (char 7)")},
		{"single quotes", []byte(`{'a':1}`), parse("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")},
		{"NaN", []byte(`{"a":NaN}`), parse("Out of range float values are not JSON compliant: 'NaN'")},
		{"-Infinity", []byte(`{"a":-Infinity}`), parse("Out of range float values are not JSON compliant: '-Infinity'")},
		{"trailing comma", []byte(`{"a":1,}`), parse("Expecting property name enclosed in double quotes: line 1 column 8 (char 7)")},
		{"control character", []byte("{\"a\":\"\x01\"}"), parse("Invalid control character at: line 1 column 7 (char 6)")},
		{"bad escape", []byte(`{"a":"\q"}`), parse(`Invalid \escape: line 1 column 7 (char 6)`)},
		{"short \\u escape", []byte(`{"a":"\u12"}`), parse(`Invalid \uXXXX escape: line 1 column 8 (char 7)`)},
		{"white space only", []byte("   "), parse("Expecting value: line 1 column 4 (char 3)")},
		{"several lines", []byte("{\n\"a\":\n}"), parse("Expecting value: line 3 column 1 (char 7)")},
		{"byte order mark", []byte("\xef\xbb\xbf{}"), parse("Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)")},
		{"invalid UTF-8", []byte("{\"first_name\":\"\xff\"}"), parse("'utf-8' codec can't decode byte 0xff in position 15: invalid start byte")},
		{"bad continuation", []byte("{\"a\":\"\xe2\x28\xa1\"}"), parse("'utf-8' codec can't decode byte 0xe2 in position 6: invalid continuation byte")},
		{"bad continuation, 3 bytes", []byte("{\"a\":\"\xf0\x90\x80\"}"), parse("'utf-8' codec can't decode bytes in position 6-8: invalid continuation byte")},
		{"characters, not bytes", []byte(`{"é":1,}`), parse("Expecting property name enclosed in double quotes: line 1 column 8 (char 7)")},
		{"missing colon", []byte(`{"a" 1}`), parse("Expecting ':' delimiter: line 1 column 6 (char 5)")},
		{"missing comma", []byte(`{"a":1 "b":2}`), parse("Expecting ',' delimiter: line 1 column 8 (char 7)")},
		{"unterminated string", []byte(`{"a":"x`), parse("Unterminated string starting at: line 1 column 6 (char 5)")},
		{"leading zero", []byte(`{"a":01}`), parse("Expecting ',' delimiter: line 1 column 7 (char 6)")},
		{"bare minus", []byte(`{"a":-}`), parse("Expecting value: line 1 column 6 (char 5)")},
		{"list", []byte(`[1, 2]`), `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{"string", []byte(`"x"`), `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{"int", []byte(` 1 `), `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{"float", []byte(`1e3`), `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{"bool", []byte(`true`), `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
		{"null", []byte(`null`), `{"non_field_errors":["No data provided"]}`},
		// Python's stream reader leaves out a sequence cut short at the end.
		{"truncated UTF-8 at the end", []byte("{\"email\":\"a@b.co\"}\xe2\x82"), `{"password":["This field is required."]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expect(t, e.raw("POST", "/api/auth/login/", c.body, jsonCT), 400, c.want)
		})
	}
}

func jsonMarshalString(s string) (string, error) {
	return string(jsonenc.AppendString(nil, s)), nil
}

func TestMediaTypesAndSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	e.user("PA", "alice@example.com", "Alice", "Anderson")
	body := []byte(`{"email":"alice@example.com","password":"` + testPassword + `"}`)
	for _, ct := range []string{"text/plain", "application/vnd.api+json", "application/xml", "", "garbage"} {
		r := e.raw("POST", "/api/auth/login/", body, map[string]string{"Content-Type": ct})
		expect(t, r, 415, `{"detail":"Unsupported media type \"`+ct+`\" in request."}`)
	}
	// An empty body is an empty object whatever its type.
	expect(t, e.raw("POST", "/api/auth/login/", nil, map[string]string{"Content-Type": "text/plain"}), 400,
		`{"email":["This field is required."],"password":["This field is required."]}`)
	ok := `{"message":"Login successful.","user":"<any>","tokens":{"refresh":"<jwt>","access":"<jwt>"}}`
	expect(t, e.raw("POST", "/api/auth/login/", body, map[string]string{"Content-Type": "Application/JSON; charset=utf-8"}), 200, ok)
	// The two form encodings DRF parses too.
	form := "email=alice%40example.com&password=" + strings.ReplaceAll(testPassword, "!", "%21") + "&x=%zz"
	expect(t, e.raw("POST", "/api/auth/login/", []byte(form), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}), 200, ok)
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("email", "alice@example.com")
	w.WriteField("password", testPassword)
	w.Close()
	expect(t, e.raw("POST", "/api/auth/login/", mp.Bytes(), map[string]string{"Content-Type": w.FormDataContentType()}), 200, ok)
	expect(t, e.raw("POST", "/api/auth/login/", []byte("--x\r\nbroken"), map[string]string{"Content-Type": "multipart/form-data; boundary=x"}), 400, `{"detail":"<any>"}`)

	// A body over 1 MiB is refused before it is read whole.
	big := append([]byte(`{"email":"`), bytes.Repeat([]byte("a"), maxBody)...)
	big = append(big, `@example.com","password":"x"}`...)
	expect(t, e.raw("POST", "/api/auth/login/", big, jsonCT), 413, `{"detail":"Request body is too large."}`)
	// At the limit it is read (and here refused for its contents).
	atLimit := append([]byte(`{"email":"x","password":"`), bytes.Repeat([]byte("p"), maxBody-len(`{"email":"x","password":""}`))...)
	atLimit = append(atLimit, `"}`...)
	expect(t, e.raw("POST", "/api/auth/login/", atLimit, jsonCT), 400, `{"email":["Enter a valid email address."]}`)
}

func TestCORS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	u := e.pa("alice@example.com", "Alice", "Anderson")
	preflight := func(origin string) response {
		return e.raw("OPTIONS", "/api/auth/login/", nil, map[string]string{"Origin": origin,
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,authorization"})
	}
	r := preflight("http://localhost:3000")
	want := map[string]string{
		"Access-Control-Allow-Origin":      "http://localhost:3000",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Headers":     "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with",
		"Access-Control-Allow-Methods":     "DELETE, GET, OPTIONS, PATCH, POST, PUT",
		"Access-Control-Max-Age":           "86400",
		"Vary":                             "Origin",
	}
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("preflight: %d %q", r.Status, r.Body)
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}
	// Another origin's preflight is answered (as django-cors-headers does)
	// but grants nothing.
	r = preflight("http://evil.example")
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("foreign preflight: %d %q", r.Status, r.Body)
	}
	for k := range want {
		if k != "Vary" && r.Header.Get(k) != "" {
			t.Errorf("foreign preflight got %s: %q", k, r.Header.Get(k))
		}
	}
	// Actual requests: credentials for the allowed origin only.
	for origin, allowed := range map[string]bool{"http://localhost:3000": true, "http://evil.example": false, "": false, "http://localhost:3000/": false} {
		r := e.raw("GET", "/api/auth/me/", nil, map[string]string{"Origin": origin, "Authorization": "Bearer " + e.access(u)})
		got := r.Header.Get("Access-Control-Allow-Origin") == origin && r.Header.Get("Access-Control-Allow-Credentials") == "true"
		if r.Status != 200 || got != allowed || (!allowed && r.Header.Get("Access-Control-Allow-Origin") != "") || r.Header.Get("Vary") != "Origin" {
			t.Errorf("origin %q: %d %v", origin, r.Status, r.Header)
		}
	}
	// Errors carry the CORS headers too, so the browser can read them.
	r = e.raw("GET", "/api/auth/me/", nil, map[string]string{"Origin": "http://localhost:3000"})
	if r.Status != 401 || r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("401 without CORS headers: %v", r.Header)
	}
}

func TestAllowedHostsAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	u := e.pa("alice@example.com", "Alice", "Anderson")
	expect(t, e.raw("GET", "/api/auth/me/", nil, map[string]string{"Host": "evil.example"}), 400, `{"detail":"Bad Request (400)"}`)
	expect(t, e.raw("GET", "/healthz", nil, map[string]string{"Host": "evil.example:80"}), 400, `{"detail":"Bad Request (400)"}`)
	expect(t, e.raw("GET", "/api/auth/me/", nil, map[string]string{"Host": "LOCALHOST.:8000", "Authorization": "Bearer " + e.access(u)}), 200, userWant(u, false))

	security := map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"}
	for _, r := range []response{
		e.do("GET", "/api/auth/me/", nil, u), e.do("GET", "/api/auth/me/", nil, nil), e.do("GET", "/nope", nil, nil),
		e.do("GET", "/api/auth/login/", nil, nil), e.do("GET", "/api/auth/me", nil, nil), e.do("GET", "/healthz", nil, nil),
		e.raw("GET", "/healthz", nil, map[string]string{"Host": "evil.example"}),
	} {
		for k, v := range security {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%d response: %s = %q, want %q", r.Status, k, got, v)
			}
		}
		if r.Status != http.StatusMovedPermanently && r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%d response: Content-Type %q", r.Status, r.Header.Get("Content-Type"))
		}
	}
}

func TestHostAllowed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		allowed []string
		host    string
		want    bool
	}{
		{[]string{"*"}, "anything:1", true},
		{[]string{"example.com"}, "example.com", true},
		{[]string{"example.com"}, "EXAMPLE.com:8443", true},
		{[]string{"example.com"}, "example.com.", true},
		{[]string{"example.com"}, "www.example.com", false},
		{[]string{".example.com"}, "example.com", true},
		{[]string{".example.com"}, "a.b.example.com:80", true},
		{[]string{".example.com"}, "badexample.com", false},
		{[]string{"[::1]"}, "[::1]:8000", true},
		{[]string{"[::1]"}, "[::1]", true},
		{[]string{"::1"}, "::1", true},
		{[]string{"127.0.0.1"}, "127.0.0.2", false},
		{[]string{" localhost "}, "localhost", true},
		{nil, "localhost", false},
		{[]string{"localhost"}, "", false},
	} {
		if got := HostAllowed(c.allowed, c.host); got != c.want {
			t.Errorf("HostAllowed(%q, %q) = %v", c.allowed, c.host, got)
		}
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	expect(t, e.do("GET", "/healthz", nil, nil), 200, `{"status":"ok","database":"ok"}`)
	if r := e.do("HEAD", "/healthz", nil, nil); r.Status != 200 {
		t.Errorf("HEAD /healthz: %d", r.Status)
	}
	e.db.Close()
	expect(t, e.do("GET", "/healthz", nil, nil), 503, `{"status":"unavailable","database":"unreachable"}`)
}

func TestRecoverer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqlstore.SQLite)
	e.server.Mux().HandleFunc("/test-panic/", func(http.ResponseWriter, *http.Request) { panic("boom") })
	expect(t, e.do("GET", "/test-panic/", nil, nil), 500, `{"detail":"A server error occurred."}`)
	expect(t, e.do("GET", "/healthz", nil, nil), 200, `"<any>"`)
}
