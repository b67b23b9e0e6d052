package password

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

func TestHasherWaitsForSlot(t *testing.T) {
	t.Parallel()
	h := NewHasher(1)
	ctx := context.Background()
	if err := h.acquire(ctx); err != nil { // take the only slot
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 3)
	go func() { _, err := h.Hash(ctx, "pw"); errc <- err }()
	go func() { _, _, err := h.Verify(ctx, "pw", dummyEncoded); errc <- err }()
	go func() { errc <- h.CheckDummy(ctx, "pw") }()
	cancel()
	for range 3 {
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("call while full = %v, want context.Canceled", err)
		}
	}

	h.release()
	enc, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := h.Verify(context.Background(), "pw", enc); !ok || rehash || err != nil {
		t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	if err := h.CheckDummy(context.Background(), "pw"); err != nil {
		t.Error(err)
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("%d slots still held", n)
	}
}

func TestHasherCancelledBeforeCall(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var h Hasher // zero value works
	if ok, _, err := h.Verify(ctx, "pw", dummyEncoded); ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Verify(cancelled) = %v, %v", ok, err)
	}
	if got, want := cap(h.sem), runtime.NumCPU(); got != want {
		t.Errorf("zero Hasher allows %d, want NumCPU %d", got, want)
	}
}

// Many concurrent calls never hold more than maxConcurrent slots.
func TestHasherBound(t *testing.T) {
	t.Parallel()
	h := NewHasher(2)
	var inside, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			CheckDummy("pw")
			inside.Add(-1)
			h.release()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("peak concurrency %d, want <= 2", p)
	}
}
