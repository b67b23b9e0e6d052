package api

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is DRF's throttle rate: N requests per period ("5/min").
type Rate struct {
	N      int
	Period time.Duration
}

// ParseRate reads "N/sec|min|hour|day" (DRF's format; only the first letter
// of the period counts, as in DRF). "" or "0" disables the throttle.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || strings.EqualFold(s, "none") {
		return Rate{}, nil
	}
	num, per, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 || per == "" {
		return Rate{}, fmt.Errorf("bad rate %q: want N/sec, N/min, N/hour or N/day", s)
	}
	d := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[per[0]]
	if d == 0 {
		return Rate{}, fmt.Errorf("bad rate %q: want N/sec, N/min, N/hour or N/day", s)
	}
	return Rate{N: n, Period: d}, nil
}

// throttle limits requests per key (a client IP or an account) with a token
// bucket of N requests refilled over Period.
type throttle struct {
	rate Rate
	mu   sync.Mutex
	m    map[string]*rate.Limiter
}

func newThrottle(r Rate) *throttle { return &throttle{rate: r, m: map[string]*rate.Limiter{}} }

// allow takes one request for key; when refused it says how long to wait.
func (t *throttle) allow(key string, now time.Time) (bool, time.Duration) {
	if t == nil || t.rate.N == 0 {
		return true, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lim, ok := t.m[key]
	if !ok {
		if len(t.m) >= maxThrottleKeys {
			t.prune(now)
		}
		lim = rate.NewLimiter(rate.Every(t.rate.Period/time.Duration(t.rate.N)), t.rate.N)
		t.m[key] = lim
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// prune forgets keys whose bucket is full again (they are as new). If that
// frees nothing much (a flood from very many addresses), it forgets every
// key, so that memory stays bounded and a scan does not run per request.
func (t *throttle) prune(now time.Time) {
	for k, lim := range t.m {
		if lim.TokensAt(now) >= float64(t.rate.N) {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxThrottleKeys*9/10 {
		clear(t.m)
	}
}

// maxThrottleKeys bounds the keys a throttle remembers.
const maxThrottleKeys = 100_000
