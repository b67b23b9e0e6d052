package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// TestConcurrentMigrate starts several instances' migrations at once on one
// empty database, as a deployment does when its instances start together:
// every one succeeds and each migration is applied exactly once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		ctx := context.Background()
		url := "sqlite:///" + filepath.Join(t.TempDir(), "m.db")
		if d == sqlstore.Postgres {
			url = sqltest.PostgresSchemaURL(t)
		}
		const instances = 6
		dbs := make([]*sqlstore.DB, instances)
		for i := range dbs {
			db, err := sqlstore.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		var wg sync.WaitGroup
		errs := make([]error, instances)
		start := make(chan struct{})
		for i, db := range dbs {
			wg.Go(func() {
				<-start
				errs[i] = db.Migrate(ctx)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d: %v", i, err)
			}
		}
		var applied, distinct int
		if err := dbs[0].QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
			t.Fatal(err)
		}
		if applied == 0 || applied != distinct {
			t.Fatalf("schema_migrations has %d rows for %d versions", applied, distinct)
		}
		var users int
		if err := dbs[0].QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&users); err != nil {
			t.Fatalf("schema not usable after concurrent migration: %v", err)
		}
	})
}
