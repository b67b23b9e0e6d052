// Package sqltest gives each test its own migrated database: a SQLite file
// in a temporary directory always, and a PostgreSQL database when
// TEST_DATABASE_URL is set (a copy of a template, dropped when the test
// ends). With CI set, an
// unreachable TEST_DATABASE_URL fails the test instead of skipping it.
//
// A SQLite test database starts as a copy of one migrated once per test
// binary (migrating costs ~40 ms of CPU, copying the file well under one);
// Open still runs Migrate on the copy, which finds nothing to do, as a
// restarted server would.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"pasched/internal/pgtest"
	"pasched/sqlstore"
)

// Dialects are the engines the suite runs on here: SQLite always,
// PostgreSQL when TEST_DATABASE_URL is set.
func Dialects() []sqlstore.Dialect {
	ds := []sqlstore.Dialect{sqlstore.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		ds = append(ds, sqlstore.Postgres)
	}
	return ds
}

// Each runs fn as a subtest once per dialect.
func Each(t *testing.T, fn func(t *testing.T, d sqlstore.Dialect)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// Open returns a migrated, empty database of dialect d (River's tables too),
// closed and removed when the test ends.
func Open(t testing.TB, d sqlstore.Dialect) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	var dbURL string
	switch d {
	case sqlstore.SQLite:
		path := filepath.Join(dbDir(t), "test.db")
		tmpl, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("migrate the template SQLite database: %v", err)
		}
		if err := os.WriteFile(path, tmpl, 0o600); err != nil {
			t.Fatal(err)
		}
		dbURL = "sqlite:///" + path
	case sqlstore.Postgres:
		dbURL = postgresDatabaseURL(t)
	default:
		t.Fatalf("unknown dialect %q", d)
	}
	db, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// SQLiteURL writes a migrated, empty SQLite database (a copy of the
// template Open copies) to a directory of the test's own (dbDir) and
// returns its DATABASE_URL, for a test that hands the database to
// processes it starts: their Migrate finds nothing to do, as on a
// restarted server, instead of running every migration (River's too) on
// an empty file.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	tmpl, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("migrate the template SQLite database: %v", err)
	}
	path := filepath.Join(dbDir(t), "pasched.db")
	if err := os.WriteFile(path, tmpl, 0o600); err != nil {
		t.Fatal(err)
	}
	return "sqlite:///" + path
}

// dbDir returns a new directory for one test's SQLite database, removed
// when the test ends: under memDir when it is usable, else t.TempDir(). It
// is the same SQLite, write-ahead log and all, on files in memory: creating,
// writing, syncing and removing them costs no disk filesystem's journal
// (measured: a fifth to a third of the database-heavy packages' system
// CPU). The tests kill processes, never the machine, so what they check
// of durability holds on either.
func dbDir(t testing.TB) string {
	t.Helper()
	if useMemDir() {
		if dir, err := os.MkdirTemp(memDir, "pasched-sqltest-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

var (
	templateOnce  sync.Once
	templateBytes []byte
	templateErr   error
)

// sqliteTemplate returns the bytes of a freshly migrated SQLite database,
// made once per test binary in a temporary directory removed at once.
func sqliteTemplate() ([]byte, error) {
	templateOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sqltest-template")
		if err != nil {
			templateErr = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "template.db")
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, "sqlite:///"+path)
		if err != nil {
			templateErr = err
			return
		}
		err = db.Migrate(ctx)
		if err == nil {
			// Everything into the main file, so that it alone is the database.
			_, err = db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			templateErr = err
			return
		}
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			templateErr = errors.New("the template's write-ahead log is not empty after a checkpoint")
			return
		}
		templateBytes, templateErr = os.ReadFile(path)
	})
	return templateBytes, templateErr
}

// A PostgreSQL test database (Open) is a copy of a template migrated once
// per test binary: CREATE DATABASE … TEMPLATE copies a few MB of files,
// where migrating a fresh schema ran every migration (River's too) for
// every test, 2–6 s each on a loaded machine. The template is named after
// the process that made it; the next binary to make one drops those whose
// process is gone (a run leaves the last few behind, until the next run),
// and the copies are dropped when their test ends (or, after a crash, like
// the templates).
const (
	pgTemplatePrefix = "sqltest_tmpl_"
	pgCopyPrefix     = "sqltest_db_"
)

var (
	pgTemplateOnce sync.Once
	pgTemplateName string
	pgTemplateErr  error
)

// postgresDatabaseURL creates a database of the test's own, a copy of the
// migrated template, and returns its URL (TEST_DATABASE_URL's, with the
// database name changed). Without the right to create databases it falls
// back to a schema of the test's own, migrated by Open.
func postgresDatabaseURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("postgres at TEST_DATABASE_URL is unreachable: %v", err)
	}
	pgTemplateOnce.Do(func() { pgTemplateName, pgTemplateErr = pgTemplate(admin, base) })
	if pgTemplateErr != nil {
		t.Logf("no template database (%v): a schema of the test's own, migrated", pgTemplateErr)
		return PostgresSchemaURL(t)
	}
	name := pgCopyPrefix + strconv.Itoa(os.Getpid()) + "_" + randomHex()
	if _, err := admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + pgTemplateName); err != nil {
		t.Fatalf("create the test database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(base, name) })
	return withDatabase(t, base, name)
}

// pgTemplate creates and migrates this process's template database, after
// dropping the templates and copies left by processes that have ended.
func pgTemplate(admin *sql.DB, base string) (string, error) {
	rows, err := admin.Query(`SELECT datname FROM pg_database WHERE datname LIKE 'sqltest\_%'`)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return "", err
		}
		rest, ok := strings.CutPrefix(name, pgTemplatePrefix)
		if !ok {
			rest, ok = strings.CutPrefix(name, pgCopyPrefix)
		}
		pid, _, _ := strings.Cut(rest, "_")
		if n, err := strconv.Atoi(pid); ok && err == nil && !processAlive(n) {
			stale = append(stale, name)
		}
	}
	rows.Close()
	for _, name := range stale {
		dropDatabase(base, name)
	}
	name := pgTemplatePrefix + strconv.Itoa(os.Getpid()) + "_" + randomHex()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, u.String())
	if err == nil {
		err = db.Migrate(ctx)
		// No connection may stay open: CREATE DATABASE … TEMPLATE refuses
		// a template in use.
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		dropDatabase(base, name)
		return "", fmt.Errorf("migrate the template: %w", err)
	}
	return name, nil
}

// processAlive reports whether a process with that id runs on this machine
// (signal 0 checks without signalling).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func dropDatabase(base, name string) {
	a, err := sql.Open("pgx", base)
	if err != nil {
		return
	}
	defer a.Close()
	a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
}

func withDatabase(t testing.TB, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// PostgresURL returns TEST_DATABASE_URL. Without it the test is skipped,
// except in CI (CI set), where the PostgreSQL suites must run: it fails.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t)
}

// PostgresSchemaURL creates a schema of its own for the test in
// TEST_DATABASE_URL's database and returns a URL whose search_path is it.
func PostgresSchemaURL(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		t.Fatalf("postgres at TEST_DATABASE_URL is unreachable: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
