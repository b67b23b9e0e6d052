package jobs

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"pasched/sqlstore"
)

// PGXClient is an insert-only River client on River's pgx driver: the
// cheaper way to insert jobs inside a PostgreSQL transaction
// (InsertManyTx).
//
// Why a second client: River's database/sql driver passes a batch's
// columns as lib/pq text arrays, which pgx then parses back to encode them
// in binary; for an approval's email job (its rendered message, about
// 2.7 KB of JSON) that was a fifth of the server's CPU per approval
// (pprof under `cmd/seedload/wrk.sh`'s approvals). BenchmarkInsertEmailJob,
// one job per transaction, transaction included, medians of 3 on the
// development machine: this process's CPU 564 µs a job through
// database/sql, 310 through pgx with an INSERT (InsertManyTx), 383 through
// pgx with COPY (InsertManyFastTx); PostgreSQL's 323, 330 and 363.
type PGXClient = river.Client[pgx.Tx]

// newPGXClient returns an insert-only client that knows the same job kinds
// as workers (River refuses to insert an unknown kind).
func newPGXClient(workers *river.Workers) (*PGXClient, error) {
	return river.NewClient(riverpgxv5.New(nil), &river.Config{Workers: workers, MaxAttempts: EmailMaxAttempts})
}

// InsertManyTx inserts params inside tx: through pgxc on PostgreSQL when
// it is set, through c otherwise. Either way the jobs exist only if tx
// commits.
func InsertManyTx(ctx context.Context, c *Client, pgxc *PGXClient, tx *sqlstore.Tx, params []river.InsertManyParams) error {
	if pgxc == nil || tx.Dialect() != sqlstore.Postgres {
		_, err := c.InsertManyFastTx(ctx, tx.SQL(), params)
		return err
	}
	return tx.PGX(func(conn *pgx.Conn) error {
		// InsertManyTx, not InsertManyFastTx: River's pgx driver does
		// the latter with COPY, which costs more per transaction (above).
		_, err := pgxc.InsertManyTx(ctx, inTx{conn}, params)
		return err
	})
}

// inTx is the pgx.Tx River's driver wants, over a connection whose
// transaction sqlstore owns: statements run in that transaction; ending
// it, or nesting one, is refused.
type inTx struct{ conn *pgx.Conn }

var errOwnedTx = errors.New("jobs: the transaction belongs to sqlstore")

func (t inTx) Begin(context.Context) (pgx.Tx, error) { return nil, errOwnedTx }
func (t inTx) Commit(context.Context) error          { return errOwnedTx }
func (t inTx) Rollback(context.Context) error        { return errOwnedTx }
func (t inTx) LargeObjects() pgx.LargeObjects        { return pgx.LargeObjects{} }
func (t inTx) Conn() *pgx.Conn                       { return t.conn }

func (t inTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t inTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

func (t inTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t inTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t inTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t inTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}
