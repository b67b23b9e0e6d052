package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"pasched/sqlstore/sqltest"
)

// binary builds pasched once per test run; under -race the binary is
// built with the race detector too, and a race it reports fails the test
// (see instance.stop).
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pasched-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "pasched")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is one running `pasched serve`.
type instance struct {
	base string
	addr string // host:port
	cmd  *exec.Cmd

	exited chan struct{} // closed once the process has exited
	err    error         // cmd.Wait's answer, once exited is closed

	mu   sync.Mutex
	logs []logLine // every line of its stderr, in order
}

// logLine is one line of serve's stderr: JSON log records have Msg set;
// anything else (a panic, the race detector) only Raw.
type logLine struct {
	Msg     string `json:"msg"`
	Addr    string `json:"addr"`
	Sockets *int   `json:"sockets"`
	Raw     string `json:"-"`
}

// lines returns a copy of the log so far.
func (in *instance) lines() []logLine {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]logLine(nil), in.logs...)
}

// stop sends SIGTERM and waits (bounded) for the process to exit; it fails
// the test if serve did not exit 0 or the race detector spoke. Only the
// first call signals.
func (in *instance) stop(t *testing.T, bound time.Duration) {
	t.Helper()
	select {
	case <-in.exited:
	default:
		in.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-in.exited:
	case <-time.After(bound):
		in.cmd.Process.Kill()
		<-in.exited
		t.Errorf("serve did not exit within %v of SIGTERM", bound)
	}
	if in.err != nil {
		t.Errorf("serve exited with %v", in.err)
	}
	for _, l := range in.lines() {
		if strings.Contains(l.Raw, "DATA RACE") || strings.HasPrefix(l.Raw, "panic:") {
			t.Errorf("serve reported: %s", l.Raw)
		}
	}
}

func baseEnv(dir, databaseURL string) []string {
	return append(os.Environ(),
		"DATABASE_URL="+databaseURL,
		"SECRET_KEY=e2e-secret",
		"EMAIL_BACKEND=file",
		"EMAIL_FILE_PATH="+filepath.Join(dir, "mail"),
		"ALLOWED_HOSTS=127.0.0.1,localhost",
		"CORS_ALLOWED_ORIGINS=http://localhost:3000",
		"THROTTLE_LOGIN_IP=0", "THROTTLE_LOGIN_ACCOUNT=0", "THROTTLE_REGISTER_IP=0",
	)
}

// startServe runs `pasched serve --addr 127.0.0.1:0` and waits for its
// "pasched ready" log line, which carries the bound address. The process is
// stopped with SIGTERM when the test ends, and must exit 0.
func startServe(t *testing.T, dir, databaseURL string) *instance {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, databaseURL)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, exited: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line logLine
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				line = logLine{}
			}
			line.Raw = sc.Text()
			in.mu.Lock()
			in.logs = append(in.logs, line)
			in.mu.Unlock()
			if line.Msg == "pasched ready" {
				ready <- line.Addr
			}
		}
		in.err = cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(func() { in.stop(t, 20*time.Second) })
	select {
	case addr := <-ready:
		in.addr = addr
		in.base = "http://" + addr
	case <-in.exited:
		t.Fatalf("serve exited before ready: %v", in.err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve not ready within 60 s")
	}
	return in
}

func createAdminCmd(t *testing.T, dir, databaseURL string) {
	t.Helper()
	cmd := exec.Command(binary(t), "createadmin", "--email", "admin@example.com", "--password", "Adm1n-Pass-2030!",
		"--first-name", "Ada", "--last-name", "Admin", "--phone", "555-0100")
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, databaseURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("createadmin: %v\n%s", err, out)
	}
}

// call sends a JSON request and decodes a JSON answer.
func call(t *testing.T, method, url, tok string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, res.StatusCode, want, data)
	}
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}

func loginAs(t *testing.T, base, email, password string) string {
	t.Helper()
	res := call(t, "POST", base+"/api/auth/login/", "", map[string]string{"email": email, "password": password}, 200)
	return res["tokens"].(map[string]any)["access"].(string)
}

// TestServeSQLite starts the real binary on a temporary SQLite file and
// signs in through it.
func TestServeSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	dbURL := "sqlite:///" + filepath.Join(dir, "pasched.db")
	createAdminCmd(t, dir, dbURL)
	a := startServe(t, dir, dbURL)
	call(t, "GET", a.base+"/healthz", "", nil, 200)
	tok := loginAs(t, a.base, "admin@example.com", "Adm1n-Pass-2030!")
	me := call(t, "GET", a.base+"/api/auth/me/", tok, nil, 200)
	if me["role"] != "ADMIN" || me["email"] != "admin@example.com" {
		t.Fatalf("me = %v", me)
	}
}

// TestTwoInstancesPostgres starts two serve processes on one PostgreSQL
// database: a client of instance B receives, in order, the events of a
// request and an approval made through instance A.
func TestTwoInstancesPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dbURL := sqltest.PostgresSchemaURL(t)
	dir := t.TempDir()
	createAdminCmd(t, dir, dbURL)
	a := startServe(t, dir, dbURL)
	b := startServe(t, dir, dbURL)

	admin := loginAs(t, a.base, "admin@example.com", "Adm1n-Pass-2030!")
	call(t, "POST", a.base+"/api/auth/register/", "", map[string]string{
		"email": "alice@example.com", "username": "alice", "first_name": "Alice", "last_name": "Anderson",
		"phone_number": "555-0101", "password": "Sunflower-Orbit-42", "password_confirm": "Sunflower-Orbit-42"}, 201)
	alice := loginAs(t, a.base, "alice@example.com", "Sunflower-Orbit-42")
	period := call(t, "POST", a.base+"/api/schedule-periods/", admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201)
	pid := int64(period["id"].(float64))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := strings.Replace(b.base, "http", "ws", 1) + fmt.Sprintf("/ws/schedule/%d/?token=%s", pid, admin)
	conn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	next := func() map[string]any {
		t.Helper()
		_, msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var m map[string]any
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := next(); m["type"] != "connection.established" {
		t.Fatalf("first message %v", m)
	}

	shift := call(t, "POST", a.base+"/api/shifts/", alice, map[string]any{
		"schedule_period": pid, "date": "2030-03-02", "start_time": "06:00", "end_time": "09:00", "notes": "Morning block"}, 201)
	sid := shift["id"].(float64)
	call(t, "POST", fmt.Sprintf("%s/api/shifts/%d/approve/", a.base, int64(sid)), admin, map[string]string{"admin_notes": "Welcome aboard"}, 200)

	var types []string
	for len(types) < 2 || types[len(types)-1] != "shift.approved" {
		m := next()
		if m["type"] == "coverage.alert" {
			continue // coverage changes travel too; the order of the shift events is what matters here
		}
		s, _ := m["shift"].(map[string]any)
		if s == nil || s["id"] != sid {
			t.Fatalf("event %v is not about shift %v", m, sid)
		}
		types = append(types, m["type"].(string))
		if len(types) > 2 {
			break
		}
	}
	if strings.Join(types, ",") != "shift.requested,shift.approved" {
		t.Fatalf("events on instance B: %v, want shift.requested then shift.approved", types)
	}
}
