package jobs_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// burst is the size of the email burst BenchmarkEmailDrain sends.
const burst = 5000

// BenchmarkEmailDrain: 5,000 email jobs committed at once are drained by
// one process's workers to the file backend (one synced .eml each), with
// their sent marks; reports emails per second from the workers' start until
// the last job is completed.
//
//	go test -run '^$' -bench EmailDrain -benchtime 1x ./jobs/
func BenchmarkEmailDrain(b *testing.B) {
	for _, d := range sqltest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			var total, cpu time.Duration
			for range b.N {
				took, used := drainOnce(b, d)
				total, cpu = total+took, cpu+used
			}
			b.ReportMetric(float64(burst*b.N)/total.Seconds(), "emails/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/burst")
			// CPU of this process (workers and, on SQLite, the database)
			// per email: what the figure costs on a machine shared with
			// others. PostgreSQL's own CPU is not counted.
			b.ReportMetric(float64(cpu.Microseconds())/float64(burst*b.N), "cpu-µs/email")
		})
	}
}

func drainOnce(b *testing.B, d sqlstore.Dialect) (took, cpu time.Duration) {
	b.StopTimer()
	ctx := context.Background()
	db := sqltest.Open(b, d)
	dir := b.TempDir()
	sender, err := mail.NewFile(filepath.Join(dir, "mail"), "noreply@example.com")
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
	deadline := start.Add(5 * time.Minute)
	for {
		var left int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE state <> 'completed'`).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d jobs left after 5 minutes", left, burst)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took, cpu = time.Since(start), processCPU()-cpu0
	b.StopTimer()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sys.Stop(sctx)
	files, _ := os.ReadDir(filepath.Join(dir, "mail"))
	if len(files) != burst {
		b.Fatalf("%d files, want %d", len(files), burst)
	}
	return took, cpu
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
