package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// PendingMigrations is how many of the binary's migrations the database
// has not applied (readiness: an instance is not ready on a schema older
// than its code). It also fails when the database does not answer.
func (db *DB) PendingMigrations(ctx context.Context) (int, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+string(db.Dialect))
	if err != nil {
		return 0, err
	}
	applied := map[int]bool{}
	rows, err := db.read.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return 0, fmt.Errorf("read applied migrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	pending := 0
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err == nil && !applied[v] {
			pending++
		}
	}
	return pending, nil
}

// PoolStats are the connection pools' statistics: "write" (the one
// connection of SQLite's writers; every connection on PostgreSQL) and,
// on SQLite, "read".
func (db *DB) PoolStats() map[string]sql.DBStats {
	m := map[string]sql.DBStats{"write": db.write.Stats()}
	if db.read != db.write {
		m["read"] = db.read.Stats()
	}
	return m
}

// IsUnavailable reports whether err says the database could not be
// reached or dropped the connection (a restart, a network cut, a server
// refusing connections, SQLite busy past its timeout), as opposed to a
// query's own failure: the API answers 503 to the first, 500 to the second.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 connection exception; 57P01–57P03 the server shutting
		// down or starting; 53300 too many connections.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" ||
			pgErr.Code == "57P03" || pgErr.Code == "53300"
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.Timeout(err) {
		return true
	}
	var coder interface{ Code() int }
	if errors.As(err, &coder) {
		// SQLITE_BUSY and SQLITE_LOCKED (with their extended codes).
		c := coder.Code() & 0xff
		return c == 5 || c == 6
	}
	return strings.Contains(err.Error(), "conn closed")
}
