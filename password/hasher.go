package password

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// Hasher runs Hash, Verify and CheckDummy with at most a fixed number at a
// time, so that a flood of logins queues instead of taking every CPU and
// Memory KiB per hash. Callers wait for a slot until their context ends.
// A Hasher is safe for concurrent use; its zero value allows
// runtime.NumCPU() at a time.
type Hasher struct {
	max  int
	once sync.Once
	sem  chan struct{}
}

// NewHasher returns a Hasher running at most maxConcurrent hashes at once;
// maxConcurrent <= 0 means runtime.NumCPU().
func NewHasher(maxConcurrent int) *Hasher {
	return &Hasher{max: maxConcurrent}
}

func (h *Hasher) acquire(ctx context.Context) error {
	h.once.Do(func() {
		n := h.max
		if n <= 0 {
			n = runtime.NumCPU()
		}
		h.sem = make(chan struct{}, n)
	})
	// Refuse a context that has already ended even when a slot is free.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: wait for hasher: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("password: wait for hasher: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash is Hash run in a slot of h. It fails only if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, plain string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return Hash(plain)
}

// Verify is Verify run in a slot of h. If ctx ends before a slot is free it
// returns false and an error wrapping ctx.Err().
func (h *Hasher) Verify(ctx context.Context, plain, encoded string) (ok, needsRehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	return Verify(plain, encoded)
}

// CheckDummy is CheckDummy run in a slot of h, so that logins for unknown
// accounts queue exactly like real ones. It fails only if ctx ends first.
func (h *Hasher) CheckDummy(ctx context.Context, plain string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	CheckDummy(plain)
	return nil
}
