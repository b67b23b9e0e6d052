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
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// binary is the pasched to start: this test binary, which runs main when
// its environment (baseEnv) has runAsMain (see TestMain).
func binary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// instance is one running `pasched serve`.
type instance struct {
	base      string
	addr      string // host:port
	pprofAddr string // with PPROF_ADDR
	cmd       *exec.Cmd

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
	// GOGC and GOMEMLIMIT as the runtime applies them ("pasched ready").
	GOGC        uint64 `json:"gogc"`
	MemoryLimit uint64 `json:"memory_limit"`
	Raw         string `json:"-"`
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
	return append(os.Environ(), runAsMain+"=1",
		"DATABASE_URL="+databaseURL,
		"SECRET_KEY=e2e-secret",
		"EMAIL_BACKEND=file",
		"EMAIL_FILE_PATH="+filepath.Join(dir, "mail"),
		"ALLOWED_HOSTS=127.0.0.1,localhost",
		"CORS_ALLOWED_ORIGINS=http://localhost:3000",
		"THROTTLE_LOGIN_IP=0", "THROTTLE_LOGIN_ACCOUNT=0", "THROTTLE_REGISTER_IP=0",
	)
}

// migratedSQLite returns the DATABASE_URL of a migrated, empty SQLite
// database (sqltest's template, copied to a directory of the test's own,
// in memory when the machine has a tmpfs): the processes the test starts
// find nothing to migrate. Migrating an empty file costs each test ~60 ms
// of CPU (River's migrations most); TestServeSQLite keeps an empty file in
// its directory, so a first start on one is still tested.
func migratedSQLite(t *testing.T) string {
	t.Helper()
	return sqltest.SQLiteURL(t)
}

// startServe runs `pasched serve --addr 127.0.0.1:0` and waits for its
// "pasched ready" log line, which carries the bound address. The process is
// stopped with SIGTERM when the test ends, and must exit 0.
func startServe(t *testing.T, dir, databaseURL string, env ...string) *instance {
	t.Helper()
	in := launchServe(t, dir, databaseURL, env...)
	t.Cleanup(func() { in.stop(t, 20*time.Second) })
	return in
}

// launchServe is startServe without the clean stop at the end of the test,
// for tests that kill the process themselves; a serve that does not get
// ready is killed.
func launchServe(t *testing.T, dir, databaseURL string, env ...string) *instance {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(baseEnv(dir, databaseURL), env...)
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
			switch line.Msg {
			case "pasched ready":
				ready <- line.Addr
			case "pprof listening":
				in.pprofAddr = line.Addr // before "pasched ready"
			}
		}
		in.err = cmd.Wait()
		close(in.exited)
	}()
	select {
	case addr := <-ready:
		in.addr = addr
		in.base = "http://" + addr
	case <-in.exited:
		t.Fatalf("serve exited before ready: %v", in.err)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-in.exited
		t.Fatal("serve not ready within 60 s")
	}
	return in
}

