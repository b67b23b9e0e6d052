package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a `pasched serve` this tool started (-serve): its pid is known
// exactly, so its memory is the server's own, and it is stopped at the end.
type server struct {
	cmd       *exec.Cmd
	dir       string
	base      string
	pprofAddr string
	exited    chan struct{}
	waitErr   error
}

// adminPassword is the password of the admin wsload creates.
const adminPassword = "Wsload-Admin-2030!"

// startServer creates an admin with `pasched createadmin` and starts
// `pasched serve` on a fresh SQLite database, on a loopback port, with
// pprof on another loopback port.
func startServer(ctx context.Context, bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "wsload")
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 24)
	rand.Read(secret)
	env := append(os.Environ(),
		"DATABASE_URL=sqlite:///"+filepath.Join(dir, "pasched.db"),
		"SECRET_KEY="+hex.EncodeToString(secret),
		"EMAIL_BACKEND=file", "EMAIL_FILE_PATH="+filepath.Join(dir, "mail"),
		"ALLOWED_HOSTS=127.0.0.1,localhost",
		"THROTTLE_LOGIN_IP=0", "THROTTLE_LOGIN_ACCOUNT=0",
		"PPROF_ADDR=127.0.0.1:0",
	)
	admin := exec.CommandContext(ctx, bin, "createadmin", "--email", "admin@example.com", "--password", adminPassword,
		"--first-name", "Ada", "--last-name", "Admin")
	admin.Dir, admin.Env = dir, env
	if out, err := admin.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("createadmin: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{cmd: cmd, dir: dir, exited: make(chan struct{})}
	ready := make(chan string, 1)
	pprofc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr, Level string }
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				fmt.Fprintln(os.Stderr, "serve:", sc.Text())
				continue
			}
			switch {
			case line.Msg == "pasched ready":
				ready <- line.Addr
			case line.Msg == "pprof listening":
				pprofc <- line.Addr
			case line.Level == "ERROR" || line.Level == "WARN":
				fmt.Fprintln(os.Stderr, "serve:", sc.Text())
			}
		}
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	t := time.NewTimer(60 * time.Second)
	defer t.Stop()
	for s.base == "" {
		select {
		case a := <-pprofc:
			s.pprofAddr = a
		case a := <-ready:
			s.base = "http://" + a
		case <-s.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("serve exited before ready: %v", s.waitErr)
		case <-t.C:
			s.kill()
			return nil, errors.New("serve not ready within 60 s")
		}
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM and waits (up to 20 s) for a clean exit; it returns
// how long the exit took.
func (s *server) stop() (time.Duration, error) {
	defer os.RemoveAll(s.dir)
	t0 := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return time.Since(t0), errors.New("serve did not exit within 20 s of SIGTERM; killed")
	}
	if s.waitErr != nil {
		return time.Since(t0), fmt.Errorf("serve exited with %v", s.waitErr)
	}
	return time.Since(t0), nil
}

func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.exited
	os.RemoveAll(s.dir)
}

// checkServePID refuses a pid that is not a `pasched serve` process, so
// that -pid measures the server and not, say, the shell or `go run` that
// started it.
func checkServePID(pid int) error {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return fmt.Errorf("-pid %d: %w", pid, err)
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) < 2 || !strings.Contains(filepath.Base(args[0]), "pasched") || args[1] != "serve" {
		return fmt.Errorf("-pid %d is %q, not a `pasched serve` process: pass the server's own pid (e.g. $! after starting the built binary, not `go run`)", pid, args)
	}
	return nil
}

// rss is a process's resident set in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
