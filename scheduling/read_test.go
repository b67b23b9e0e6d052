package scheduling

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"pasched/sqlstore"
)

// TestShiftListKeyCoversFilter fails when sqlstore.ShiftFilter gains a
// field: the cache key (listKey) must then be taught it, or pages of
// different filters would be confused.
func TestShiftListKeyCoversFilter(t *testing.T) {
	t.Parallel()
	var got []string
	ft := reflect.TypeFor[sqlstore.ShiftFilter]()
	for i := range ft.NumField() {
		got = append(got, ft.Field(i).Name)
	}
	want := []string{"RequestedBy", "Status", "PeriodID", "From", "To", "VisibleTo", "Order", "Offset", "Limit"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ShiftFilter's fields are %v, listKey knows %v: update listKey and this test", got, want)
	}
}

// TestReadCache checks the cache's rules: a read model is served only under
// the version it was built under; concurrent misses of one key under one
// version build it once; an older build never replaces a newer one; the
// size is bounded; a build that panics fails its callers with an error
// (and no crash); a caller whose context ends stops waiting, while the
// build goes on for the others.
func TestReadCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var c readCache[int, *int]
	val := func(n int) func(context.Context) (*int, error) {
		return func(context.Context) (*int, error) { return &n, nil }
	}
	get := func(k int, v int64, build func(context.Context) (*int, error)) int {
		t.Helper()
		p, err := c.get(ctx, k, v, build)
		if err != nil {
			t.Fatal(err)
		}
		return *p
	}
	if got := get(1, 5, val(50)); got != 50 {
		t.Fatalf("first build: %d", got)
	}
	if got := get(1, 5, val(51)); got != 50 {
		t.Fatalf("same version: rebuilt (%d), want the cached 50", got)
	}
	if got := get(1, 6, val(60)); got != 60 {
		t.Fatalf("newer version: %d, want a rebuild (60)", got)
	}
	c.put(1, 5, ptr(55)) // a build of version 5 finishing late
	if got := get(1, 6, val(61)); got != 60 {
		t.Fatalf("version 6 replaced by an older build: %d", got)
	}
	for i := range 3 * readCacheSize {
		get(100+i, 1, val(i))
	}
	if len(c.m) > readCacheSize || len(c.order) > readCacheSize {
		t.Fatalf("%d entries kept, want at most %d", len(c.m), readCacheSize)
	}

	// Concurrent misses build once.
	var builds atomic.Int32
	release := make(chan struct{})
	slow := func(context.Context) (*int, error) {
		builds.Add(1)
		<-release
		return ptr(7), nil
	}
	var wg sync.WaitGroup
	results := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			p, err := c.get(ctx, 2, 1, slow)
			if err != nil {
				t.Error(err)
				return
			}
			results <- *p
		})
	}
	// Wait until one build runs; then every other caller either joined it
	// or will find its result cached.
	for builds.Load() == 0 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(results)
	for r := range results {
		if r != 7 {
			t.Errorf("got %d, want 7", r)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d builds for one key and version, want 1", n)
	}

	// A panicking build is an error for its callers.
	if _, err := c.get(ctx, 3, 1, func(context.Context) (*int, error) { panic("boom") }); err == nil {
		t.Fatal("panicking build: no error")
	}
	if got := get(3, 1, val(30)); got != 30 {
		t.Fatalf("after a panicked build: %d, want a fresh build", got)
	}

	// A cancelled caller returns at once; the build it started completes
	// for the others with a context that is not cancelled.
	cctx, cancel := context.WithCancel(ctx)
	started, finish := make(chan struct{}), make(chan struct{})
	var buildErr error
	gone := make(chan error)
	go func() {
		_, err := c.get(cctx, 4, 1, func(bctx context.Context) (*int, error) {
			close(started)
			<-finish
			buildErr = bctx.Err()
			return ptr(40), nil
		})
		gone <- err
	}()
	<-started
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	close(finish)
	if got := get(4, 1, val(41)); got != 40 {
		t.Fatalf("build of a cancelled caller: %d, want its result 40", got)
	}
	if buildErr != nil {
		t.Fatalf("build saw its first caller's cancellation: %v", buildErr)
	}
}
