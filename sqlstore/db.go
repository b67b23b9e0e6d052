// Package sqlstore keeps pasched's data in SQLite (the embedded default,
// through the pure-Go modernc driver) or PostgreSQL (through pgx), behind one
// API written in the SQL both dialects share. Where they differ, the SQL says
// so in a comment and DB.Dialect picks the variant.
//
// SQLite runs with WAL, busy_timeout and foreign keys, one connection for
// writers (every write transaction is BEGIN IMMEDIATE) beside a pool of
// readers. PostgreSQL serialises the schedule's conflict checks with a
// transaction-level advisory lock and retries serialisation failures.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"           // registers the "sqlite" database/sql driver

	"pasched/schedule"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The two engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrationFS embed.FS

// DB is a connection to the store.
type DB struct {
	Dialect Dialect
	// write is where every write transaction runs: one connection on SQLite.
	write *sql.DB
	// read serves queries outside transactions.
	read *sql.DB
	// DSN is the connection string as given to the driver.
	DSN string
	// url is the DATABASE_URL it was opened with.
	url string
	// lockSpace is a hash of the PostgreSQL schema, mixed into advisory
	// lock keys (17 bits: the int4 classes keep their sign bit clear).
	lockSpace int32
	// path is the SQLite file ("" on PostgreSQL).
	path string

	queries atomic.Int64
	// readStmts and writeStmts cache prepared statements (stmtcache.go).
	readStmts, writeStmts stmtCache
	// Now returns the current time; tests may replace it.
	Now func() time.Time
}

// Open connects to databaseURL: "sqlite:///relative.db", "sqlite:////abs.db",
// "sqlite://:memory:" is refused (several pools must share one database),
// or "postgres://…"/"postgresql://…".
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	db := &DB{Now: func() time.Time { return time.Now().UTC() }, url: databaseURL}
	switch {
	case strings.HasPrefix(databaseURL, "sqlite://"):
		path := strings.TrimPrefix(databaseURL, "sqlite://")
		// sqlite:///rel.db → "/rel.db" is relative; sqlite:////abs → "//abs" is absolute (dj-database-url).
		path = strings.TrimPrefix(path, "/")
		if path == "" || strings.Contains(path, ":memory:") {
			return nil, fmt.Errorf("open database: an in-memory SQLite database is not supported; give a file path")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("open database: %w", err)
			}
		}
		db.Dialect = SQLite
		db.path = path
		// temp_store(MEMORY): the savepoint of each change of a group
		// commit keeps its undo pages in a sub-journal, which otherwise is
		// a temporary file written page by page (on the approval
		// benchmark 0.17 ms of CPU per approval in write calls).
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)"
		db.DSN = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas + "&_txlock=immediate"
		// The writer keeps its statements (sqlitestmt.go): River's queries
		// all run there, unprepared.
		w, err := openSQLiteCached(db.DSN)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		r, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+pragmas+"&_pragma=query_only(1)")
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		n := max(4, 2*runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxIdleTime(0)
		r.SetConnMaxLifetime(0)
		db.write, db.read = w, r
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		db.Dialect = Postgres
		db.DSN = databaseURL
		p, err := sql.Open("pgx", databaseURL)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		p.SetMaxOpenConns(max(10, 4*runtime.NumCPU()))
		p.SetMaxIdleConns(max(10, 4*runtime.NumCPU()))
		p.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = p, p
	default:
		return nil, fmt.Errorf("open database: DATABASE_URL must start with sqlite:// or postgres://, got %q", redact(databaseURL))
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s is unreachable (not starting): %w", redact(databaseURL), err)
	}
	if db.Dialect == Postgres {
		var schema string
		if err := db.write.QueryRowContext(pctx, `SELECT COALESCE(current_schema(), '')`).Scan(&schema); err != nil {
			db.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
		h := fnv.New32a()
		h.Write([]byte(schema))
		db.lockSpace = int32(h.Sum32() & 0x1ffff)
	}
	return db, nil
}

func redact(u string) string {
	if p, err := url.Parse(u); err == nil && p.User != nil {
		p.User = url.User(p.User.Username())
		return p.String()
	}
	return u
}

// URL returns the DATABASE_URL the store was opened with (another handle on
// the same database opens it again, as a second process would).
func (db *DB) URL() string { return db.url }

