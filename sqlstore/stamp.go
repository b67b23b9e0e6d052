package sqlstore

import (
	"context"
	"fmt"
	"sync"
)

// Change stamps of a SQLite database: a cache of query results (the
// calendar spans, the shift list pages) keeps each result with the stamp it
// was read under and reuses it while the stamp is unchanged.
//
// SQLite keeps PRAGMA data_version per connection: it changes whenever
// another connection (of this process or any other) commits. changeTracker
// turns it into one generation per database, which moves whenever a reader
// connection sees a value other than the one it saw last (or is seen for
// the first time). Reader connections never write, so every change they
// see is another connection's commit. A result read after observing
// generation g is current for as long as the generation stays g: any later
// commit is seen by each connection's next observation, which moves it.
// (A result may be newer than its generation, if a commit lands between the
// observation and the read; that only costs a reload.)
//
// PostgreSQL has no such cheap stamp that holds across the instances that
// may share a database; ChangeStamp reports that it has none there.

// changeTracker is the generation of one SQLite *DB.
type changeTracker struct {
	mu   sync.Mutex
	gen  uint64
	seen map[any]int64 // driver connection → its last data_version
}

// changeTrackers holds the changeTracker of each SQLite *DB.
var changeTrackers sync.Map

func trackerOf(db *DB) *changeTracker {
	if t, ok := changeTrackers.Load(db); ok {
		return t.(*changeTracker)
	}
	t, _ := changeTrackers.LoadOrStore(db, &changeTracker{})
	return t.(*changeTracker)
}

// observe records that conn answered version and returns the generation.
func (t *changeTracker) observe(conn any, version int64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.seen[conn]; !ok || last != version {
		if t.seen == nil {
			t.seen = map[any]int64{}
		}
		t.seen[conn] = version
		t.gen++
	}
	return t.gen
}

// Stamp queries: data_version first, then what the caller also wants. The
// bare PRAGMA costs SQLite a few microseconds to prepare; the table-valued
// pragma_data_version() several times that.
const (
	stampQuery     = `PRAGMA data_version`
	stampUserQuery = `SELECT (SELECT data_version FROM pragma_data_version()), (SELECT COUNT(*) FROM users WHERE id = $1)`
)

// ChangeStamp returns the generation of a SQLite database (see above) and
// true, in one query; on PostgreSQL it returns false and runs nothing.
// Equal generations of one *DB mean that nothing was committed between
// their observations, by any connection or process.
func ChangeStamp(ctx context.Context, db *DB) (uint64, bool, error) {
	if db.Dialect != SQLite {
		return 0, false, nil
	}
	gen, err := observeChanges(ctx, db, stampQuery, nil)
	if err != nil {
		return 0, false, fmt.Errorf("change stamp: %w", err)
	}
	return gen, true, nil
}

// observeChanges runs a stamp query on a reader connection and returns the
// generation; the query's columns after data_version are scanned into
// more.
func observeChanges(ctx context.Context, db *DB, q string, args []any, more ...any) (uint64, error) {
	t := trackerOf(db)
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var driverConn any
	if err := conn.Raw(func(dc any) error { driverConn = dc; return nil }); err != nil {
		return 0, err
	}
	var version int64
	db.queries.Add(1)
	if err := conn.QueryRowContext(ctx, q, args...).Scan(append([]any{&version}, more...)...); err != nil {
		return 0, err
	}
	return t.observe(driverConn, version), nil
}
