package realtime

import (
	"container/heap"
	"time"
)

// Token expiry and revocation close sockets with CloseUnauthorized. Expiry
// costs no goroutine or timer per socket: the hub keeps the sockets with an
// expiring token in one min-heap (a pointer per socket, plus the client's
// index in it) and one goroutine, with one timer, closes them when due.

// expiryHeap orders sockets by User.Expires, soonest first; it is guarded by
// the hub's mu.
type expiryHeap []*client

func (e expiryHeap) Len() int           { return len(e) }
func (e expiryHeap) Less(i, j int) bool { return e[i].user.Expires.Before(e[j].user.Expires) }
func (e expiryHeap) Swap(i, j int) {
	e[i], e[j] = e[j], e[i]
	e[i].expIdx = i
	e[j].expIdx = j
}
func (e *expiryHeap) Push(x any) {
	c := x.(*client)
	c.expIdx = len(*e)
	*e = append(*e, c)
}
func (e *expiryHeap) Pop() any {
	old := *e
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*e = old[:len(old)-1]
	c.expIdx = -1
	return c
}

// watchExpiryLocked adds a registered socket whose token expires to the
// heap, and wakes expireLoop when it is now the soonest.
func (h *Hub) watchExpiryLocked(c *client) {
	if c.user.Expires.IsZero() {
		return
	}
	heap.Push(&h.expiry, c)
	if c.expIdx == 0 {
		h.pokeExpiry()
	}
}

// unwatchExpiryLocked removes a dropped socket from the heap. A removed
// earliest entry does not wake expireLoop: its timer then fires early and
// finds nothing due.
func (h *Hub) unwatchExpiryLocked(c *client) {
	if c.expIdx >= 0 {
		heap.Remove(&h.expiry, c.expIdx)
	}
}

// expireLoop closes sockets whose token has expired, until Close.
func (h *Hub) expireLoop() {
	defer close(h.expiryDone)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		if d, ok := h.expireDue(); ok {
			t.Reset(d)
		} else {
			t.Stop()
		}
		select {
		case <-h.stopExpiry:
			t.Stop()
			return
		case <-h.wakeExpiry:
		case <-t.C:
		}
	}
}

// expireDue closes the sockets whose token has expired by now and returns
// the time until the next expiry (false when none is waiting).
func (h *Hub) expireDue() (time.Duration, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	for len(h.expiry) > 0 {
		c := h.expiry[0]
		if c.user.Expires.After(now) {
			return c.user.Expires.Sub(now), true
		}
		h.dropLocked(c) // removes it from the heap
		c.stop(CloseUnauthorized, "token expired", false)
		h.logger.Debug("realtime: token expired", "period", c.period, "user", c.user.ID)
	}
	return 0, false
}

// pokeExpiry makes expireLoop look at the heap again (also used by tests
// that move a fake clock).
func (h *Hub) pokeExpiry() {
	select {
	case h.wakeExpiry <- struct{}{}:
	default:
	}
}

// revoke closes every socket of user id, in every period, with
// CloseUnauthorized after flushing what is already queued for it. It runs on
// the dispatcher, in order with the events.
func (h *Hub) revoke(id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.periods {
		for c := range subs {
			if c.user.ID != id {
				continue
			}
			h.dropLocked(c)
			c.stop(CloseUnauthorized, "token revoked", false)
			n++
		}
	}
	if n > 0 {
		h.logger.Info("realtime: revoked user's sockets", "user", id, "sockets", n)
	}
}
