package jobs_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched/jobs"
	"pasched/mail"
	"pasched/mail/smtptest"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// burst is the size of the email burst BenchmarkEmailDrain sends.
const burst = 5000

// BenchmarkEmailDrain: 5,000 email jobs committed at once are drained by
// one process's workers, with their sent marks, to the file backend (one .eml
// each) or over SMTP (the production path) to a sink in a process of its own
// (smtptest, re-executing this test binary); reports emails per second from
// the workers' start until the last job is completed.
//
//	go test -run '^$' -bench EmailDrain -benchtime 1x ./jobs/
func BenchmarkEmailDrain(b *testing.B) {
	for _, d := range sqltest.Dialects() {
		for _, backend := range []string{mail.BackendFile, mail.BackendSMTP} {
			b.Run(string(d)+"/"+backend, func(b *testing.B) {
				var total, cpu, sinkCPU time.Duration
				for range b.N {
					took, used, sink := drainOnce(b, d, backend)
					total, cpu, sinkCPU = total+took, cpu+used, sinkCPU+sink
				}
				b.ReportMetric(float64(burst*b.N)/total.Seconds(), "emails/s")
				b.ReportMetric(total.Seconds()/float64(b.N), "s/burst")
				// CPU of this process (workers and, on SQLite, the database)
				// per email: what the figure costs on a machine shared with
				// others. PostgreSQL's own CPU is not counted, nor the sink's
				// (reported apart: on this machine it shares the cores).
				b.ReportMetric(float64(cpu.Microseconds())/float64(burst*b.N), "cpu-µs/email")
				if backend == mail.BackendSMTP {
					b.ReportMetric(float64(sinkCPU.Microseconds())/float64(burst*b.N), "sink-cpu-µs/email")
				}
			})
		}
	}
}

// sinkEnv makes the test binary an SMTP sink (see init): it prints its port,
// serves until its stdin closes, then prints how many messages it accepted
// and the CPU it used.
const sinkEnv = "PASCHED_BENCH_SMTP_SINK"

func init() {
	if os.Getenv(sinkEnv) == "" {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	srv := smtptest.Serve(ln)
	fmt.Println(srv.Port())
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	fmt.Println(len(srv.Messages()), processCPU().Microseconds())
	os.Exit(0)
}

// sink is an SMTP sink in a child process.
type sink struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Scanner
	port int
}

func startSink(b *testing.B) *sink {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), sinkEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &sink{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if !s.out.Scan() {
		b.Fatal("smtp sink: no port")
	}
	if s.port, err = strconv.Atoi(s.out.Text()); err != nil {
		b.Fatalf("smtp sink: %q", s.out.Text())
	}
	return s
}

// stop ends the sink and returns how many messages it accepted and its CPU.
func (s *sink) stop(b *testing.B) (int, time.Duration) {
	s.in.Close()
	var n int
	var us int64
	if !s.out.Scan() {
		b.Fatal("smtp sink: no count")
	}
	if _, err := fmt.Sscan(s.out.Text(), &n, &us); err != nil {
		b.Fatalf("smtp sink: %q: %v", s.out.Text(), err)
	}
	if err := s.cmd.Wait(); err != nil {
		b.Fatal(err)
	}
	return n, time.Duration(us) * time.Microsecond
}

func drainOnce(b *testing.B, d sqlstore.Dialect, backend string) (took, cpu, sinkCPU time.Duration) {
	b.StopTimer()
	ctx := context.Background()
	db := sqltest.Open(b, d)
	dir := b.TempDir()
	var sender mail.Sender
	var smtpSink *sink
	var err error
	if backend == mail.BackendSMTP {
		smtpSink = startSink(b)
		sender, err = mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: smtpSink.port, From: "noreply@example.com"})
	} else {
		sender, err = mail.NewFile(filepath.Join(dir, "mail"), "noreply@example.com")
	}
	if err != nil {
		b.Fatal(err)
	}
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close()
	m, _ := mail.Verification("pa@example.test", "PA", "http://frontend.test/verify-email?token=x")
	params := make([]river.InsertManyParams, burst)
	for i := range params {
		params[i] = river.InsertManyParams{Args: jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: fmt.Sprint("burst:", i)}}
	}
	if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := sys.Client.InsertManyFastTx(ctx, tx.SQL(), params)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	start, cpu0 := time.Now(), processCPU()
	if err := sys.Start(ctx); err != nil {
		b.Fatal(err)
	}
	waitAllCompleted(ctx, b, db, burst, 5*time.Minute)
	took, cpu = time.Since(start), processCPU()-cpu0
	b.StopTimer()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sys.Stop(sctx)
	if smtpSink != nil {
		n, used := smtpSink.stop(b)
		if n != burst {
			b.Fatalf("%d messages received, want %d", n, burst)
		}
		return took, cpu, used
	}
	files, _ := os.ReadDir(filepath.Join(dir, "mail"))
	if len(files) != burst {
		b.Fatalf("%d files, want %d", len(files), burst)
	}
	return took, cpu, 0
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// quietLogger drops River's per-job logs, which would otherwise dominate
// the benchmark's output.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// waitAllCompleted polls until every River job is completed, failing b if
// some of the total are still left within (a benchmark's drain bound).
func waitAllCompleted(ctx context.Context, b *testing.B, db *sqlstore.DB, total int, within time.Duration) {
	b.Helper()
	deadline := time.Now().Add(within)
	for {
		var left int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state <> 'completed'`).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs left after %v", left, total, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