// Close closes every pool.
func (db *DB) Close() error {
	err := errors.Join(db.readStmts.close(), db.writeStmts.close())
	if db.write != nil {
		err = errors.Join(err, db.write.Close())
	}
	if db.read != nil && db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Path is the SQLite database file ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// SQL returns the database/sql handle writers use; River is given this one.
func (db *DB) SQL() *sql.DB { return db.write }

// Ping checks that the database answers (for /healthz).
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// CurrentSchema is PostgreSQL's current_schema(): the schema this
// deployment's tables live in (its NOTIFY channel is named after it).
func (db *DB) CurrentSchema(ctx context.Context) (string, error) {
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	return schema, nil
}

// Queries returns how many statements the store has run: tests use it to
// assert that a request does a bounded number of queries.
func (db *DB) Queries() int64 { return db.queries.Load() }

// QueryContext runs a read outside any transaction.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	db.queries.Add(1)
	if s := db.readStmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a one-row read outside any transaction.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	db.queries.Add(1)
	if s := db.readStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, q, args...)
}

// Tx is a write transaction with one fixed "now" and hooks that run after
// it commits (realtime events are published only then).
type Tx struct {
	tx   *sql.Tx
	conn *sql.Conn // PostgreSQL: the connection tx runs on (PGX)
	// later holds the statements ExecLater queued (PostgreSQL), sent in
	// one round trip before the next statement or the commit; atCommit
	// those ExecAtCommit queued, sent only before the commit (or PGX);
	// laterErr is a failure of theirs that a QueryRowContext could not
	// return.
	later, atCommit *pgx.Batch
	laterErr        error
	db              *DB
	Now             time.Time
	afterCommit     []func()
	// unprepared are the queries to prepare once the transaction ends.
	unprepared []string
}

// SQL returns the underlying *sql.Tx (River's InsertTx takes it).
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect is the engine of the transaction's database.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// errNoPGX is PGX's answer outside a PostgreSQL write transaction.
var errNoPGX = errors.New("sqlstore: no pgx connection (not a PostgreSQL write transaction)")

// PGX runs fn with the pgx connection the PostgreSQL transaction runs on:
// what fn executes there is part of the transaction. It is for libraries
// that speak pgx natively (River's pgx driver inserts jobs with a binary
// COPY, where its database/sql driver encodes them as text arrays that
// pgx parses again: see jobs.InsertManyTx). fn must not end the
// transaction, and must not keep the connection.
func (tx *Tx) PGX(fn func(*pgx.Conn) error) error {
	if err := tx.flushAll(context.Background()); err != nil {
		return err
	}
	return tx.pgx(fn)
}

