// Package throttle limits how often a client may try the account actions
// (sign in, sign up, password reset, first-run setup): a token bucket per
// key (a client IP or an account), in the style and rate format of Django
// REST Framework's throttles, which the JSON API reproduces. Both front
// ends take the same Set, so a client has one budget per action whether
// it posts the web app's forms or calls the API. How a refusal is shown
// (DRF's 429 body, a re-rendered form) is each front end's business.
//
// The buckets live in the process: with several instances each keeps its
// own, so a client gets the rate once per instance.
package throttle

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

// Limiter limits requests per key (a client IP or an account) with a token
// bucket of N requests refilled over Period. A nil Limiter, or one of a
// zero Rate, allows everything.
type Limiter struct {
	rate Rate
	mu   sync.Mutex
	m    map[string]*rate.Limiter
}

// New returns a Limiter of rate r.
func New(r Rate) *Limiter { return &Limiter{rate: r, m: map[string]*rate.Limiter{}} }

// Allow takes one request for key; when refused it says how long to wait.
// A refused request takes nothing from the bucket.
func (t *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	if t == nil || t.rate.N == 0 {
		return true, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lim, ok := t.m[key]
	if !ok {
		if len(t.m) >= maxKeys {
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
func (t *Limiter) prune(now time.Time) {
	for k, lim := range t.m {
		if lim.TokensAt(now) >= float64(t.rate.N) {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxKeys*9/10 {
		clear(t.m)
	}
}

// maxKeys bounds the keys a Limiter remembers.
const maxKeys = 100_000

// Rates are the rates of a Set's throttles, per client IP and per account
// (the lower-cased email the request names); a zero Rate disables one.
// The field names are the JSON API's settings (api.Config embeds Rates).
type Rates struct {
	LoginIPRate, LoginAccountRate       Rate
	RegisterIPRate, RegisterAccountRate Rate
	ResetIPRate, ResetAccountRate       Rate
	// ResetConfirmIPRate limits the posts of a new password from a reset
	// link, SetupIPRate those of the first-run setup form: only the web
	// app has these forms.
	ResetConfirmIPRate, SetupIPRate Rate
}

// DefaultRates are the throttles of a production deployment (the seed's
// DRF settings for the first six).
func DefaultRates() Rates {
	return Rates{
		LoginIPRate:         Rate{N: 30, Period: time.Minute},
		LoginAccountRate:    Rate{N: 10, Period: time.Minute},
		RegisterIPRate:      Rate{N: 20, Period: time.Hour},
		RegisterAccountRate: Rate{N: 5, Period: time.Hour},
		ResetIPRate:         Rate{N: 10, Period: time.Hour},
		ResetAccountRate:    Rate{N: 5, Period: time.Hour},
		// A new password is hashed (argon2id) on every valid post, and a
		// person may need a few tries to pass the password rules.
		ResetConfirmIPRate: Rate{N: 20, Period: time.Hour},
		// Each setup takes at least two posts (the code, then the admin);
		// the code has about 73 bits, so this only bounds the work.
		SetupIPRate: Rate{N: 20, Period: time.Hour},
	}
}

// Set is one Limiter per account action and key: what both front ends
// take, so that they share each client's budget.
type Set struct {
	LoginIP, LoginAccount       *Limiter
	RegisterIP, RegisterAccount *Limiter
	ResetIP, ResetAccount       *Limiter
	ResetConfirmIP, SetupIP     *Limiter
}

// NewSet returns the throttles of rates r.
func NewSet(r Rates) *Set {
	return &Set{
		LoginIP: New(r.LoginIPRate), LoginAccount: New(r.LoginAccountRate),
		RegisterIP: New(r.RegisterIPRate), RegisterAccount: New(r.RegisterAccountRate),
		ResetIP: New(r.ResetIPRate), ResetAccount: New(r.ResetAccountRate),
		ResetConfirmIP: New(r.ResetConfirmIPRate), SetupIP: New(r.SetupIPRate),
	}
}
