package accounts

import (
	"context"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Every argon2id hash or verification allocates its 19 MiB of memory
// (password.Memory) afresh. Go frees it at the next collection but keeps
// the pages, so one login would leave the idle server about 20 MB larger
// for minutes. When the last hashing in progress ends, the pages are handed
// back to the system — once the hasher has been idle for releaseDelay, so a
// burst of logins pays for it once.
const releaseDelay = 250 * time.Millisecond

// hashMemory counts hashing in progress and schedules the release.
type hashMemory struct {
	inflight  atomic.Int32
	scheduled atomic.Bool
}

func (m *hashMemory) begin() { m.inflight.Add(1) }

func (m *hashMemory) end() {
	if m.inflight.Add(-1) != 0 || !m.scheduled.CompareAndSwap(false, true) {
		return
	}
	time.AfterFunc(releaseDelay, func() {
		m.scheduled.Store(false)
		if m.inflight.Load() == 0 {
			debug.FreeOSMemory()
		}
	})
}

// hash, verify and dummy run the Service's hasher, counted.
func (s *Service) hash(ctx context.Context, plain string) (string, error) {
	s.hashMem.begin()
	defer s.hashMem.end()
	return s.Hasher.Hash(ctx, plain)
}

func (s *Service) verify(ctx context.Context, plain, encoded string) (bool, bool, error) {
	s.hashMem.begin()
	defer s.hashMem.end()
	return s.Hasher.Verify(ctx, plain, encoded)
}

func (s *Service) dummy(ctx context.Context, plain string) error {
	s.hashMem.begin()
	defer s.hashMem.end()
	return s.Hasher.CheckDummy(ctx, plain)
}
