package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"pasched/jobs"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// InsertManyTx inserts on PostgreSQL through the pgx client, in the
// caller's transaction: the jobs of a committed transaction are worked
// (each email delivered once, over SMTP), those of a rolled-back one never
// exist, and the statements before and after it in the transaction stay
// in it.
func TestInsertManyTx(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		if (b.sys.PGX != nil) != (d == sqlstore.Postgres) {
			t.Fatalf("PGX client on %s: %v", d, b.sys.PGX != nil)
		}
		ctx := context.Background()
		emails := func(tag string, n int) []river.InsertManyParams {
			var ps []river.InsertManyParams
			for i := range n {
				ps = append(ps, river.InsertManyParams{Args: jobs.EmailArgs{To: []string{fmt.Sprintf("%s%d@example.test", tag, i)},
					Subject: "Hello " + tag, Text: "Body é " + tag, HTML: "<p>Body é " + tag + "</p>", Event: "test"}})
			}
			return ps
		}
		errUndo := errors.New("undo")
		err := b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := jobs.InsertManyTx(ctx, b.sys.Client, b.sys.PGX, tx, emails("gone", 2)); err != nil {
				return err
			}
			return errUndo
		})
		if !errors.Is(err, errUndo) {
			t.Fatalf("rolled-back transaction: %v", err)
		}
		// Email jobs only: the periodic session cleanup may have queued its
		// own by now (at once, with TestOnly).
		if n := b.count(t, `SELECT count(*) FROM river_job WHERE kind = 'email'`); n != 0 {
			t.Fatalf("%d jobs after a rollback, want 0", n)
		}
		err = b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := jobs.InsertManyTx(ctx, b.sys.Client, b.sys.PGX, tx, emails("kept", 3)); err != nil {
				return err
			}
			// Still the same transaction after the insert.
			_, err := tx.ExecContext(ctx, `UPDATE users SET first_name = 'After' WHERE 1 = 0`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if ev := b.wait(t, "email"); ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("email job: %s", ev.Kind)
			}
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		msgs, err := b.smtp.Wait(wctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, m := range msgs {
			to = append(to, m.To...)
			if p := parse(t, m); p.subject != "Hello kept" || p.text != "Body é kept" {
				t.Errorf("message to %v: subject %q, text %q", m.To, p.subject, p.text)
			}
		}
		slices.Sort(to)
		if want := []string{"kept0@example.test", "kept1@example.test", "kept2@example.test"}; !slices.Equal(to, want) {
			t.Errorf("delivered to %v, want %v", to, want)
		}
	})
}

// Outside a PostgreSQL write transaction there is no pgx connection.
func TestPGXRefusedOnSQLite(t *testing.T) {
	t.Parallel()
	db := sqltest.Open(t, sqlstore.SQLite)
	err := db.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		return tx.PGX(func(*pgx.Conn) error { return nil })
	})
	if err == nil {
		t.Error("PGX ran on SQLite")
	}
}