func (tx *Tx) pgx(fn func(*pgx.Conn) error) error {
	if tx.conn == nil {
		return errNoPGX
	}
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return errNoPGX
		}
		return fn(c.Conn())
	})
}

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// ExecLater runs a statement whose result the caller does not need, as if
// it ran now: on PostgreSQL it is queued, and the queued statements go to
// the server in one round trip (a pgx batch) before the transaction's next
// statement or its commit, so they are seen by everything after them. Its
// error, if any, is then that statement's or the commit's. Elsewhere it
// runs at once. A change's last writes (its audit entry, live event,
// coverage rows) cost one round trip instead of one each: each is about
// 0.1 ms of CPU, the server's and PostgreSQL's together.
func (tx *Tx) ExecLater(ctx context.Context, q string, args ...any) error {
	if tx.conn == nil {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	tx.db.queries.Add(1)
	if tx.later == nil {
		tx.later = &pgx.Batch{}
	}
	tx.later.Queue(q, args...)
	return nil
}

// ExecAtCommit is ExecLater for a write that nothing later in the
// transaction reads — an entry of an append-only log, such as the audit
// trail or the live events: on PostgreSQL it waits for the round trip that
// precedes the commit (or PGX's), instead of the next statement's.
// Elsewhere it runs at once.
func (tx *Tx) ExecAtCommit(ctx context.Context, q string, args ...any) error {
	if tx.conn == nil {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	tx.db.queries.Add(1)
	if tx.atCommit == nil {
		tx.atCommit = &pgx.Batch{}
	}
	tx.atCommit.Queue(q, args...)
	return nil
}

// flush sends the statements ExecLater queued.
func (tx *Tx) flush(ctx context.Context) error {
	if tx.later == nil {
		return tx.laterErr
	}
	b := tx.later
	tx.later = nil
	return tx.send(ctx, b)
}

// flushAll sends the statements ExecLater and ExecAtCommit queued, in one
// round trip.
func (tx *Tx) flushAll(ctx context.Context) error {
	b := tx.later
	if b == nil {
		b = tx.atCommit
	} else if tx.atCommit != nil {
		b.QueuedQueries = append(b.QueuedQueries, tx.atCommit.QueuedQueries...)
	}
	tx.later, tx.atCommit = nil, nil
	if b == nil {
		return tx.laterErr
	}
	return tx.send(ctx, b)
}

func (tx *Tx) send(ctx context.Context, b *pgx.Batch) error {
	if tx.laterErr != nil {
		return tx.laterErr
	}
	err := tx.pgx(func(c *pgx.Conn) error { return c.SendBatch(ctx, b).Close() })
	if err != nil {
		tx.laterErr = fmt.Errorf("queued statement: %w", err)
	}
	return tx.laterErr
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := tx.flush(ctx); err != nil {
		return nil, err
	}
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	// A failure of the queued statements aborts the PostgreSQL transaction:
	// this query then fails too, and the commit returns the failure.
	tx.flush(ctx)
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// SavepointError is a failure of the savepoint statements themselves
// (not of the function run inside): the enclosing transaction cannot go on.
type SavepointError struct{ Err error }

func (e *SavepointError) Error() string { return "savepoint: " + e.Err.Error() }
func (e *SavepointError) Unwrap() error { return e.Err }

// Savepoint runs fn inside a savepoint of tx, with a Tx of its own: when fn
// fails or panics, its statements are undone and the hooks it registered
// with AfterCommit are dropped, and the rest of tx goes on; when fn
// succeeds its hooks join tx's, to run if tx commits. fn never sees tx, so
// a hook registered inside a savepoint cannot outlive the savepoint's
// rollback. It returns fn's error as it is, or a *SavepointError when the
// savepoint statements fail. A panic in fn is re-raised after the rollback.
func (tx *Tx) Savepoint(ctx context.Context, fn func(sp *Tx) error) (err error) {
	if _, err := tx.tx.ExecContext(ctx, `SAVEPOINT change`); err != nil {
		return &SavepointError{err}
	}
	sp := &Tx{tx: tx.tx, conn: tx.conn, db: tx.db, Now: tx.Now}
	ok := false
	defer func() {
		tx.unprepared = append(tx.unprepared, sp.unprepared...)
		if ok {
			return
		}
		// The release after the rollback ends the savepoint itself.
		bg := context.WithoutCancel(ctx)
		for _, q := range []string{`ROLLBACK TO SAVEPOINT change`, `RELEASE SAVEPOINT change`} {
			if _, rerr := tx.tx.ExecContext(bg, q); rerr != nil {
				err = &SavepointError{errors.Join(err, rerr)}
				return
			}
		}
	}()
	if err := fn(sp); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `RELEASE SAVEPOINT change`); err != nil {
		return &SavepointError{err}
	}
	ok = true
	tx.afterCommit = append(tx.afterCommit, sp.afterCommit...)
	return nil
}

// ScheduleLocks names what a change of the schedule must hold alone, so
// that the rules it checks stay true until it commits: its PAs' shifts
// (clashes with their own requests, weekly hours) and its dates (who works
// when: clashes between PAs, coverage). All is for changes of whole
// periods, which exclude every other change of the schedule.
type ScheduleLocks struct {
	PAs   []int64
	Dates []schedule.Date
	All   bool
}

// Advisory lock keys: the whole schedule's (a bigint key), and the PAs' and
// dates' (two int4 keys: class, id). Advisory locks are per database, not
// per schema: the keys of a DB mix in a hash of its schema (lockSpace), so
// that deployments (and tests) in different schemas of one database never
// wait for each other.
const (
	scheduleLockKey = 7261534001
	paLockClass     = 7261
	dateLockClass   = 7262
)

func (db *DB) scheduleLockKey() string {
	return strconv.FormatInt(scheduleLockKey^int64(db.lockSpace)<<32, 10)
}
func (db *DB) paLockClass() int32   { return int32(db.lockSpace<<14 | paLockClass) }
func (db *DB) dateLockClass() int32 { return int32(db.lockSpace<<14 | dateLockClass) }

// ScheduleLockClasses returns the first keys of the PAs' and the dates'
// advisory locks (pg_locks' classid; objid is the PA id or the date's day
// number from 0001-01-01), for inspecting who waits on what.
func (db *DB) ScheduleLockClasses() (pa, date int32) { return db.paLockClass(), db.dateLockClass() }

// LockSchedule takes l on PostgreSQL: transaction-level advisory locks,
// held until the transaction ends, so changes of different PAs on
// different dates run in parallel. A change takes the whole schedule's lock
// shared (All takes it exclusive), then its PAs' and dates' locks in one
// fixed order (PAs by id, then dates), in one statement, so two changes
// never wait on each other in a cycle. SQLite needs nothing: its write
// transactions are already one at a time (BEGIN IMMEDIATE on a single
// writer connection).
func (tx *Tx) LockSchedule(ctx context.Context, l ScheduleLocks) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	if l.All {
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+tx.db.scheduleLockKey()+`)`)
		if err != nil {
			return fmt.Errorf("lock schedule: %w", err)
		}
		return nil
	}
	var classes, ids []string
	for _, pa := range l.PAs {
		classes, ids = append(classes, fmt.Sprint(tx.db.paLockClass())), append(ids, strconv.FormatInt(paLockID(pa), 10))
	}
	for _, d := range l.Dates {
		classes, ids = append(classes, fmt.Sprint(tx.db.dateLockClass())), append(ids, strconv.Itoa(minDate.DaysUntil(d)))
	}
	// The inner ORDER BY fixes the order the locks are taken in: the outer
	// aggregate calls the function on the sorted rows one after another.
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(`+tx.db.scheduleLockKey()+`),
		(SELECT COUNT(pg_advisory_xact_lock(k.class, k.id)) FROM (
			SELECT DISTINCT c AS class, i AS id
			FROM unnest(string_to_array($1, ',')::int4[], string_to_array($2, ',')::int4[]) AS t(c, i)
			ORDER BY 1, 2) k)`, strings.Join(classes, ","), strings.Join(ids, ","))
	if err != nil {
		return fmt.Errorf("lock schedule: %w", err)
	}
	return nil
}

// paLockID maps a PA's id into an int4 lock key; ids past it share a key
// with another, which only makes their changes wait for each other.
func paLockID(pa int64) int64 { return pa % 2147483647 }

// LockShift takes, in one statement, the locks of a change of stored shift
// id (as LockSchedule: its PA, and its date with the day before and after)
// and of the extra dates, and returns the PA and date it locked for. They
// were read just before the locks were granted: the caller reads the shift
// again under them and, should a concurrent change have moved it meanwhile
// (the PA or date differ), takes the new ones too. An unknown id locks
// nothing and returns ok false. SQLite needs nothing: it returns ok false.
func (tx *Tx) LockShift(ctx context.Context, id int64, extra []schedule.Date) (pa int64, date schedule.Date, ok bool, err error) {
	if tx.db.Dialect != Postgres {
		return 0, schedule.Date{}, false, nil
	}
	var l ShiftLock
	if err := tx.LockShiftQuery(id, extra, &l).Run(ctx, tx); err != nil {
		return 0, schedule.Date{}, false, err
	}
	return l.PA, l.Date, l.Found, nil
}

// ShiftLock is what LockShiftQuery read: the PA and date it locked for,
// and whether the shift was found.
type ShiftLock struct {
	PA    int64
	Date  schedule.Date
	Found bool
}

// LockShiftQuery is LockShift as a Query (PostgreSQL only), for Pipeline:
// it reads into l.
func (tx *Tx) LockShiftQuery(id int64, extra []schedule.Date, l *ShiftLock) Query {
	var days []string
	for _, d := range extra {
		days = append(days, strconv.Itoa(minDate.DaysUntil(d)))
	}
	return Query{SQL: `SELECT s.requested_by_id, s.date, pg_advisory_xact_lock_shared(` + tx.db.scheduleLockKey() + `),
		(SELECT COUNT(pg_advisory_xact_lock(k.class, k.id)) FROM (
			SELECT DISTINCT c AS class, i AS id FROM (
				SELECT ` + fmt.Sprint(tx.db.paLockClass()) + ` AS c, CAST(s.requested_by_id % 2147483647 AS int4) AS i
				UNION ALL
				SELECT ` + fmt.Sprint(tx.db.dateLockClass()) + `, CAST(s.date - DATE '0001-01-01' + o AS int4) FROM unnest(ARRAY[-1, 0, 1]) AS o
				UNION ALL
				SELECT ` + fmt.Sprint(tx.db.dateLockClass()) + `, x FROM unnest(string_to_array($2, ',')::int4[]) AS x) u
			ORDER BY 1, 2) k)
		FROM shift_requests s WHERE s.id = $1`, Args: []any{id, strings.Join(days, ",")}, Scan: func(rows Rows) error {
		if !rows.Next() {
			return rows.Err() // no such shift: nothing locked, Found false
		}
		var n int64
		if err := rows.Scan(&l.PA, schedDate{&l.Date}, new(any), &n); err != nil {
			return fmt.Errorf("lock shift %d: %w", id, err)
		}
		l.Found = true
		return nil
	}}
}

// WriteTx runs fn in a write transaction and commits it, retrying the whole
// function on PostgreSQL serialisation failures and deadlocks. fn must not
// have effects outside the transaction except through AfterCommit.
func (db *DB) WriteTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.writeTxOnce(ctx, fn)
		if err == nil || attempt >= 5 || !IsRetryable(err) {
			return err
		}
	}
}

func (db *DB) writeTxOnce(ctx context.Context, fn func(tx *Tx) error) error {
	db.queries.Add(1)
	var (
		tx    *Tx
		conn  *sql.Conn
		sqltx *sql.Tx
		err   error
	)
	// prepareLater needs a writer connection: it must run after the
	// transaction has released its own (deferred calls run last first).
	defer func() {
		if tx != nil {
			db.prepareLater(ctx, tx)
		}
	}()
	if db.Dialect == Postgres {
		// On a connection of its own, which PGX can reach.
		if conn, err = db.write.Conn(ctx); err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer conn.Close() // after the rollback below, before prepareLater
		sqltx, err = conn.BeginTx(ctx, nil)
	} else {
		sqltx, err = db.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Now is read once the transaction has begun: on SQLite, once it holds
	// the write lock, so that the times of commits follow their order.
	tx = &Tx{tx: sqltx, conn: conn, db: db, Now: db.Now().UTC().Truncate(time.Microsecond)}
	defer sqltx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.flushAll(ctx); err != nil {
		return err
	}
	db.queries.Add(1)
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// IsRetryable reports a PostgreSQL serialisation failure or deadlock, by
// driver error code: the whole transaction must run again. WriteTx retries
// its own; callers that batch changes classify with this too.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint violation,
// by driver error code.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return coder.Code() == 2067 || coder.Code() == 1555
	}
	return false
}

// Migrate applies the pending migrations of the dialect, then River's.
// On PostgreSQL a session advisory lock makes concurrent starts safe.
func (db *DB) Migrate(ctx context.Context) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if db.Dialect == SQLite {
		// SQLite has no advisory locks and River's migrator takes none: a
		// lock file serialises processes (a serve and a worker starting
		// together). The writer pool's one connection is released before
		// River needs it.
		unlock, err := lockFile(ctx, db.path+".migrate-lock")
		if err != nil {
			conn.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		defer unlock()
		err = db.migrateSchema(ctx, conn)
		conn.Close()
		if err != nil {
			return err
		}
		if err := db.migrateRiver(ctx); err != nil {
			return fmt.Errorf("migrate river: %w", err)
		}
		return nil
	}
	defer conn.Close()
	{
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7261534000)`); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7261534000)`)
	}
	if err := db.migrateSchema(ctx, conn); err != nil {
		return err
	}
	// River's migrator takes no lock of its own: run it under ours.
	if err := db.migrateRiver(ctx); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

func (db *DB) migrateSchema(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dir := "migrations/" + string(db.Dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad migration name %q", name)
		}
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(dir + "/" + name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, formatTS(time.Now())); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
	}
	return nil
}
