package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
)

// ErrBackupUnsupported is Backup's and Restore's answer on PostgreSQL,
// whose own tools (pg_dump, pg_restore, or base backups) do the job better
// than anything built in could.
var ErrBackupUnsupported = errors.New("online backup is built in for SQLite only; on PostgreSQL use pg_dump (e.g. pg_dump -Fc -f pasched.dump \"$DATABASE_URL\") and pg_restore")

// Backup writes a consistent copy of the live SQLite database to path with
// VACUUM INTO: one read transaction, so the copy holds exactly the
// transactions committed before it began, while other connections and
// processes go on reading and writing (WAL). The copy is written beside
// path under a temporary name, checked with PRAGMA integrity_check, and
// only then renamed to path, so path is either absent or a whole, sound
// backup. path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return ErrBackupUnsupported
	}
	if err := db.requireSchema(ctx); err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	// VACUUM INTO wants a file that does not exist yet; the temporary name
	// was only reserved.
	os.Remove(tmpName)
	defer os.Remove(tmpName)
	// The writer pool: the readers are query_only, which VACUUM refuses.
	// Outside BEGIN IMMEDIATE, VACUUM INTO takes only a read lock.
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := IntegrityCheck(ctx, tmpName); err != nil {
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Restore replaces the whole SQLite database with the backup at path,
// through SQLite's online backup API: the pages are copied under the
// database's own locks, so a reader sees the old or the new database,
// never a mix, and the WAL stays coherent (copying the file over a live
// database would not). The backup must pass PRAGMA integrity_check and be a
// pasched database. Running instances keep in-memory caches of some rows:
// stop them first.
func (db *DB) Restore(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return ErrBackupUnsupported
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := IntegrityCheck(ctx, path); err != nil {
		return fmt.Errorf("restore: %s: %w", path, err)
	}
	src, err := sql.Open("sqlite", readOnlyURI(path))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var n int
	err = src.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	src.Close()
	if err != nil {
		return fmt.Errorf("restore: %s: %w", path, err)
	}
	if n == 0 {
		return fmt.Errorf("restore: %s is not a pasched database (no schema_migrations table)", path)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		if u, ok := dc.(interface{ Unwrap() driver.Conn }); ok {
			dc = u.Unwrap() // the statement cache's wrapper (sqlitestmt.go)
		}
		r, ok := dc.(interface {
			NewRestore(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("restore: driver connection %T has no backup API", dc)
		}
		b, err := r.NewRestore(readOnlyURI(path))
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		for {
			more, err := b.Step(-1)
			if err != nil {
				b.Finish()
				return fmt.Errorf("restore: %w", err)
			}
			if !more {
				break
			}
		}
		if err := b.Finish(); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		return nil
	})
}

// IntegrityCheck opens the SQLite file at path read-only and runs PRAGMA
// integrity_check; it returns nil only when SQLite answers "ok".
func IntegrityCheck(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", readOnlyURI(path))
	if err != nil {
		return err
	}
	defer c.Close()
	rows, err := c.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("integrity_check: %s", strings.Join(msgs, "; "))
	}
	return nil
}

// requireSchema refuses a database that pasched never migrated (opening a
// wrong path creates an empty file, which must not be backed up as if it
// were the data).
func (db *DB) requireSchema(ctx context.Context) error {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("backup: %s is not a pasched database (no schema_migrations table)", db.path)
	}
	return nil
}

// readOnlyURI is the driver's name for the SQLite file at path, opened
// read-only.
func readOnlyURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
}
