package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pasched/sqlstore/sqltest"
)

// runCmd runs the binary with args in dir and returns its combined output
// and exit status.
func runCmd(t *testing.T, dir, databaseURL string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Env = baseEnv(dir, databaseURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("%v: %v", args, err)
	}
	return string(out), 0
}

// TestHealthcheckAndBackupCommands: the container's health check asks a
// running serve (and fails when none answers); `pasched backup` copies the
// live database, which restores and serves again.
func TestHealthcheckAndBackupCommands(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	dir := t.TempDir()
	dbURL := migratedSQLite(t)
	createAdminCmd(t, dir, dbURL)
	a := startServe(t, dir, dbURL)
	out, code := runCmd(t, dir, dbURL, "healthcheck", "--addr", a.addr)
	if code != 0 || !strings.Contains(out, `"status":"ok"`) {
		t.Fatalf("healthcheck of a running serve: exit %d: %s", code, out)
	}
	backup := filepath.Join(dir, "backup.db")
	if out, code := runCmd(t, dir, dbURL, "backup", backup); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, out)
	}
	if out, code := runCmd(t, dir, dbURL, "backup", backup); code == 0 {
		t.Fatalf("backup over an existing file succeeded: %s", out)
	}
	a.stop(t, 20*time.Second)
	if out, code := runCmd(t, dir, dbURL, "healthcheck", "--addr", a.addr, "--timeout", "1s"); code == 0 {
		t.Fatalf("healthcheck with no serve succeeded: %s", out)
	}
	restoredURL := "sqlite:///" + filepath.Join(dir, "restored.db")
	if out, code := runCmd(t, dir, restoredURL, "restore", backup); code != 0 {
		t.Fatalf("restore: exit %d: %s", code, out)
	}
	b := startServe(t, dir, restoredURL)
	tok := loginAs(t, b.base, "admin@example.com", "Adm1n-Pass-2030!")
	call(t, "GET", b.base+"/api/auth/me/", tok, nil, 200)
}

// TestBackupOnPostgresExits2: on PostgreSQL the built-in backup points to
// pg_dump and exits with status 2.
func TestBackupOnPostgresExits2(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	out, code := runCmd(t, dir, sqltest.PostgresSchemaURL(t), "backup", filepath.Join(dir, "x.db"))
	if code != 2 || !strings.Contains(out, "pg_dump") {
		t.Fatalf("backup on PostgreSQL: exit %d, want 2: %s", code, out)
	}
}
