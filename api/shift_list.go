package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"pasched"
	"pasched/internal/jsonenc"
	"pasched/schedule"
	"pasched/scheduling"
	"pasched/sqlstore"
)

// shiftListAPI serves GET /api/shifts/ with a cache of rendered pages.
//
// A page is read with its count in one query (sqlstore.FindShiftPage) and
// rendered once; on SQLite it is kept with the database's change stamp
// (sqlstore.ChangeStamp, the mechanism of the calendar views: PRAGMA
// data_version, which moves on every commit by any connection or process)
// and served again while the stamp is unchanged. A request therefore runs
// one query (the stamp) when nothing was committed since the page was
// rendered, two otherwise, and any write — a shift's, a user's rename, a
// period's, another process's — is seen by the next request. On
// PostgreSQL, where no cheap stamp holds across the instances sharing a
// database, nothing is cached: one query a request.
type shiftListAPI struct {
	s     *Server
	cache listCache
}

// listKey is what a page depends on besides the database: whose shifts
// (scheduling.ShiftScope), the normalised filters and the page (0 for
// ?page=last).
type listKey struct {
	scope    int64
	status   string
	period   int64
	from, to schedule.Date
	hasFrom  bool
	hasTo    bool
	page     int
}

// listPage is a rendered page. It is never modified once made, so requests
// share it.
type listPage struct {
	gen    uint64 // change stamp it was read under
	count  int
	page   int  // its number (a last page's, worked out)
	beyond bool // a page past the end: 404 "Invalid page."
	// results is the JSON of its shifts, comma-separated (no brackets).
	results []byte
}

// listCacheSize bounds the pages kept (a page is ~28 KB): the admins'
// first pages under a few filters and each PA's own.
const listCacheSize = 128

// listCache is a FIFO cache of rendered pages, with the loads in flight so
// that requests missing the same page under the same stamp read it once.
type listCache struct {
	mu       sync.Mutex
	m        map[listKey]*listPage
	order    []listKey
	inflight map[listKey]*listLoad
}

// listLoad is a page being read under stamp gen.
type listLoad struct {
	gen  uint64
	done chan struct{}
	page *listPage
	err  error
}

// lookup returns the page of k cached under gen, or the load of it in
// flight under gen (wait on it), or neither: then the caller loads it and
// must call finish with the load returned.
func (c *listCache) lookup(k listKey, gen uint64) (p *listPage, wait, mine *listLoad) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[k]; p != nil && p.gen == gen {
		return p, nil, nil
	}
	if l := c.inflight[k]; l != nil && l.gen == gen {
		return nil, l, nil
	}
	l := &listLoad{gen: gen, done: make(chan struct{})}
	if c.inflight == nil {
		c.inflight = map[listKey]*listLoad{}
	}
	// A load under an older stamp stays registered with its waiters; it is
	// simply no longer found.
	c.inflight[k] = l
	return nil, nil, l
}

// finish publishes a load's result, caching the page unless a newer one is
// already there.
func (c *listCache) finish(k listKey, l *listLoad, p *listPage, err error) {
	c.mu.Lock()
	if c.inflight[k] == l {
		delete(c.inflight, k)
	}
	if err == nil {
		c.put(k, p)
	}
	c.mu.Unlock()
	l.page, l.err = p, err
	close(l.done)
}

