package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// serveHTTP runs httpServer(h, body) on a loopback port until the test ends.
func serveHTTP(t *testing.T, h http.Handler, body time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := httpServer(h, body)
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// readBody answers 200 with the body's length, or 400 when it cannot be read.
var readBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "Could not read the request body.", http.StatusBadRequest)
		return
	}
	io.WriteString(w, strings.Repeat("x", len(b)))
})

// TestSlowBodyClosed: a client that announces 1,000 bytes and sends one is
// answered 400 and disconnected once the body deadline passes, instead of
// holding the connection for ever.
func TestSlowBodyClosed(t *testing.T) {
	t.Parallel()
	const deadline = 300 * time.Millisecond
	addr := serveHTTP(t, readBody, deadline)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "POST /api/shifts/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	// The guard: far longer than the deadline, far shorter than "for ever".
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	if res.StatusCode != 400 {
		t.Errorf("status %d, want 400", res.StatusCode)
	}
	io.Copy(io.Discard, res.Body)
	// Then the server hangs up: the next read ends with EOF, not our guard.
	_, err = conn.Read(make([]byte, 1))
	if err != io.EOF {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("connection still open 10 s after the body deadline")
		}
		if !strings.Contains(err.Error(), "reset") {
			t.Fatalf("read after the answer: %v", err)
		}
	}
	if took := time.Since(start); took < deadline {
		t.Errorf("cut after %v, before the %v deadline", took, deadline)
	}
}

// TestBodyDeadlineSpareSlowHandlers: the deadline covers reading the body
// only; a handler that works longer after reading it answers normally on a
// keep-alive connection, and requests without a body are not touched.
func TestBodyDeadlineSpareSlowHandlers(t *testing.T) {
	t.Parallel()
	const deadline = 200 * time.Millisecond
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		// Work past the deadline (a timer here is the slow work, not a wait for a result).
		time.Sleep(3 * deadline)
		io.WriteString(w, string(b))
	})
	addr := serveHTTP(t, slow, deadline)
	c := &http.Client{Timeout: 10 * time.Second}
	for range 2 { // the second on the same kept-alive connection
		res, err := c.Post("http://"+addr+"/x", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != `{"a":1}` {
			t.Fatalf("%d %s", res.StatusCode, b)
		}
	}
	res, err := c.Get("http://" + addr + "/x")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET: %v %v", res, err)
	}
	res.Body.Close()
}

// TestHeaderSizeBounded: a header block past maxHeaderBytes is refused
// with 431.
func TestHeaderSizeBounded(t *testing.T) {
	t.Parallel()
	addr := serveHTTP(t, readBody, time.Second)
	req, _ := http.NewRequest("GET", "http://"+addr+"/x", nil)
	req.Header.Set("X-Big", strings.Repeat("a", maxHeaderBytes+4096))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", res.StatusCode)
	}
}

// TestDatabaseUnreachableAtStart: serve on a database that does not
// answer exits non-zero with a message naming the database, without
// listening.
func TestDatabaseUnreachableAtStart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	// A port with nobody behind it: bind one, then free it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, "postgres://pasched:secret@"+addr+"/pasched?sslmode=disable")
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("serve still running 30 s after start on an unreachable database")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("exit %v, want a non-zero exit\n%s", err, out)
	}
	msg := string(out)
	if !strings.Contains(msg, "pasched: database postgres://pasched@"+addr+"/pasched?sslmode=disable is unreachable (not starting)") ||
		strings.Contains(msg, "secret") || strings.Contains(msg, "pasched ready") {
		t.Fatalf("message:\n%s", msg)
	}
}

// TestJobsDeadAfterSetting: JOBS_DEAD_AFTER is a Go duration of at least a
// second; anything else stops the start with the variable's name.
func TestJobsDeadAfterSetting(t *testing.T) {
	for _, c := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{{"", 0, true}, {"1s", time.Second, true}, {"2m", 2 * time.Minute, true}, {"500ms", 0, false}, {"15", 0, false}, {"-3s", 0, false}} {
		t.Setenv("JOBS_DEAD_AFTER", c.v)
		cfg, err := loadConfig()
		switch {
		case !c.ok && (err == nil || !strings.Contains(err.Error(), "JOBS_DEAD_AFTER")):
			t.Errorf("JOBS_DEAD_AFTER=%q: err %v, want one naming the variable", c.v, err)
		case c.ok && err != nil:
			t.Errorf("JOBS_DEAD_AFTER=%q: %v", c.v, err)
		case c.ok && cfg.JobsDeadAfter != c.want:
			t.Errorf("JOBS_DEAD_AFTER=%q: %v, want %v", c.v, cfg.JobsDeadAfter, c.want)
		}
	}
}
