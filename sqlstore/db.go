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

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
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
		pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		db.DSN = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas + "&_txlock=immediate"
		w, err := sql.Open("sqlite", db.DSN)
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
	tx          *sql.Tx
	db          *DB
	Now         time.Time
	afterCommit []func()
	// unprepared are the queries to prepare once the transaction ends.
	unprepared []string
}

// SQL returns the underlying *sql.Tx (River's InsertTx takes it).
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Dialect is the engine of the transaction's database.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// AfterCommit registers fn to run once the transaction has committed.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	tx.db.queries.Add(1)
	if s := tx.txStmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

// LockSchedule serialises every transaction that checks shifts for conflicts
// and then writes one. SQLite needs nothing: its write transactions are
// already one at a time (BEGIN IMMEDIATE on a single writer connection).
func (tx *Tx) LockSchedule(ctx context.Context) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7261534001)`)
	return err
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
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqltx, db: db, Now: db.Now().UTC().Truncate(time.Microsecond)}
	defer db.prepareLater(ctx, tx)
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
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
