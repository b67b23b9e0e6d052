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
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok || c.closed {
		s.Close()
		return old
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = s
	return s
}

// close closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var err error
	for _, s := range c.m {
		err = errors.Join(err, s.Close())
	}
	c.m = nil
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
