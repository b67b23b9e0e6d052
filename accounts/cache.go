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
// read: long enough that a busy user's requests read the row about once a
// second, short enough that a change no instance is told of (`pasched
// import`, SQL run by hand, an event lost) shows within it.
//
// On SQLite one process serves the database and forgets a user as soon as
// it changes it. On PostgreSQL several instances may serve one database:
// the cache is on only with a feed of the other instances' changes
// (Service.UserFeed, see UserChanged and UserFeedLive), and only while that
// feed is live; otherwise every request reads the row (unless UserCacheTTL
// asks for a cache anyway, for a single instance).
const DefaultUserCacheTTL = time.Second

// userCache keeps the user rows Authenticate reads, by id, for a short
// time. Every change the Service makes to a user invalidates that user at
// once; a generation counter stops a read that raced with an invalidation
// from storing the older row.
type userCache struct {
	ttl time.Duration
	// feed: the cache is used only while live (set by UserFeedLive).
	feed bool
	live atomic.Bool
	gen  atomic.Uint64
	mu   sync.RWMutex
	m    map[int64]cachedUser
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
			if s.DB.Dialect == sqlstore.SQLite || s.UserFeed {
				ttl = DefaultUserCacheTTL
			}
		}
		s.users = &userCache{ttl: ttl, feed: s.UserFeed, m: map[int64]cachedUser{}}
	})
	return s.users
}

// user returns a copy of user id, from the cache when fresh, else from the
// database (caching it).
func (c *userCache) user(ctx context.Context, db *sqlstore.DB, id int64) (*pasched.User, error) {
	if c.ttl < 0 || c.feed && !c.live.Load() {
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
	if c.gen.Load() != gen || c.feed && !c.live.Load() {
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

// setLive turns the cache on or off with its feed. Going off forgets
// everything: the changes made meanwhile will not all be told.
func (c *userCache) setLive(live bool) {
	c.mu.Lock()
	c.gen.Add(1)
	c.live.Store(live)
	if !live {
		clear(c.m)
	}
	c.mu.Unlock()
}

// UserChanged drops user id from this instance's cache: the feed calls it
// for each change to a user committed on any instance (Service.UserFeed).
func (s *Service) UserChanged(id int64) { s.cache().forget(id) }

// UserFeedLive tells the cache whether its feed is live, that is whether
// every change to a user committed so far has reached UserChanged. While
// it is not, Authenticate reads every user from the database.
func (s *Service) UserFeedLive(live bool) { s.cache().setLive(live) }

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
