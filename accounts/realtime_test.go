package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"pasched"
	"pasched/realtime"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// recordingBroker records the events staged and those whose transaction
// committed; fail makes Stage register its AfterCommit and then fail.
type recordingBroker struct {
	mu                sync.Mutex
	staged, delivered []realtime.Event
	fail              error
}

func (b *recordingBroker) Stage(_ context.Context, tx realtime.Tx, ev realtime.Event) error {
	b.mu.Lock()
	b.staged = append(b.staged, ev)
	b.mu.Unlock()
	tx.AfterCommit(func() {
		b.mu.Lock()
		b.delivered = append(b.delivered, ev)
		b.mu.Unlock()
	})
	return b.fail
}

func (b *recordingBroker) Run(ctx context.Context) error { <-ctx.Done(); return nil }

func (b *recordingBroker) counts() (staged, delivered int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.staged), len(b.delivered)
}

func resetToken(t *testing.T, s *Service, userID int64) string {
	t.Helper()
	var tok string
	err := s.DB.WriteTx(context.Background(), func(tx *sqlstore.Tx) error {
		ot, err := sqlstore.CreateOneTimeToken(context.Background(), tx, sqlstore.PasswordResetTokens, userID,
			uuid.NewString(), time.Hour)
		if ot != nil {
			tok = ot.Token
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestConfirmPasswordResetRevokesLiveSessionsOnCommit(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		s := newService(t, d)
		b := &recordingBroker{}
		s.Events = realtime.NewPublisher(b)
		ctx := context.Background()
		u, _, err := s.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com"}, "Adm1n-Pass-2030!")
		if err != nil {
			t.Fatal(err)
		}

		// A transaction that rolls back after staging delivers nothing
		// and changes nothing.
		b.fail = errors.New("boom")
		tok := resetToken(t, s, u.ID)
		if err := s.ConfirmPasswordReset(ctx, tok, "Maple-Comet-55"); err == nil {
			t.Fatal("reset succeeded with a failing broker")
		}
		if st, del := b.counts(); st == 0 || del != 0 {
			t.Fatalf("rolled back: %d staged, %d delivered; want staged, none delivered", st, del)
		}
		if _, err := s.Login(ctx, "ada@example.com", "Maple-Comet-55"); err == nil {
			t.Fatal("the rolled-back reset changed the password")
		}

		// The same token works once the broker does; the revocation is
		// delivered after commit, for that user, as a revocation only.
		b.fail = nil
		b.staged = nil
		if err := s.ConfirmPasswordReset(ctx, tok, "Maple-Comet-55"); err != nil {
			t.Fatal(err)
		}
		b.mu.Lock()
		delivered := b.delivered
		b.mu.Unlock()
		if len(delivered) != 1 || delivered[0].RevokeUserID != u.ID || delivered[0].Full != nil || delivered[0].Public != nil {
			t.Fatalf("delivered %+v, want one revocation of user %d", delivered, u.ID)
		}
		// A used token stages nothing more.
		if err := s.ConfirmPasswordReset(ctx, tok, "Maple-Comet-66"); err == nil {
			t.Fatal("used token accepted")
		}
		if st, del := b.counts(); st != 1 || del != 1 {
			t.Fatalf("after a refused reset: %d staged, %d delivered", st, del)
		}
	})
}

func TestAuthenticateWithExpiry(t *testing.T) {
	t.Parallel()
	s := newService(t, sqlstore.SQLite)
	ctx := context.Background()
	u, _, err := s.CreateAdmin(ctx, pasched.NewUser{Email: "ada@example.com"}, "Adm1n-Pass-2030!")
	if err != nil {
		t.Fatal(err)
	}
	pair, _ := s.Signer.IssuePair(u.ID, time.Now())
	got, exp, err := s.AuthenticateWithExpiry(ctx, pair.Access)
	if err != nil || got.ID != u.ID || !exp.Equal(pair.AccessClaims.ExpiresAt()) {
		t.Fatalf("got %v, %v, %v; want user %d expiring %v", got, exp, err, u.ID, pair.AccessClaims.ExpiresAt())
	}
	if _, exp, err := s.AuthenticateWithExpiry(ctx, "garbage"); err == nil || !exp.IsZero() {
		t.Fatalf("bad token: %v, %v", exp, err)
	}
}
