package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
)

// connStmtCacheSize bounds the statements kept per SQLite writer
// connection: River's own queries are a dozen or so; the rest of the room is
// for the queries of the app that run unprepared there.
const connStmtCacheSize = 64

// stmtCachingConnector opens SQLite connections that keep a prepared
// statement per query text for the queries run without one. River's SQLite
// driver runs every query that way (sqlc-generated code on a *sql.Tx or
// *sql.DB), and modernc parses each anew: completing one job,
// riversqlite's JobSetStateIfRunning (an UPDATE with a dozen CASEs and a
// RETURNING), cost ≈ 0.4 ms of CPU in sqlite3_prepare_v2, half of all the
// CPU an email job costs (pprof of BenchmarkEmailDrain). sqlstore's own
// stmtCache cannot help there (River never sees it), and neither
// database/sql nor modernc.org/sqlite keeps statements between calls.
type stmtCachingConnector struct {
	dsn string
	drv driver.Driver
}

func (c stmtCachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	for _, ok := range []bool{
		implements[driver.ConnBeginTx](conn), implements[driver.ConnPrepareContext](conn),
		implements[driver.ExecerContext](conn), implements[driver.QueryerContext](conn),
	} {
		if !ok {
			conn.Close()
			return nil, errors.New("sqlstore: the SQLite driver's connection lacks a context method")
		}
	}
	return &stmtCachingConn{Conn: conn, m: map[string]*list.Element{}, lru: list.New()}, nil
}

func (c stmtCachingConnector) Driver() driver.Driver { return c.drv }

func implements[T any](v any) bool { _, ok := v.(T); return ok }

// openSQLiteCached is sql.Open("sqlite", dsn) with the statement cache.
func openSQLiteCached(dsn string) (*sql.DB, error) {
	plain, err := sql.Open("sqlite", dsn) // connects lazily: only the driver is wanted
	if err != nil {
		return nil, err
	}
	drv := plain.Driver()
	plain.Close()
	return sql.OpenDB(stmtCachingConnector{dsn: dsn, drv: drv}), nil
}

// stmtCachingConn is a driver connection with a least-recently-used cache
// of statements for ExecContext and QueryContext. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type stmtCachingConn struct {
	driver.Conn
	m   map[string]*list.Element // of *cachedStmt
	lru *list.List               // front: most recently used
	// prepared counts the statements prepared for the cache (tests).
	prepared int
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	// busy: its rows are open. The same query run again before they are
	// closed (a query nested in another's row loop) runs unprepared.
	busy bool
}

// stmt returns the cached statement of q, preparing it the first time, or
// nil when q must run unprepared (in use, or it does not prepare: the
// unprepared call reports the error).
func (c *stmtCachingConn) stmt(ctx context.Context, q string) *cachedStmt {
	if e, ok := c.m[q]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil
		}
		c.lru.MoveToFront(e)
		return cs
	}
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.prepared++
	cs := &cachedStmt{query: q, stmt: s}
	c.m[q] = c.lru.PushFront(cs)
	for c.lru.Len() > connStmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.m, old.query)
		if !old.busy {
			old.stmt.Close()
		} // a busy one is closed with its rows
	}
	return cs
}

func (c *stmtCachingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	cs := c.stmt(ctx, q)
	if cs == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
	}
	return cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *stmtCachingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	cs := c.stmt(ctx, q)
	if cs == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
	}
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, c: c, cs: cs}, nil
}

func (c *stmtCachingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *stmtCachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *stmtCachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *stmtCachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *stmtCachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Unwrap is the driver's own connection, for (*sql.Conn).Raw users that
// need its methods (Restore's backup API).
func (c *stmtCachingConn) Unwrap() driver.Conn {
	c.clear()
	return c.Conn
}

// clear closes the cached statements that are not in use.
func (c *stmtCachingConn) clear() {
	for e := c.lru.Front(); e != nil; {
		next := e.Next()
		cs := e.Value.(*cachedStmt)
		c.lru.Remove(e)
		delete(c.m, cs.query)
		if !cs.busy {
			cs.stmt.Close()
		}
		e = next
	}
}

func (c *stmtCachingConn) Close() error {
	c.clear()
	return c.Conn.Close()
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	c  *stmtCachingConn
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if e, ok := r.c.m[r.cs.query]; !ok || e.Value != r.cs {
		r.cs.stmt.Close() // evicted while its rows were open
	}
	return err
}

// The column-type methods of the driver's rows, which (*sql.Rows).ColumnTypes
// looks for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
