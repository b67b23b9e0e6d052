package jobs_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"pasched/jobs"
	"pasched/mail"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// BenchmarkInsertEmailJob inserts one approval's email job (its rendered
// message) in a transaction of its own, the way a change does, by each
// path: River's database/sql driver, and River's pgx driver on the
// transaction's connection with COPY (InsertManyFastTx) or with an INSERT
// (InsertManyTx). It reports this process's CPU and the PostgreSQL
// backend's per job (the backend's from /proc, so PostgreSQL must run on
// this machine).
//
//	TEST_DATABASE_URL=… go test -run '^$' -bench InsertEmailJob -benchtime 3000x ./jobs/
func BenchmarkInsertEmailJob(b *testing.B) {
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.Postgres)
	sender, _ := mail.NewFile(b.TempDir(), "noreply@example.com")
	sys, err := jobs.New(ctx, jobs.Opts{DB: db, Sender: sender, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer sys.Close()
	m, err := mail.ShiftApproved("pa@example.test", mail.ShiftEmail{PAName: "Alice Example", PAEmail: "pa@example.test",
		AdminName: "Admin Example", ShiftDate: "Monday, March 04, 2030", StartTime: "08:00 AM", EndTime: "12:00 PM",
		Duration: "4.00", PeriodName: "Spring 2030"})
	if err != nil {
		b.Fatal(err)
	}
	params := []river.InsertManyParams{{Args: jobs.EmailArgs{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, Event: "shift_approved:1"}}}
	paths := []struct {
		name   string
		insert func(tx *sqlstore.Tx) error
	}{
		{"databasesql", func(tx *sqlstore.Tx) error {
			_, err := sys.Client.InsertManyFastTx(ctx, tx.SQL(), params)
			return err
		}},
		{"pgx-copy", func(tx *sqlstore.Tx) error { return jobs.InsertManyTx(ctx, sys.Client, sys.PGX, tx, params) }},
		{"pgx-insert", func(tx *sqlstore.Tx) error {
			return tx.PGX(func(c *pgx.Conn) error {
				_, err := sys.PGX.InsertManyTx(ctx, jobs.InTxForBench(c), params)
				return err
			})
		}},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			var backend int
			cpu0 := processCPU()
			var pg0 time.Duration
			for i := range b.N {
				err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
					if i == 0 {
						if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
							return err
						}
						pg0 = procCPU(b, backend)
					}
					return p.insert(tx)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "client-cpu-µs/job")
			// The pool may hand out other connections: only the first
			// one's backend is measured, over the jobs it ran.
			b.ReportMetric(float64((procCPU(b, backend)-pg0).Microseconds())/float64(b.N), "pg-cpu-µs/job")
		})
	}
}

// procCPU is the user+system CPU of process pid so far.
func procCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data)[strings.LastIndexByte(string(data), ')')+2:])
	u, _ := strconv.Atoi(f[11])
	s, _ := strconv.Atoi(f[12])
	return time.Duration(u+s) * time.Second / 100
}
