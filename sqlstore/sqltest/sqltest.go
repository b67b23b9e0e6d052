// Package sqltest gives each test its own migrated database: a SQLite file
// in a temporary directory always, and a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set (dropped when the test ends). With CI set, an
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
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

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
		path := filepath.Join(t.TempDir(), "test.db")
		tmpl, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("migrate the template SQLite database: %v", err)
		}
		if err := os.WriteFile(path, tmpl, 0o600); err != nil {
			t.Fatal(err)
		}
		dbURL = "sqlite:///" + path
	case sqlstore.Postgres:
		dbURL = PostgresSchemaURL(t)
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

// PostgresURL returns TEST_DATABASE_URL. Without it the test is skipped,
// except in CI (CI set), where the PostgreSQL suites must run: it fails.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_DATABASE_URL is not set in CI")
		}
		t.Skip("TEST_DATABASE_URL not set")
	}
	return base
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
