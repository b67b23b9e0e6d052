package accounts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"pasched"
	"pasched/password"
	"pasched/realtime"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
	"pasched/token"
)

// instance is one `pasched serve` of a deployment whose instances share a
// PostgreSQL database: an accounts Service whose user cache is fed by its
// own realtime.PGBroker, wired as cmd/pasched wires them.
type instance struct {
	svc *Service
	// changed receives each user id the feed delivered, once the cache
	// has dropped it; live each OnLive; pids each listening connection.
	changed chan int64
	live    chan bool
	pids    chan uint32
}

func startInstance(t *testing.T, db *sqlstore.DB, opts realtime.PGBrokerOpts) *instance {
	t.Helper()
	in := &instance{
		svc:     &Service{DB: db, Hasher: password.NewHasher(2), Signer: token.NewSigner("k"), UserFeed: true},
		changed: make(chan int64, 64), live: make(chan bool, 8), pids: make(chan uint32, 8),
	}
	if got := in.svc.cache().ttl; got != DefaultUserCacheTTL {
		t.Fatalf("TTL on PostgreSQL with a feed: %v, want %v", got, DefaultUserCacheTTL)
	}
	// Only the feed may drop an entry during the test, not its age.
	in.svc.users.ttl = time.Hour
	opts.OnUserChanged = func(id int64) { in.svc.UserChanged(id); in.changed <- id }
	opts.OnLive = func(live bool) { in.svc.UserFeedLive(live); in.live <- live }
	opts.OnListen = func(pid uint32) { in.pids <- pid }
	hub := realtime.NewHub(realtime.HubOpts{})
	broker := realtime.NewPGBrokerWithOpts(db.DSN, hub, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	in.svc.Events = realtime.NewPublisher(broker)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- broker.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("broker: %v", err)
		}
		hub.Close(context.Background())
	})
	if !in.nextLive(t) {
		t.Fatal("the feed's first state is not live")
	}
	return in
}

func (in *instance) nextLive(t *testing.T) bool {
	t.Helper()
	select {
	case l := <-in.live:
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("the feed's state did not change within 10 s")
	}
	return false
}

// waitChanged waits until the feed has delivered the change of user id.
func (in *instance) waitChanged(t *testing.T, id int64) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-in.changed:
			if got == id {
				return
			}
		case <-timeout:
			t.Fatalf("the change of user %d was not delivered within 10 s", id)
		}
	}
}

// TestUserCacheAcrossInstances: two instances on one PostgreSQL database,
// each with the user cache on and fed by its own broker. A change to a user
// made on B (password, deactivation, role, profile) is refused or seen on
// A once its event has arrived there, although A's entries would live for
// an hour; with A's listener down, A reads every user from the database.
func TestUserCacheAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbA := sqltest.Open(t, sqlstore.Postgres)
	dbB, err := sqlstore.Open(ctx, dbA.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	// A does not reconnect during the test once its listener is cut.
	a := startInstance(t, dbA, realtime.PGBrokerOpts{MinBackoff: time.Hour})
	b := startInstance(t, dbB, realtime.PGBrokerOpts{})

	const pass = "Maple-Comet-55"
	hash, err := b.svc.hash(ctx, pass)
	if err != nil {
		t.Fatal(err)
	}
	admin, _, err := b.svc.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com", FirstName: "Ada"}, "Adm1n-Pass-2030!")
	if err != nil {
		t.Fatal(err)
	}
	var pas []*pasched.User
	if err := dbB.WriteTx(ctx, func(tx *sqlstore.Tx) error {
		for _, email := range []string{"pw@example.com", "off@example.com", "role@example.com"} {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: email, Username: email, FirstName: "Pat",
				Role: pasched.RolePA, PasswordHash: hash})
			if err != nil {
				return err
			}
			pas = append(pas, u)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pw, off, role := pas[0], pas[1], pas[2]
	tokens := map[int64]string{}
	for _, u := range pas {
		pair, err := a.svc.Signer.IssuePair(u.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.ID] = pair.Access
	}
	authOnA := func(u *pasched.User) (*pasched.User, error) {
		t.Helper()
		return a.svc.Authenticate(ctx, tokens[u.ID])
	}
	mustAuth := func(u *pasched.User) *pasched.User {
		t.Helper()
		got, err := authOnA(u)
		if err != nil {
			t.Fatalf("user %d on A: %v", u.ID, err)
		}
		return got
	}
	// A behind-the-back write: no event, so only a read of the database
	// sees it.
	setName := func(u *pasched.User, name string) {
		t.Helper()
		if _, err := dbB.SQL().ExecContext(ctx, `UPDATE users SET first_name = $1 WHERE id = $2`, name, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range pas {
		mustAuth(u)
	}
	// A serves from its cache while its feed is live.
	setName(role, "Unseen")
	if got := mustAuth(role); got.FirstName != "Pat" {
		t.Fatalf("A read the database (%q): its cache is off on PostgreSQL with a live feed", got.FirstName)
	}

	// Password change on B: A refuses the old token.
	current, err := b.svc.FindUser(ctx, admin, pw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.svc.ChangePassword(ctx, current, pass, "Velvet-Harbor-77", 0); err != nil {
		t.Fatal(err)
	}
	a.waitChanged(t, pw.ID)
	if _, err := authOnA(pw); !errors.Is(err, token.ErrInvalid) {
		t.Errorf("A after the password change on B: %v, want %v", err, token.ErrInvalid)
	}

	// Deactivation on B: A refuses the user.
	if _, err := b.svc.SetActive(ctx, admin, off.ID, false); err != nil {
		t.Fatal(err)
	}
	a.waitChanged(t, off.ID)
	if u, err := authOnA(off); err == nil {
		t.Errorf("A after the deactivation on B: accepted (active %v)", u.IsActive)
	}

	// Role change on B (createadmin with the PA's address): A sees an admin.
	if _, _, err := b.svc.CreateAdmin(ctx, pasched.NewUser{Email: role.Email}, "Adm1n-Pass-2031!"); err != nil {
		t.Fatal(err)
	}
	a.waitChanged(t, role.ID)
	if got := mustAuth(role); got.Role != pasched.RoleAdmin || got.FirstName != "Unseen" {
		t.Errorf("A after the role change on B: role %s, name %q; want ADMIN, Unseen", got.Role, got.FirstName)
	}

	// A profile change on B shows on A.
	if _, err := b.svc.UpdateProfile(ctx, role.ID, pasched.ProfileUpdate{FirstName: ptr("Robin")}); err != nil {
		t.Fatal(err)
	}
	a.waitChanged(t, role.ID)
	if got := mustAuth(role); got.FirstName != "Robin" {
		t.Errorf("A after the profile change on B: %q, want Robin", got.FirstName)
	}

	// A's listener is cut (and stays down): A reads every user from the
	// database, even writes no instance was told of.
	pid := <-a.pids
	if _, err := dbB.SQL().ExecContext(ctx, `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
	if a.nextLive(t) {
		t.Fatal("the feed stayed live after its connection was cut")
	}
	for _, name := range []string{"Down1", "Down2"} {
		setName(role, name)
		if got := mustAuth(role); got.FirstName != name {
			t.Errorf("A with its listener down: %q, want %q from the database", got.FirstName, name)
		}
	}
}