func (c *listCache) put(k listKey, p *listPage) {
	if c.m == nil {
		c.m = make(map[listKey]*listPage, listCacheSize)
	}
	old, ok := c.m[k]
	if ok && old.gen > p.gen {
		return
	}
	if !ok {
		if len(c.order) >= listCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = p
}

// errInvalidPage is DRF's answer to a page that does not exist.
var errInvalidPage = pasched.Errorf(pasched.ENOTFOUND, "Invalid page.")

// pageParam reads ?page= as pageNumber does, before the count is known:
// absent → 1, "last" → 0 (the last page), a number ≥ 1 → itself, anything
// else → 404. Whether a number is past the end is known after the query.
func pageParam(r *http.Request) (int, error) {
	raw := r.URL.Query().Get("page")
	switch raw {
	case "":
		return 1, nil
	case "last":
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return 0, errInvalidPage
	}
	return n, nil
}

// list answers GET /api/shifts/: the shifts the user may see (an admin
// every shift, a PA their own), filtered, newest first, a page at a time.
func (l *shiftListAPI) list(w http.ResponseWriter, r *http.Request) {
	s := l.s
	u := userFrom(r)
	f, err := shiftFilter(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	n, err := pageParam(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ctx := r.Context()
	gen, cacheable, err := sqlstore.ChangeStamp(ctx, s.DB)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var p *listPage
	if !cacheable {
		p, err = l.load(ctx, u, f, n, 0)
	} else {
		k := listKey{scope: scheduling.ShiftScope(u), status: f.Status, period: f.PeriodID, page: n}
		if f.From != nil {
			k.from, k.hasFrom = *f.From, true
		}
		if f.To != nil {
			k.to, k.hasTo = *f.To, true
		}
		p, err = l.cached(ctx, k, gen, func() (*listPage, error) { return l.load(ctx, u, f, n, gen) })
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	if p.beyond {
		writeError(w, r, errInvalidPage)
		return
	}
	writeListPage(w, r, p)
}

// cached returns the page of k under gen from the cache, from a load of it
// in flight, or from load.
func (l *shiftListAPI) cached(ctx context.Context, k listKey, gen uint64, load func() (*listPage, error)) (*listPage, error) {
	p, wait, mine := l.cache.lookup(k, gen)
	switch {
	case p != nil:
		return p, nil
	case wait != nil:
		select {
		case <-wait.done:
			if wait.err == nil {
				return wait.page, nil
			}
			// Its request's error (say, its client went away) is not ours.
			return load()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	finished := false
	defer func() {
		if !finished { // load panicked: let the waiters load for themselves
			l.cache.finish(k, mine, nil, errListLoad)
		}
	}()
	p, err := load()
	finished = true
	l.cache.finish(k, mine, p, err)
	return p, err
}

var errListLoad = errors.New("list page load failed")

// load reads and renders page n (0: the last) of f for u.
func (l *shiftListAPI) load(ctx context.Context, u *pasched.User, f sqlstore.ShiftFilter, n int, gen uint64) (*listPage, error) {
	f.Limit = PageSize
	if n > 0 {
		f.Offset = (n - 1) * PageSize
	}
	sp, err := l.s.Scheduling.ShiftPage(ctx, u, f, n == 0)
	if err != nil {
		return nil, err
	}
	p := &listPage{gen: gen, count: sp.Count, page: sp.Offset/PageSize + 1, beyond: sp.Beyond}
	if !p.beyond {
		p.results = schedAppendShifts(make([]byte, 0, 600*len(sp.Shifts)), sp.Shifts)
	}
	return p, nil
}

// writeListPage writes p in DRF's envelope, its links made for r.
func writeListPage(w http.ResponseWriter, r *http.Request, p *listPage) {
	env := newPage(r, p.count, p.page, []struct{}{})
	buf := schedBufs.Get().(*[]byte)
	defer schedPut(buf)
	b := append((*buf)[:0], `{"count":`...)
	b = strconv.AppendInt(b, int64(p.count), 10)
	for _, link := range []struct {
		key string
		url *string
	}{{`,"next":`, env.Next}, {`,"previous":`, env.Previous}} {
		b = append(b, link.key...)
		if link.url == nil {
			b = append(b, "null"...)
		} else {
			b = jsonenc.AppendString(b, *link.url)
		}
	}
	b = append(b, `,"results":[`...)
	b = append(b, p.results...)
	b = append(b, "]}"...)
	schedWriteRaw(w, http.StatusOK, b)
	*buf = b
}
