package sqlstore

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// migrateRiver applies River's own migrations: River's tables are part of
// the schema (jobs are inserted in the transactions of this store), so they
// are migrated here, under the same lock as ours. The caller holds it.
func (db *DB) migrateRiver(ctx context.Context) error {
	var driver riverdriver.Driver[*sql.Tx] = riverdatabasesql.New(db.SQL())
	if db.Dialect == SQLite {
		driver = riversqlite.New(db.SQL())
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}
