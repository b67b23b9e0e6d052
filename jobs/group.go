package jobs

import (
	"context"
	"sync"
)

// group shares one run among the calls that arrive together: a call that
// comes while a run is under way joins the next batch, which goes as soon
// as that run is done, so a burst of calls costs a few statements (round
// trips, or SQLite's write transactions) instead of one each. The sent
// marks (sentLog) and the recipients' settings reads (settingsReads) go
// through it.
// Its zero value is ready to use.
type group[T, R any] struct {
	mu  sync.Mutex
	cur *groupBatch[T, R] // the batch new calls join; nil when none is open
	// running serialises the runs; while one runs the next batch fills.
	running sync.Mutex
}

type groupBatch[T, R any] struct {
	items []T
	done  chan struct{}
	res   R
	err   error
}

// maxGroup bounds a batch's items: one statement's rows or ids (SQLite
// allows 32,766 parameters).
const maxGroup = 500

// do adds item to the open batch, or opens one and, once the run before it
// is done, runs it with run, and returns the batch's result. run gets the
// context of the call that opened the batch: the other calls of the batch
// wait for it whatever theirs says.
func (g *group[T, R]) do(ctx context.Context, item T, run func(ctx context.Context, items []T) (R, error)) (R, error) {
	g.mu.Lock()
	b := g.cur
	leader := b == nil || len(b.items) >= maxGroup
	if leader {
		b = &groupBatch[T, R]{done: make(chan struct{})}
		g.cur = b
	}
	b.items = append(b.items, item)
	g.mu.Unlock()
	if !leader {
		select {
		case <-b.done:
			return b.res, b.err
		case <-ctx.Done():
			var zero R
			return zero, ctx.Err()
		}
	}
	// The leader waits for the batch being run, then closes its own to
	// newcomers and runs it.
	g.running.Lock()
	g.mu.Lock()
	if g.cur == b {
		g.cur = nil
	}
	items := b.items
	g.mu.Unlock()
	b.res, b.err = run(ctx, items)
	g.running.Unlock()
	close(b.done)
	return b.res, b.err
}
