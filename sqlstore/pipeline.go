package sqlstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Rows is what a Query's Scan reads: *sql.Rows and pgx.Rows both are one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Query is one read, built before it runs so that several can travel
// together (Tx.Pipeline): its SQL, its arguments, and Scan, which reads its
// rows into where the builder was told.
type Query struct {
	SQL  string
	Args []any
	Scan func(Rows) error
}

// Run runs q alone with db (a DB or a Tx).
func (q Query) Run(ctx context.Context, db querier) error {
	rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return err
	}
	err = q.Scan(rows)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	return err
}

// Pipeline runs qs in order, each after the one before, as if one at a
// time: on PostgreSQL in one round trip (a pgx batch), with the statements
// ExecLater queued before them. Each statement takes its own snapshot in
// READ COMMITTED, pipelined or not, so a query after one that takes locks
// reads what was committed before the locks were granted. Elsewhere they
// run one after another.
//
// Why: a change on PostgreSQL costs about a dozen round trips, each ≈ 0.15 ms
// of CPU (the server's and PostgreSQL's together); an approval's reads that
// need nothing from each other go in three instead of six.
func (tx *Tx) Pipeline(ctx context.Context, qs ...Query) error {
	if len(qs) == 0 {
		return nil
	}
	if tx.conn == nil {
		for _, q := range qs {
			if err := q.Run(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
	if tx.laterErr != nil {
		return tx.laterErr
	}
	b := tx.later
	tx.later = nil
	if b == nil {
		b = &pgx.Batch{}
	}
	queued := b.Len()
	for _, q := range qs {
		tx.db.queries.Add(1)
		b.Queue(q.SQL, q.Args...)
	}
	return tx.pgx(func(c *pgx.Conn) error {
		br := c.SendBatch(ctx, b)
		for range queued {
			if _, err := br.Exec(); err != nil {
				br.Close()
				tx.laterErr = fmt.Errorf("queued statement: %w", err)
				return tx.laterErr
			}
		}
		for _, q := range qs {
			rows, err := br.Query()
			if err == nil {
				err = q.Scan(rows)
				rows.Close()
				if err == nil {
					err = rows.Err()
				}
			}
			if err != nil {
				br.Close()
				return err
			}
		}
		return br.Close()
	})
}
