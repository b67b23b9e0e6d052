package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"pasched"
	"pasched/schedule"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

func BenchmarkProbe(b *testing.B) {
	ctx := context.Background()
	db := sqltest.Open(b, sqlstore.SQLite)
	now := time.Now().UTC().Format(time.RFC3339)
	var ids []int64
	db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := 0; i < 21; i++ {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: fmt.Sprintf("u%d@x", i), Username: fmt.Sprint("u", i), FirstName: "F", LastName: "L", PhoneNumber: "1", Role: "PA", PasswordHash: "x"})
			if err != nil { b.Fatal(err) }
			ids = append(ids, u.ID)
		}
		tx.ExecContext(ctx, `INSERT INTO schedule_periods (name,start_date,end_date,status,created_by_id,created_at,updated_at) VALUES ('p','2030-01-01','2030-12-31','OPEN',$1,$2,$2)`, ids[20], now)
		for d := 1; d <= 31; d++ {
			for i := 0; i < 20; i++ {
				_, err := tx.ExecContext(ctx, `INSERT INTO shift_requests (schedule_period_id, requested_by_id, date, start_time, end_time, duration_hours, status, notes, admin_notes, rejected_reason, created_at, updated_at) VALUES (1,$1,$2,$3,$4,'5.00','APPROVED','Notes for the day','','',$5,$5)`,
					ids[i], fmt.Sprintf("2030-03-%02d", d), fmt.Sprintf("%02d:00:00", i+1), fmt.Sprintf("%02d:00:00", (i+6)%24), now)
				if err != nil { b.Fatal(err) }
			}
		}
		return nil
	})
	from, to := schedule.MustDate(2030, 2, 24), schedule.MustDate(2030, 4, 1)
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			rows, err := sqlstore.FindCalendarShifts(ctx, db, from, to)
			if err != nil || len(rows) != 620 { b.Fatal(err, len(rows)) }
		}
	})
	q := func(name, sql string) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				rows, err := db.QueryContext(ctx, sql, from.String(), to.String())
				if err != nil { b.Fatal(err) }
				n := 0
				for rows.Next() { n++ }
				rows.Close()
			}
		})
	}
	q("join-order-noscan", `SELECT s.id, s.requested_by_id, u.first_name, u.last_name, s.date, s.start_time, s.end_time, s.duration_hours, s.notes FROM shift_requests s JOIN users u ON u.id = s.requested_by_id WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2 ORDER BY s.date, s.start_time, s.id`)
	q("join-noorder", `SELECT s.id, s.requested_by_id, u.first_name, u.last_name, s.date, s.start_time, s.end_time, s.duration_hours, s.notes FROM shift_requests s JOIN users u ON u.id = s.requested_by_id WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("nojoin-noorder", `SELECT s.id, s.requested_by_id, s.date, s.start_time, s.end_time, s.duration_hours, s.notes FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("agg", `SELECT COUNT(*), MAX(updated_at) FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("concat-rows", `SELECT s.id || ',' || s.requested_by_id || ',' || s.date || ',' || s.start_time || ',' || s.end_time || ',' || s.duration_hours || ',' || s.notes FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("groupconcat", `SELECT group_concat(s.id || ',' || s.requested_by_id || ',' || s.date || ',' || s.start_time || ',' || s.end_time || ',' || s.duration_hours || ',' || length(s.notes) || ',' || s.notes, char(30)) FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("groupconcat-join", `SELECT group_concat(s.id || ',' || s.requested_by_id || ',' || s.date || ',' || s.start_time || ',' || s.end_time || ',' || s.duration_hours || ',' || length(s.notes) || ',' || s.notes || u.first_name || ' ' || u.last_name, char(30)) FROM shift_requests s JOIN users u ON u.id = s.requested_by_id WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
	q("idonly", `SELECT id FROM shift_requests s WHERE s.status = 'APPROVED' AND s.date >= $1 AND s.date <= $2`)
}
