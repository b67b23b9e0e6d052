package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestBackupUnderWriteLoad backs up a SQLite database from a second
// connection pool (as `pasched backup` does from its own process) while
// writers keep committing, restores the copy into a fresh database, and
// checks that it passes PRAGMA integrity_check, holds every write
// acknowledged before the backup began, and no half of any transaction.
func TestBackupUnderWriteLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	live := sqltest.Open(t, sqlstore.SQLite)
	// sqltest puts the file in its own temp dir; find it through a second
	// handle on the same URL.
	var file string
	if err := live.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
		t.Fatal(err)
	}
	// Bulk so that the copy takes a while and the writers overlap it.
	if err := live.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for i := range 20000 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value) VALUES ($1, $2)`,
				fmt.Sprintf("bulk-%05d", i), strings.Repeat("x", 100)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		acked []string
	)
	stop := make(chan struct{})
	underWay := make(chan struct{}) // closed at the 100th acknowledged write
	var once sync.Once
	var wg sync.WaitGroup
	const writers = 3
	const maxWrites = 3000 // a bound on the load, whatever the timing
	for w := range writers {
		wg.Go(func() {
			for i := 0; i < maxWrites; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("w%d-%05d", w, i)
				// Two rows a transaction: a consistent copy has both or neither.
				err := live.WriteTx(ctx, func(tx *sqlstore.Tx) error {
					for _, suffix := range []string{"a", "b"} {
						if _, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value) VALUES ($1, 'v')`, k+suffix); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("write %s: %v", k, err)
					return
				}
				mu.Lock()
				acked = append(acked, k)
				if len(acked) >= 100 {
					once.Do(func() { close(underWay) })
				}
				mu.Unlock()
			}
		})
	}
	go func() { wg.Wait(); once.Do(func() { close(underWay) }) }() // writers that all failed
	<-underWay
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()

	other, err := sqlstore.Open(ctx, "sqlite:///"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	backup := filepath.Join(dir, "backup.db")
	berr := other.Backup(ctx, backup)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if berr != nil {
		t.Fatalf("backup: %v", berr)
	}
	t.Logf("%d writes acknowledged before the backup, %d while it ran", len(before), during)
	if err := sqlstore.IntegrityCheck(ctx, backup); err != nil {
		t.Fatalf("backup: %v", err)
	}

	restored, err := sqlstore.Open(ctx, "sqlite:///"+filepath.Join(dir, "restored.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.Restore(ctx, backup); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := sqlstore.IntegrityCheck(ctx, filepath.Join(dir, "restored.db")); err != nil {
		t.Fatalf("restored: %v", err)
	}
	have := map[string]bool{}
	rows, err := restored.QueryContext(ctx, `SELECT key FROM app_settings WHERE key LIKE 'w%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		have[k] = true
	}
	rows.Close()
	for _, k := range before {
		if !have[k+"a"] || !have[k+"b"] {
			t.Errorf("write %s acknowledged before the backup is missing from the restored database", k)
		}
	}
	for k := range have {
		if !have[k[:len(k)-1]+"a"] || !have[k[:len(k)-1]+"b"] {
			t.Errorf("half a transaction in the backup: %s", k)
		}
	}
	var bulk int
	if err := restored.QueryRowContext(ctx, `SELECT COUNT(*) FROM app_settings WHERE key LIKE 'bulk-%'`).Scan(&bulk); err != nil || bulk != 20000 {
		t.Errorf("bulk rows restored = %d, %v; want 20000", bulk, err)
	}
	// The restored database is a working pasched database: it migrates
	// (nothing left to apply) and takes writes.
	if err := restored.Migrate(ctx); err != nil {
		t.Fatalf("migrate restored: %v", err)
	}
	if err := restored.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value) VALUES ('after', 'restore')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := sqltest.Open(t, sqlstore.SQLite)
	exists := filepath.Join(dir, "exists.db")
	if err := os.WriteFile(exists, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, exists); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(exists); string(b) != "keep me" {
		t.Errorf("existing file changed: %q", b)
	}
	// A path that held no database: Open made an empty file, which is not
	// backed up as if it were the data.
	empty, err := sqlstore.Open(ctx, "sqlite:///"+filepath.Join(dir, "typo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer empty.Close()
	if err := empty.Backup(ctx, filepath.Join(dir, "b.db")); err == nil || !strings.Contains(err.Error(), "not a pasched database") {
		t.Errorf("backup of an unmigrated file: %v", err)
	}
	if err := db.Restore(ctx, exists); err == nil {
		t.Error("restore from a file that is not a database succeeded")
	}
	if err := db.Restore(ctx, filepath.Join(dir, "typo.db")); err == nil || !strings.Contains(err.Error(), "not a pasched database") {
		t.Errorf("restore from an unmigrated file: %v", err)
	}
	if os.Getenv("TEST_DATABASE_URL") != "" || os.Getenv("CI") != "" {
		pg := sqltest.Open(t, sqlstore.Postgres)
		if err := pg.Backup(ctx, filepath.Join(dir, "pg.db")); !errors.Is(err, sqlstore.ErrBackupUnsupported) {
			t.Errorf("PostgreSQL backup: %v, want ErrBackupUnsupported", err)
		}
		if err := pg.Restore(ctx, exists); !errors.Is(err, sqlstore.ErrBackupUnsupported) {
			t.Errorf("PostgreSQL restore: %v, want ErrBackupUnsupported", err)
		}
	}
}