func createAdminCmd(t *testing.T, dir, databaseURL string, env ...string) {
	t.Helper()
	cmd := exec.Command(binary(t), "createadmin", "--email", "admin@example.com", "--password", "Adm1n-Pass-2030!",
		"--first-name", "Ada", "--last-name", "Admin", "--phone", "555-0100")
	cmd.Dir = dir
	cmd.Env = append(baseEnv(dir, databaseURL), env...)
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
// signs in through it, with argon2id's production cost (the other tests'
// processes hash at the test cost).
func TestServeSQLite(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	dbURL := "sqlite:///" + filepath.Join(dir, "pasched.db")
	createAdminCmd(t, dir, dbURL, passwordCost+"=production")
	db, err := sqlstore.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var hash string
	err = db.QueryRowContext(context.Background(), `SELECT password FROM users WHERE email = 'admin@example.com'`).Scan(&hash)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(hash, prefix) {
		t.Fatalf("createadmin stored %q, want an argon2id hash of production cost (%s…)", hash, prefix)
	}
	a := startServe(t, dir, dbURL, passwordCost+"=production", "PPROF_ADDR=127.0.0.1:0", "GOMEMLIMIT=64MiB", "GOGC=")
	call(t, "GET", a.base+"/healthz", "", nil, 200)
	// GOMEMLIMIT from the environment stands; without GOGC serve sets 200.
	for _, l := range a.lines() {
		if l.Msg == "pasched ready" && (l.MemoryLimit != 64<<20 || l.GOGC != 200) {
			t.Errorf("ready with gogc %d, memory_limit %d; want 200 and %d", l.GOGC, l.MemoryLimit, 64<<20)
		}
	}
	tok := loginAs(t, a.base, "admin@example.com", "Adm1n-Pass-2030!")
	me := call(t, "GET", a.base+"/api/auth/me/", tok, nil, 200)
	if me["role"] != "ADMIN" || me["email"] != "admin@example.com" {
		t.Fatalf("me = %v", me)
	}
	// Profiling is on its own loopback listener, never on the API's.
	if a.pprofAddr == "" {
		t.Fatal("no pprof listener with PPROF_ADDR set")
	}
	res, err := http.Get("http://" + a.pprofAddr + "/debug/pprof/")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("pprof index: %v %v", res, err)
	}
	res.Body.Close()
	if res, err := http.Get(a.base + "/debug/pprof/"); err != nil || res.StatusCode != 404 {
		t.Fatalf("pprof on the API port: %v %v", res, err)
	} else {
		res.Body.Close()
	}
}

// TestPprofRefusesPublicAddress: PPROF_ADDR on a non-loopback address stops
// serve before it starts.
func TestPprofRefusesPublicAddress(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	cmd := exec.Command(binary(t), "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(baseEnv(dir, "sqlite:///"+filepath.Join(dir, "pasched.db")), "PPROF_ADDR=0.0.0.0:0")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "only a loopback address is allowed") {
		t.Fatalf("serve with PPROF_ADDR=0.0.0.0:0: %v\n%s", err, out)
	}
}

