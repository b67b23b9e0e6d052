package web

import (
	"bytes"
	"fmt"
	"html/template"
	"sync"

	"pasched/schedule"
)

// The month page is the page every PA opens most, and its body (the
// calendar: some 40 day cells, each with its shifts and coverage) is the
// same on every request until the schedule changes. Its main fragment is
// therefore rendered once per (user, month, today) under a schedule
// version (scheduling.Service.Version, the one the read side validates its
// read models by) and kept; each request reads the version (one cheap
// query), and on a hit renders only the layout around the kept fragment,
// so the flash message, the signed-in user and the rest of the layout stay
// per request. Any write to shifts, periods or names moves the version, so
// the next request misses and renders afresh: nothing stale is served.

// monthCacheSize bounds the fragments kept: a few months for each of a
// household's PAs and admins.
const monthCacheSize = 256

// monthKey is what a month page's main fragment depends on besides the
// schedule data. today marks a day cell and picks the week and day links;
// admin decides whose shifts show and how.
type monthKey struct {
	user         int64
	admin        bool
	month, today schedule.Date
}

// monthFragment is the rendered main fragment of a month page and what the
// layout around it needs.
type monthFragment struct {
	version     int64
	title       string
	livePeriods string
	main        template.HTML
}

// monthCache keeps month fragments by key, each with the version it was
// rendered under. It is safe for concurrent use; the zero value is ready.
type monthCache struct {
	mu    sync.Mutex
	m     map[monthKey]*monthFragment
	order []monthKey // FIFO of m's keys
}

// get returns k's fragment if it was rendered under version.
func (c *monthCache) get(k monthKey, version int64) (*monthFragment, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.m[k]
	if !ok || f.version != version {
		return nil, false
	}
	return f, true
}

// put keeps f as k's fragment unless one rendered under a later version is
// already there.
func (c *monthCache) put(k monthKey, f *monthFragment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[monthKey]*monthFragment, monthCacheSize)
	}
	old, ok := c.m[k]
	if ok && old.version > f.version {
		return
	}
	if !ok {
		if len(c.order) >= monthCacheSize {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
	}
	c.m[k] = f
}

// renderMain renders page name's "main" template with v alone: the bytes
// the layout would put inside <main> for it.
func (s *Server) renderMain(name string, v *View) (template.HTML, error) {
	t, ok := s.pages.byName[name]
	if !ok {
		return "", fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "main", v); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	// The fragment was escaped by html/template as it rendered.
	return template.HTML(buf.String()), nil
}
