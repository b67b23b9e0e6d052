package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// ExecLater behaves as if the statement ran at once: what follows in the
// transaction sees it, the commit writes it, and a queued statement that
// fails fails the transaction, with nothing of it written.
func TestExecLater(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		count := func(kind string) int {
			t.Helper()
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE kind = $1`, kind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		insert := `INSERT INTO audit_log (at, actor_name, kind, summary) VALUES ($1, $2, $3, $4)`

		err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			for _, k := range []string{"later.a", "later.a", "later.b"} {
				if err := tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", k, "s"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE kind LIKE 'later.%'`).Scan(&n); err != nil {
				return err
			}
			if n != 3 {
				t.Errorf("inside the transaction a query sees %d queued rows, want 3", n)
			}
			return tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "later.c", "s")
		})
		if err != nil {
			t.Fatal(err)
		}
		if a, b, c := count("later.a"), count("later.b"), count("later.c"); a != 2 || b != 1 || c != 1 {
			t.Errorf("committed rows a=%d b=%d c=%d, want 2 1 1", a, b, c)
		}

		// ExecAtCommit's statements are written by the commit, in the
		// order queued relative to each other.
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := tx.ExecAtCommit(ctx, insert, "2030-03-01 08:00:00", "Admin", "commit.a", "first"); err != nil {
				return err
			}
			if err := tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "later.f", "s"); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE kind = 'later.f'`).Scan(&n); err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("ExecLater's row not seen by the next query (%d)", n)
			}
			return tx.ExecAtCommit(ctx, insert, "2030-03-01 08:00:00", "Admin", "commit.a", "second")
		})
		if err != nil {
			t.Fatal(err)
		}
		var summaries []string
		rows, err := db.QueryContext(ctx, `SELECT summary FROM audit_log WHERE kind = 'commit.a' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			summaries = append(summaries, s)
		}
		rows.Close()
		if strings.Join(summaries, ",") != "first,second" {
			t.Errorf("ExecAtCommit rows %v, want first,second", summaries)
		}

		// A failing ExecAtCommit statement fails the commit.
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "commit.b", "s")
			return tx.ExecAtCommit(ctx, insert, "2030-03-01 08:00:00", "Admin", "commit.b", nil)
		})
		if err == nil {
			t.Error("a failing ExecAtCommit statement did not fail the transaction")
		}
		if n := count("commit.b"); n != 0 {
			t.Errorf("%d rows of the failed transaction written, want 0", n)
		}

		// A NULL summary breaks NOT NULL: queued, it fails at the commit
		// (PostgreSQL) or at once (SQLite); either way nothing is written.
		err = db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			if err := tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "later.d", "s"); err != nil {
				return err
			}
			return tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "later.d", nil)
		})
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "null") {
			t.Errorf("a failing queued statement: err %v, want a NOT NULL failure", err)
		}
		if n := count("later.d"); n != 0 {
			t.Errorf("%d rows of the failed transaction written, want 0", n)
		}

		// A query after a failing queued statement fails too.
		var queryErr error
		db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			tx.ExecLater(ctx, insert, "2030-03-01 08:00:00", "Admin", "later.e", nil)
			var n int
			queryErr = tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n)
			return nil
		})
		if d == sqlstore.Postgres && queryErr == nil {
			t.Error("a query after a failed queued statement succeeded")
		}
		if n := count("later.e"); n != 0 {
			t.Errorf("%d rows of the failed statement written, want 0", n)
		}
	})
}