// TestTwoInstancesPostgres starts two serve processes on one PostgreSQL
// database (the events travel by NOTIFY): clients of instance B receive, in
// order, the events of requests, an approval, a rejection and a
// finalisation made through instance A, each client only what it may see.
func TestTwoInstancesPostgres(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dbURL := sqltest.PostgresSchemaURL(t)
	dir := t.TempDir()
	createAdminCmd(t, dir, dbURL)
	a := startServe(t, dir, dbURL)
	b := startServe(t, dir, dbURL)

	admin := loginAs(t, a.base, "admin@example.com", "Adm1n-Pass-2030!")
	adminID := int64(call(t, "GET", a.base+"/api/auth/me/", admin, nil, 200)["id"].(float64))
	aliceID, alice := registerPA(t, a.base, "alice@example.com", "Alicia", "Anderson")
	_, bob := registerPA(t, a.base, "bob@example.com", "Bob", "Brown")
	pid := id(call(t, "POST", a.base+"/api/schedule-periods/", admin, map[string]string{
		"name": "March 2030", "start_date": "2030-03-01", "end_date": "2030-03-31"}, 201))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := func(tok string) string { return wsURL(b, strconv.FormatInt(pid, 10), tok) }
	// Reading connection.established means the socket is registered, and
	// B reported ready only once it LISTENed: every event from now on
	// reaches these sockets.
	adminB, _ := dialWS(ctx, t, "admin on B", url(admin))
	aliceB, _ := dialWS(ctx, t, "alice on B", url(alice))
	bobB, _ := dialWS(ctx, t, "bob on B", url(bob))

	// Everything is done through A.
	post := func(path, tok string, body any, want int) map[string]any {
		return call(t, "POST", a.base+path, tok, body, want)
	}
	request := func(date, start, end, notes string) shiftFields {
		r := post("/api/shifts/", alice, map[string]any{"schedule_period": pid, "date": date, "start_time": start,
			"end_time": end, "notes": notes}, 201)
		return shiftFields{period: pid, periodName: "March 2030", approver: adminID, id: id(r), by: aliceID,
			byName: "Alicia Anderson", date: date, start: start + ":00", end: end + ":00", hours: "3.00",
			status: "PENDING", notes: notes, adminNotes: str("")}
	}
	const requestedMsg = "Alicia Anderson submitted a new shift request"

	s1 := request("2030-03-02", "06:00", "09:00", "Morning block")
	post(fmt.Sprintf("/api/shifts/%d/approve/", s1.id), admin, map[string]string{"admin_notes": "Welcome aboard"}, 200)
	s2 := request("2030-03-03", "10:00", "13:00", "Late morning")
	post(fmt.Sprintf("/api/shifts/%d/reject/", s2.id), admin, map[string]string{"rejected_reason": "Already covered"}, 200)
	s3 := request("2030-03-04", "06:00", "09:00", "Pending at the end")
	post(fmt.Sprintf("/api/schedule-periods/%d/finalize/", pid), admin, nil, 200)

	s1a := s1
	s1a.status, s1a.adminNotes, s1a.approved = "APPROVED", str("Welcome aboard"), true
	s1p := s1a
	s1p.adminNotes = nil
	s2r := s2
	s2r.status, s2r.rejected = "REJECTED", "Already covered"
	s3r := s3
	s3r.status, s3r.rejected = "REJECTED", "Schedule period has been finalized"
	cov := coverage("2030-03-02", true, false, "partial", s1.id, nil)
	finalized := finalizedEvent(pid, adminID, 3)
	full := []obj{
		event("shift.requested", s1.obj(), requestedMsg),
		event("shift.approved", s1a.obj(), "Shift approved by Ada Admin"), cov,
		event("shift.requested", s2.obj(), requestedMsg),
		event("shift.rejected", s2r.obj(), "Shift rejected by Ada Admin"),
		event("shift.requested", s3.obj(), requestedMsg),
		event("shift.rejected", s3r.obj(), "Schedule period has been finalized"),
		finalized,
	}
	// Bob, another PA, sees the approved calendar entry without its admin
	// notes, the coverage and the period; nothing of Alicia's requests.
	// Notifications arrive in commit order, so what he has not received
	// by period.finalized, the last change, was not sent to him.
	public := []obj{event("shift.approved", s1p.obj(), "Shift approved by Ada Admin"), cov, finalized}

	for _, tc := range []struct {
		c    *wsClient
		want []obj
	}{{adminB, full}, {aliceB, full}, {bobB, public}} {
		var got []obj
		for len(got) == 0 || got[len(got)-1]["type"] != "period.finalized" {
			m := tc.c.next()
			placeholdTimes(t, m)
			got = append(got, m)
			if len(got) > len(tc.want)+5 {
				break
			}
		}
		if g, w := canon(got), canon(tc.want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s received\n%s\nwant\n%s", tc.c.name, indent(g), indent(w))
		}
		tc.c.expect("after finalize") // and nothing else is queued
	}

	// createadmin on the existing admin, while A and B serve, changes their
	// row (name, password): the command announces the change before it
	// exits, a NOTIFY on the deployment's channel, and B, which has the
	// admin in its user cache since the requests above, answers with the
	// new name.
	listener, channel := listenDeployment(ctx, t, dbURL)
	cmd := exec.Command(binary(t), "createadmin", "--email", "admin@example.com", "--password", "Adm1n-Pass-2031!",
		"--first-name", "Adaline", "--last-name", "Admin", "--phone", "555-0100")
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("createadmin again: %v\n%s", err, out)
	}
	nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
	defer ncancel()
	if n, err := listener.WaitForNotification(nctx); err != nil {
		t.Fatalf("no NOTIFY on %s within 10 s of createadmin changing the admin: %v", channel, err)
	} else if n.Channel != channel {
		t.Fatalf("NOTIFY on %q, want %q", n.Channel, channel)
	}
	for {
		if call(t, "GET", b.base+"/api/auth/me/", admin, nil, 200)["first_name"] == "Adaline" {
			break
		}
		select {
		case <-nctx.Done():
			t.Fatal("B still answers the admin's old name 10 s after createadmin changed it")
		case <-time.After(20 * time.Millisecond):
		}
	}
	loginAs(t, b.base, "admin@example.com", "Adm1n-Pass-2031!")
}

// listenDeployment LISTENs on the realtime channel of the deployment at
// dbURL (its schema's: pgChannel) on a connection of its own.
func listenDeployment(ctx context.Context, t *testing.T, dbURL string) (*pgx.Conn, string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	channel := pgChannel(schema)
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return conn, channel
}
