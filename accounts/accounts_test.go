package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/password"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

func newService(t *testing.T, d sqlstore.Dialect) *Service {
	t.Helper()
	db := sqltest.Open(t, d)
	js, err := jobs.New(context.Background(), jobs.Opts{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(js.Close)
	return &Service{DB: db, Jobs: js.Client, Hasher: password.NewHasher(2), Signer: token.NewSigner("k"), FrontendURL: "http://f.test"}
}

func ptr(s string) *string { return &s }

func TestIssueTimeAfterReset(t *testing.T) {
	t.Parallel()
	reset := time.Date(2030, 1, 1, 10, 0, 5, 400_000_000, time.UTC)
	u := &pasched.User{TokensValidAfter: &reset}
	for _, c := range []struct {
		now, want time.Time
	}{
		{reset.Add(100 * time.Millisecond), time.Date(2030, 1, 1, 10, 0, 6, 0, time.UTC)},
		{reset.Add(-time.Hour), time.Date(2030, 1, 1, 10, 0, 6, 0, time.UTC)},
		{reset.Add(2 * time.Second), reset.Add(2 * time.Second)},
	} {
		if got := issueTime(u, c.now); !got.Equal(c.want) {
			t.Errorf("issueTime(%v) = %v, want %v", c.now, got, c.want)
		}
		if TokenRevoked(u, token.Claims{Iat: issueTime(u, c.now).Unix()}) {
			t.Errorf("a token issued at %v is refused", c.now)
		}
	}
	// Tokens of the reset's own second, or earlier, are refused.
	for _, iat := range []int64{reset.Unix(), reset.Unix() - 1} {
		if !TokenRevoked(u, token.Claims{Iat: iat}) {
			t.Errorf("iat %d accepted", iat)
		}
	}
	// A reset exactly on a second refuses that second's earlier tokens only.
	whole := time.Date(2030, 1, 1, 10, 0, 5, 0, time.UTC)
	u.TokensValidAfter = &whole
	if TokenRevoked(u, token.Claims{Iat: whole.Unix()}) || !TokenRevoked(u, token.Claims{Iat: whole.Unix() - 1}) {
		t.Error("whole-second reset")
	}
	if TokenRevoked(&pasched.User{}, token.Claims{Iat: 0}) {
		t.Error("no reset, token refused")
	}
}

func TestValidatePasswordHasNoUser(t *testing.T) {
	t.Parallel()
	// The seed runs the validators without a user: no similarity check.
	if msgs := ValidatePassword("alice@example.com"); msgs != nil {
		t.Errorf("%q", msgs)
	}
	if msgs := ValidatePassword("1234"); len(msgs) != 3 {
		t.Errorf("%q", msgs)
	}
}

func TestUserCache(t *testing.T) {
	t.Parallel()
	c := &userCache{ttl: time.Second, m: map[int64]cachedUser{}}
	u := &pasched.User{ID: 1, FirstName: "Ann"}
	now := time.Now().UnixNano()
	c.put(u, c.gen.Load(), now)
	got, ok := c.get(1, now)
	if !ok || got.FirstName != "Ann" {
		t.Fatalf("get = %+v, %v", got, ok)
	}
	got.FirstName = "Changed by a handler"
	if again, _ := c.get(1, now); again.FirstName != "Ann" {
		t.Fatal("callers share the cached user")
	}
	if _, ok := c.get(1, now+int64(time.Second)); ok {
		t.Fatal("expired entry served")
	}
	// A read that started before an invalidation must not be cached.
	gen := c.gen.Load()
	c.forget(1)
	c.put(&pasched.User{ID: 1, FirstName: "Stale"}, gen, now)
	if _, ok := c.get(1, now); ok {
		t.Fatal("a stale read was cached after forget")
	}
	// Bounded: past the limit, expired entries go, then everything.
	for i := range int64(maxCachedUsers) {
		c.m[i+10] = cachedUser{expires: now - 1}
	}
	c.put(&pasched.User{ID: 2}, c.gen.Load(), now)
	if len(c.m) != 1 {
		t.Fatalf("prune left %d entries", len(c.m))
	}
}

// TestAuthenticateSeesChanges: with the cache on, every change made through
// the Service shows in the next Authenticate.
func TestAuthenticateSeesChanges(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newService(t, d)
		if want := map[sqlstore.Dialect]time.Duration{sqlstore.SQLite: DefaultUserCacheTTL, sqlstore.Postgres: -1}[d]; s.cache().ttl != want {
			t.Fatalf("default TTL on %s: %v", d, s.cache().ttl)
		}
		s.users.ttl = time.Minute
		ctx := context.Background()
		u, _, err := s.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com", FirstName: "Ada"}, "Adm1n-Pass-2030!")
		if err != nil {
			t.Fatal(err)
		}
		pair, _ := s.Signer.IssuePair(u.ID, time.Now())
		auth := func() *pasched.User {
			t.Helper()
			got, err := s.Authenticate(ctx, pair.Access)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if auth().FirstName != "Ada" {
			t.Fatal("first read")
		}
		if _, err := s.UpdateProfile(ctx, u.ID, pasched.ProfileUpdate{FirstName: ptr("Augusta")}); err != nil {
			t.Fatal(err)
		}
		if got := auth(); got.FirstName != "Augusta" {
			t.Fatalf("after UpdateProfile: %q", got.FirstName)
		}
		if _, _, err := s.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com", FirstName: "Ada"}, "Adm1n-Pass-2031!"); err != nil {
			t.Fatal(err)
		}
		if got := auth(); got.FirstName != "Ada" {
			t.Fatalf("after CreateAdmin: %q", got.FirstName)
		}
		// A change made behind the Service's back shows once the entry expires.
		s.users.ttl = -1
		if err := s.DB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET is_active = $1 WHERE id = $2`, false, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, pair.Access); !errors.Is(err, ErrUserInactive) {
			t.Fatalf("inactive user: %v", err)
		}
	})
}

// TestRegisterRace: concurrent registrations of one email create one user;
// the others get the duplicate-email message, never a 500.
func TestRegisterRace(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newService(t, d)
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = s.Register(context.Background(), RegisterInput{Email: ptr("race@example.com"), Username: ptr("race"),
					Password: ptr("Maple-Comet-55"), PasswordConfirm: ptr("Maple-Comet-55"), PhoneNumber: ptr("1")})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case pasched.ErrorCode(err) != pasched.EINVALID:
				t.Errorf("error %v", err)
			}
		}
		var users, jobsN int
		s.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users`).Scan(&users)
		s.DB.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job`).Scan(&jobsN)
		if ok != 1 || users != 1 || jobsN != 1 {
			t.Fatalf("%d succeeded, %d users, %d jobs", ok, users, jobsN)
		}
	})
}

// TestLoginCancelledWhileQueued: a login whose client has gone away while
// it waited for a hashing slot ends with the context's error.
func TestLoginCancelledWhileQueued(t *testing.T) {
	t.Parallel()
	s := newService(t, sqlstore.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Login(ctx, "nobody@example.com", "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("unknown email: %v", err)
	}
	if _, _, err := s.CreateAdmin(context.Background(), pasched.NewUser{Email: "a@example.com"}, "Adm1n-Pass-2030!"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(ctx, "a@example.com", "Adm1n-Pass-2030!"); !errors.Is(err, context.Canceled) {
		t.Fatalf("known email: %v", err)
	}
}

// TestHashMemoryRelease: the release is scheduled once, when the last
// hashing in progress ends.
func TestHashMemoryRelease(t *testing.T) {
	t.Parallel()
	var m hashMemory
	m.begin()
	m.begin()
	m.end()
	if m.scheduled.Load() {
		t.Fatal("scheduled while a hash was running")
	}
	m.end()
	if !m.scheduled.Load() || m.inflight.Load() != 0 {
		t.Fatal("not scheduled when the hasher went idle")
	}
	m.begin()
	m.end() // already scheduled: no second timer
	if m.inflight.Load() != 0 {
		t.Fatal("inflight")
	}
}
