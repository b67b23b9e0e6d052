// Package pgtest names the PostgreSQL server of the tests. It is apart from
// sqlstore/sqltest so that a test needing only the URL (realtime's) does not
// link sqlstore and its SQLite driver.
package pgtest

import (
	"os"
	"testing"
)

// URL returns TEST_DATABASE_URL. Without it the test is skipped, except in
// CI (CI set), where the PostgreSQL suites must run: it fails.
func URL(t testing.TB) string {
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
