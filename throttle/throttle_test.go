package throttle

import (
	"strconv"
	"testing"
	"time"
)

func TestThrottleUnit(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	th := New(Rate{N: 3, Period: time.Minute})
	for i := range 3 {
		if ok, _ := th.Allow("k", t0); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	for _, c := range []struct {
		at   time.Duration
		ok   bool
		wait time.Duration
	}{
		{0, false, 20 * time.Second},
		{5 * time.Second, false, 15 * time.Second},
		{20 * time.Second, true, 0},
		{20 * time.Second, false, 20 * time.Second},
	} {
		ok, wait := th.Allow("k", t0.Add(c.at))
		if ok != c.ok || wait != c.wait {
			t.Errorf("at %v: %v %v, want %v %v", c.at, ok, wait, c.ok, c.wait)
		}
	}
	if ok, _ := th.Allow("other", t0); !ok {
		t.Error("keys share a bucket")
	}
	// A refused request takes nothing: waiting the given time is enough.
	if ok, _ := th.Allow("k", t0.Add(40*time.Second)); !ok {
		t.Error("refusals used up tokens")
	}
	var off *Limiter
	if ok, _ := off.Allow("k", t0); !ok {
		t.Error("nil throttle refused")
	}
	if ok, _ := New(Rate{}).Allow("k", t0); !ok {
		t.Error("zero rate refused")
	}
	// Forgetting full buckets keeps memory bounded.
	th.prune(t0.Add(time.Hour))
	if len(th.m) != 0 {
		t.Errorf("prune kept %d keys", len(th.m))
	}
	// A flood from more addresses than it remembers: it forgets them all
	// rather than scanning on every request.
	for i := range maxKeys {
		th.Allow(strconv.Itoa(i), t0)
	}
	if ok, _ := th.Allow("new", t0); !ok || len(th.m) != 1 {
		t.Errorf("after a flood: %d keys", len(th.m))
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
		err  bool
	}{
		{"5/min", Rate{5, time.Minute}, false}, {"10/s", Rate{10, time.Second}, false}, {"20/hour", Rate{20, time.Hour}, false},
		{"3/day", Rate{3, 24 * time.Hour}, false}, {" 7/minute ", Rate{7, time.Minute}, false}, {"", Rate{}, false},
		{"0", Rate{}, false}, {"none", Rate{}, false}, {"5", Rate{}, true}, {"x/min", Rate{}, true}, {"5/", Rate{}, true},
		{"5/week", Rate{}, true}, {"-1/min", Rate{}, true},
	} {
		got, err := ParseRate(c.in)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("ParseRate(%q) = %v, %v", c.in, got, err)
		}
	}
}
