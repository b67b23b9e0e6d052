package jobs_test

import (
	"context"
	"testing"
	"time"

	"pasched"
	"pasched/jobs"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// The periodic job runs at start and deletes ended sessions, keeping live ones.
func TestWebSessionCleanup(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		b := setup(t, d)
		if ev := b.wait(t, "web_session_cleanup"); ev.Kind != "job_completed" {
			t.Fatalf("cleanup at start: %s", ev.Kind)
		}
		ctx := context.Background()
		now := time.Now().UTC()
		err := b.db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			u, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: "pa@example.test", Username: "pa", Role: pasched.RolePA, PasswordHash: "x"})
			if err != nil {
				return err
			}
			for i, s := range []sqlstore.WebSession{
				{IdleExpiresAt: now.Add(-time.Minute), ExpiresAt: now.Add(time.Hour)},  // idle too long
				{IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(-time.Minute)},  // past its absolute end
				{IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(2 * time.Hour)}, // live
			} {
				s.UserID, s.TokenHash, s.CreatedAt, s.LastSeenAt = u.ID, string(rune('a'+i)), now.Add(-time.Hour), now.Add(-time.Hour)
				if err := sqlstore.CreateWebSession(ctx, tx, &s); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.sys.Client.Insert(ctx, jobs.WebSessionCleanupArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		if ev := b.wait(t, "web_session_cleanup"); ev.Kind != "job_completed" {
			t.Fatalf("cleanup: %s", ev.Kind)
		}
		var left []string
		rows, err := b.db.QueryContext(ctx, `SELECT token_hash FROM web_sessions`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			rows.Scan(&h)
			left = append(left, h)
		}
		if len(left) != 1 || left[0] != "c" {
			t.Fatalf("sessions left: %v, want only the live one", left)
		}
	})
}
