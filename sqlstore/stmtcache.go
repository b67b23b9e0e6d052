package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds each pool's cache of prepared statements; queries
// beyond it (queries built with many different shapes) run unprepared.
const maxCachedStmts = 512

// stmtCache keeps one prepared statement per query text for a pool, so
// hot queries are parsed and planned once per connection, not per call
// (database/sql re-prepares a statement on each connection that runs it).
type stmtCache struct {
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	closed bool
}

// get returns the prepared statement of q on pool, preparing it the first
// time, or nil when q runs unprepared.
func (c *stmtCache) get(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	c.mu.RLock()
	s, ok := c.m[q]
	full := len(c.m) >= maxCachedStmts || c.closed
	c.mu.RUnlock()
	if ok {
		return s
	}
	if full {
		return nil
	}
	s, err := pool.PrepareContext(context.WithoutCancel(ctx), q)
	if err != nil {
		// Let the unprepared call report the error.
		return nil
	}
	// The surplus statement is closed after the lock is released:
	// closing takes the lock of each connection it was prepared on, which a
	// transaction holds while it waits in the database (for a PostgreSQL
	// advisory lock, say), and that transaction may itself be waiting for
	// c.mu in txStmt: holding c.mu here deadlocked them.
	c.mu.Lock()
	old, dup := c.m[q]
	closed := c.closed
	if !dup && !closed {
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		c.m[q] = s
	}
	c.mu.Unlock()
	if dup || closed {
		s.Close()
		return old
	}
	return s
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	c.closed = true
	m := c.m
	c.m = nil
	c.mu.Unlock()
	var err error
	for _, s := range m {
		err = errors.Join(err, s.Close())
	}
	return err
}

func (db *DB) readStmt(ctx context.Context, q string) *sql.Stmt {
	return db.readStmts.get(ctx, db.read, q)
}

// txStmt returns q prepared for tx, reusing the statement already prepared
// on tx's connection; nil (run it unprepared) the first time, when q is
// noted to be prepared once the transaction ends (preparing now could wait
// for the connection tx holds: SQLite has a single writer connection).
func (tx *Tx) txStmt(ctx context.Context, q string) *sql.Stmt {
	c := &tx.db.writeStmts
	c.mu.RLock()
	s, ok := c.m[q]
	full := len(c.m) >= maxCachedStmts || c.closed
	c.mu.RUnlock()
	if ok {
		return tx.tx.StmtContext(ctx, s)
	}
	if !full {
		tx.unprepared = append(tx.unprepared, q)
	}
	return nil
}

// prepareLater prepares, on the writer pool, the queries tx ran unprepared.
func (db *DB) prepareLater(ctx context.Context, tx *Tx) {
	for _, q := range tx.unprepared {
		db.writeStmts.get(ctx, db.write, q)
	}
}
