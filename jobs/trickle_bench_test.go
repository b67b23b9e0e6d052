package jobs_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"pasched"
	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// BenchmarkEmailTrickle: approvals' emails as they come under load — one
// notification email (an approval's, rendered, with the recipient's
// settings applied at send time) committed per transaction at a steady
// rate (TRICKLE_RATE a second, default 300), TRICKLE_EMAILS of them
// (default 3,000), sent over SMTP to a sink in a process of its own.
// Reports the CPU per email of this process (inserts, workers, sends),
// of the database's backends on PostgreSQL (from /proc: PostgreSQL must
// run on this machine) and of the sink. Unlike BenchmarkEmailDrain's
// burst, the sends come a few at a time, so little of their database work
// is shared.
//
//	TEST_DATABASE_URL=… go test -run '^$' -bench EmailTrickle -benchtime 1x ./jobs/
func BenchmarkEmailTrickle(b *testing.B) {
	rate, emails := envInt(b, "TRICKLE_RATE", 300), envInt(b, "TRICKLE_EMAILS", 3000)
	for _, d := range sqltest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			var cpu, pg, sinkCPU time.Duration
			for range b.N {
				c, p, s := trickleOnce(b, d, rate, emails)
				cpu, pg, sinkCPU = cpu+c, pg+p, sinkCPU+s
			}
			n := float64(emails * b.N)
			b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-µs/email")
			if d == sqlstore.Postgres {
				b.ReportMetric(float64(pg.Microseconds())/n, "pg-cpu-µs/email")
			}
			b.ReportMetric(float64(sinkCPU.Microseconds())/n, "sink-cpu-µs/email")
		})
	}
}

func envInt(b *testing.B, name string, def int) int {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q", name, v)
		}
		return n
	}
	return def
}

func trickleOnce(b *testing.B, d sqlstore.Dialect, rate, emails int) (cpu, pg, sinkCPU time.Duration) {
	b.StopTimer()
	ctx := context.Background()
	db := sqltest.Open(b, d)
	smtpSink := startSink(b)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: "127.0.0.1", Port: smtpSink.port, From: "noreply@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	policy := &jobs.Policy{DB: db, Signer: token.NewSigner("trickle-bench-key"), BaseURL: "http://pasched.test"}
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Work: true, Logger: quietLogger(), Policy: policy})
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close()
	if err := sys.Start(ctx); err != nil {
		b.Fatal(err)
	}
	m, err := mail.ShiftApproved("pa@example.test", mail.ShiftEmail{PAName: "Alice Example", PAEmail: "pa@example.test",
		AdminName: "Admin Example", ShiftDate: "Monday, March 04, 2030", ShortDate: "Mar 04, 2030", StartTime: "08:00 AM",
		EndTime: "12:00 PM", Duration: "4.00", PeriodName: "Spring 2030", FrontendURL: "http://frontend.test"})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2030, 3, 4, 8, 0, 0, 0, time.UTC)
	b.StartTimer()
	cpu0, pg0 := processCPU(), backendsCPU(b, db, nil)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	for i := range emails {
		<-tick.C
		params := []river.InsertManyParams{{Args: jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
			Event: fmt.Sprint("shift_approved:", i), Notify: pasched.NotifyShiftApproved, UserID: int64(1 + i%20), ShiftStart: &start}}}
		if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error { return jobs.InsertManyTx(ctx, sys.Client, sys.PGX, tx, params) }); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	waitAllCompleted(ctx, b, db, emails, time.Minute) // a minute after the last insert
	cpu, pg = processCPU()-cpu0, backendsCPU(b, db, pg0).total-pg0.total
	b.StopTimer()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sys.Stop(sctx)
	n, used := smtpSink.stop(b)
	if n != emails {
		b.Fatalf("%d messages received, want %d", n, emails)
	}
	return cpu, pg, used
}

// pgCPU is the CPU the backends of a database had used, by pid.
type pgCPU struct {
	at    map[int]time.Duration
	total time.Duration
}

// backendsCPU returns the CPU of the backends connected to db's database
// (nothing on SQLite). Given an earlier reading, a backend alive at both
// counts its CPU since then and a new one all of its own (one that ended
// in between is lost); total is then the earlier total plus that.
func backendsCPU(b *testing.B, db *sqlstore.DB, before *pgCPU) *pgCPU {
	r := &pgCPU{at: map[int]time.Duration{}}
	if db.Dialect != sqlstore.Postgres {
		return r
	}
	rows, err := db.QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if before != nil {
		r.total = before.total
	}
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue // ended meanwhile
		}
		f := strings.Fields(string(data)[strings.LastIndexByte(string(data), ')')+2:])
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		t := time.Duration(u+s) * time.Second / 100
		r.at[pid] = t
		if before != nil {
			r.total += t - before.at[pid]
		} else {
			r.total += t
		}
	}
	return r
}
