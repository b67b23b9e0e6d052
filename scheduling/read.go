package scheduling

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/singleflight"

	"pasched/sqlstore"
)

// The read side. The calendar spans and the shift list pages are read
// models: built from the database once, kept, and handed to every request
// (the JSON API now, the web app next) while the data they were built from
// is unchanged. What "unchanged" means is sqlstore.ScheduleVersion: a
// version that triggers move in the transaction of every write to shifts,
// periods and the people's names, whoever writes (this process, `pasched
// worker`, another serve or instance) and nothing else (job, session and
// token commits leave it alone). A request therefore costs one cheap query
// when its read model is current and two when it is not, and sees every
// committed change of its data at once, on SQLite and PostgreSQL alike.
//
// Read models are immutable once built; a front end may keep its own
// rendering of one in its memo (Memo), which then lives exactly as long as
// the read model is current.

// readCacheSize bounds the read models of each kind kept: a few months,
// weeks and days; the admins' first pages under a few filters and each PA's
// own.
const readCacheSize = 128

// readCache keeps read models by key, each with the version it was built
// under. Requests that miss the same key under the same version build it
// once (singleflight). It is safe for concurrent use; the zero value is
// ready.
type readCache[K comparable, V any] struct {
	mu    sync.Mutex
	m     map[K]versioned[V]
	order []K // FIFO of m's keys
	group singleflight.Group
}

type versioned[V any] struct {
	version int64
	v       V
}

// get returns k's read model built under version: from the cache, from a
// build of it in flight, or from build. build runs with a context that is
// not cancelled, since other requests may be waiting on it; a caller whose
// own context ends stops waiting.
func (c *readCache[K, V]) get(ctx context.Context, k K, version int64, build func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && e.version == version {
		return e.v, nil
	}
	ch := c.group.DoChan(fmt.Sprintf("%v@%d", k, version), func() (v any, err error) {
		// singleflight re-panics a DoChan panic where nothing can recover
		// it: a bug in one build must fail its requests, not the process.
		defer func() {
			if p := recover(); p != nil {
				slog.Error("panic building a read model", "panic", p, "stack", string(debug.Stack()))
				err = fmt.Errorf("build read model: panic: %v", p)
			}
		}()
		// A build that finished between our miss and this flight is found
		// here, so a key and version are built once.
		c.mu.Lock()
		e, ok := c.m[k]
		c.mu.Unlock()
		if ok && e.version == version {
			return e.v, nil
		}
		m, err := build(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.put(k, version, m)
		return m, nil
	})
	var zero V
	select {
	case r := <-ch:
		if r.Err != nil {
			return zero, r.Err
		}
		return r.Val.(V), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// put keeps v as k's read model unless one built under a later version is
// already there.
func (c *readCache[K, V]) put(k K, version int64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[K]versioned[V], readCacheSize)
	}
	old, ok := c.m[k]
	if ok && old.version > version {
		return
	}
	if !ok {
		if len(c.order) >= readCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = versioned[V]{version, v}
}

// memo holds what front ends derive from an immutable read model, built
// once per key.
type memo struct {
	mu sync.Mutex
	m  map[any]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
}

// Memo returns what build makes of the read model for key (a front end's
// own unexported type, so keys never collide), building it once: the
// rendering of a read model is then shared by every request served from it.
func (m *memo) Memo(key any, build func() any) any {
	m.mu.Lock()
	if m.m == nil {
		m.m = map[any]*memoEntry{}
	}
	e := m.m[key]
	if e == nil {
		e = &memoEntry{}
		m.m[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v = build() })
	return e.v
}

// version returns the current schedule version and whether user exists.
func (s *Service) version(ctx context.Context, user int64) (int64, bool, error) {
	return sqlstore.ScheduleVersion(ctx, s.DB, user)
}

// Version returns the current schedule version (sqlstore.ScheduleVersion).
// A front end that keeps its own rendering of schedule data keys it by the
// version read before the data: equal versions mean no write to shifts,
// periods or names committed in between, so the rendering is current.
func (s *Service) Version(ctx context.Context) (int64, error) {
	v, _, err := s.version(ctx, 0)
	return v, err
}
