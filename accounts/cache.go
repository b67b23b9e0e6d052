package accounts

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"pasched"
	"pasched/sqlstore"
)

// DefaultUserCacheTTL is how long Authenticate trusts a user row it has
// read, on SQLite: long enough that a busy user's requests read the row
// about once a second, short enough that a change made where this process
// cannot see it (`pasched createadmin` run beside `serve`) shows within it.
//
// On PostgreSQL the cache is off unless UserCacheTTL asks for it: several
// instances may serve one database, and an instance could otherwise accept
// for up to a TTL the tokens a password reset on another one revoked.
const DefaultUserCacheTTL = time.Second

// userCache keeps the user rows Authenticate reads, by id, for a short
// time. Every change the Service makes to a user invalidates that user at
// once; a generation counter stops a read that raced with an invalidation
// from storing the older row.
type userCache struct {
	ttl time.Duration
	gen atomic.Uint64
	mu  sync.RWMutex
	m   map[int64]cachedUser
}

type cachedUser struct {
	u       pasched.User
	expires int64 // unix nanoseconds
}

// maxCachedUsers bounds the cache; past it, expired entries are dropped and,
// if that is not enough, everything.
const maxCachedUsers = 100_000

func (s *Service) cache() *userCache {
	s.cacheOnce.Do(func() {
		ttl := s.UserCacheTTL
		if ttl == 0 {
			ttl = -1
			if s.DB.Dialect == sqlstore.SQLite {
				ttl = DefaultUserCacheTTL
			}
		}
		s.users = &userCache{ttl: ttl, m: map[int64]cachedUser{}}
	})
	return s.users
}

// user returns a copy of user id, from the cache when fresh, else from the
// database (caching it).
func (c *userCache) user(ctx context.Context, db *sqlstore.DB, id int64) (*pasched.User, error) {
	if c.ttl < 0 {
		return sqlstore.FindUserByID(ctx, db, id)
	}
	now := time.Now().UnixNano()
	if u, ok := c.get(id, now); ok {
		return u, nil
	}
	gen := c.gen.Load()
	u, err := sqlstore.FindUserByID(ctx, db, id)
	if err != nil {
		return nil, err
	}
	c.put(u, gen, now)
	return u, nil
}

// get returns a copy of a fresh cached user.
func (c *userCache) get(id, now int64) (*pasched.User, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || now >= e.expires {
		return nil, false
	}
	u := e.u
	return &u, true
}

// put caches a copy of u, read when the generation was gen, unless a user
// was forgotten since (the row read may predate that change).
func (c *userCache) put(u *pasched.User, gen uint64, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.m) >= maxCachedUsers {
		c.prune(now)
	}
	c.m[u.ID] = cachedUser{u: *u, expires: now + int64(c.ttl)}
}

// forget drops user id (after any change to it).
func (c *userCache) forget(id int64) {
	c.mu.Lock()
	c.gen.Add(1)
	delete(c.m, id)
	c.mu.Unlock()
}

func (c *userCache) prune(now int64) {
	for id, e := range c.m {
		if now >= e.expires {
			delete(c.m, id)
		}
	}
	if len(c.m) >= maxCachedUsers {
		clear(c.m)
	}
}
