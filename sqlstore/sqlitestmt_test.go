package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// openCached opens a fresh SQLite file through the statement cache, one
// connection (the writer's setting), with a table t(id, v).
func openCached(t *testing.T) *sql.DB {
	t.Helper()
	db, err := openSQLiteCached("file:" + filepath.Join(t.TempDir(), "c.db") + "?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// cacheState is the cache of db's one connection: statements kept and
// prepared so far.
func cacheState(t *testing.T, db *sql.DB) (kept, prepared int) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c := dc.(*stmtCachingConn)
		kept, prepared = c.lru.Len(), c.prepared
		if len(c.m) != kept {
			return fmt.Errorf("map %d entries, list %d", len(c.m), kept)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kept, prepared
}

// TestStmtCacheReusesStatements: a query run unprepared (as River runs all
// of its own) is prepared once per connection and gives the same results
// as ever, in and out of transactions, after a failed run too.
func TestStmtCacheReusesStatements(t *testing.T) {
	db := openCached(t)
	_, before := cacheState(t, db)
	ctx := context.Background()
	for i := range 10 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	// A constraint failure leaves the statement usable.
	if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, 3, "dup"); err == nil {
		t.Fatal("duplicate id inserted")
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, $2)`, 10, "v10"); err != nil {
		t.Fatal(err)
	}
	for i := range 11 {
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT v FROM t WHERE id = $1`, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
			t.Fatalf("row %d: %q, %v", i, v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	kept, prepared := cacheState(t, db)
	if prepared-before != 2 || kept < 2 {
		t.Errorf("%d statements prepared for 2 queries run 23 times (%d kept)", prepared-before, kept)
	}
}

// TestStmtCacheNestedSameQuery: the same query run again while its rows
// are open (nested in their loop) runs unprepared; both give every row.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, 'x')`, i); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil) // one connection for both queries
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT id FROM t WHERE id >= $1 ORDER BY id`
	rows, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
		var n int
		if err := tx.QueryRowContext(ctx, q, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner = append(inner, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[0 1 2 3 4]" || fmt.Sprint(inner) != "[0 1 2 3 4]" {
		t.Fatalf("outer %v, inner %v", outer, inner)
	}
}

// TestStmtCacheEviction: past connStmtCacheSize queries the least recently
// used statement goes, even one whose rows are still being read (it is
// closed with them).
func TestStmtCacheEviction(t *testing.T) {
	db := openCached(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := db.ExecContext(ctx, `INSERT INTO t (id, v) VALUES ($1, 'x')`, i); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM t ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for i := 0; rows.Next(); i++ {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
		if i == 0 { // evict the open query's statement
			for k := range connStmtCacheSize + 10 {
				var n int
				if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + id FROM t WHERE id = 0`, k)).Scan(&n); err != nil || n != k {
					t.Fatalf("query %d: %d, %v", k, n, err)
				}
			}
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[0 1 2]" {
		t.Fatalf("rows %v", got)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if kept, _ := cacheState(t, db); kept != connStmtCacheSize {
		t.Errorf("%d statements kept, want the bound %d", kept, connStmtCacheSize)
	}
}
