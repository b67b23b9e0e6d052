package api

import "pasched/throttle"

// newThrottle is a throttle of rate r, for tests that swap one of the
// server's.
func newThrottle(r Rate) *throttle.Limiter { return throttle.New(r) }
