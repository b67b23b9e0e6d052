package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pasched"
	"pasched/sqlstore"
	"pasched/sqlstore/sqltest"
)

// write runs fn in a write transaction and fails the test on error.
func write(t *testing.T, db *sqlstore.DB, fn func(ctx context.Context, tx *sqlstore.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func createUser(t *testing.T, db *sqlstore.DB, nu pasched.NewUser) *pasched.User {
	t.Helper()
	var u *pasched.User
	write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
		var err error
		u, err = sqlstore.CreateUser(ctx, tx, nu)
		return err
	})
	return u
}

func count(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestUsers(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		fixed := time.Date(2030, 3, 1, 9, 30, 15, 123456789, time.UTC)
		db.Now = func() time.Time { return fixed }
		pa := createUser(t, db, pasched.NewUser{Email: "alice@example.com", Username: "alice", FirstName: "Alice", LastName: "Anderson",
			PhoneNumber: "555-0101", Role: pasched.RolePA, PasswordHash: "h"})
		admin := createUser(t, db, pasched.NewUser{Email: "ada@example.com", Username: "ada", Role: pasched.RoleAdmin, PasswordHash: "h",
			IsEmailVerified: true, IsStaff: true, IsSuperuser: true})
		want := pasched.User{ID: pa.ID, Email: "alice@example.com", Username: "alice", FirstName: "Alice", LastName: "Anderson",
			PhoneNumber: "555-0101", Role: pasched.RolePA, IsActive: true, PasswordHash: "h", DateJoined: fixed.Truncate(time.Microsecond)}
		if got, err := sqlstore.FindUserByID(ctx, db, pa.ID); err != nil || !sameUser(*got, want) {
			t.Fatalf("FindUserByID = %+v, %v\nwant %+v", got, err, want)
		}
		if got, err := sqlstore.FindUserByEmail(ctx, db, "ada@example.com"); err != nil || got.ID != admin.ID || !got.IsStaff || !got.IsSuperuser || !got.IsEmailVerified {
			t.Fatalf("FindUserByEmail = %+v, %v", got, err)
		}
		for _, err := range []error{
			func() error { _, err := sqlstore.FindUserByID(ctx, db, 999); return err }(),
			func() error { _, err := sqlstore.FindUserByEmail(ctx, db, "ALICE@example.com"); return err }(),
		} {
			if pasched.ErrorCode(err) != pasched.ENOTFOUND {
				t.Errorf("missing user: %v", err)
			}
		}
		// The seed's post_save signal: profile and stats for PAs only.
		if n := count(t, db, `SELECT COUNT(*) FROM pa_profiles WHERE user_id = $1 AND max_hours_per_week = 40`, pa.ID); n != 1 {
			t.Errorf("PA profile rows %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM pa_schedule_stats WHERE pa_id = $1`, pa.ID); n != 1 {
			t.Errorf("PA stats rows %d", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM pa_profiles WHERE user_id = $1`, admin.ID); n != 0 {
			t.Errorf("admin profile rows %d", n)
		}

		// Exact comparisons, as the model's UniqueValidator.
		for email, want := range map[string]bool{"alice@example.com": true, "Alice@example.com": false, "bob@example.com": false} {
			if got, err := sqlstore.EmailExists(ctx, db, email); err != nil || got != want {
				t.Errorf("EmailExists(%q) = %v, %v", email, got, err)
			}
		}
		for name, want := range map[string]bool{"alice": true, "ALICE": false, "bob": false} {
			if got, err := sqlstore.UsernameExists(ctx, db, name); err != nil || got != want {
				t.Errorf("UsernameExists(%q) = %v, %v", name, got, err)
			}
		}
		// Duplicates are unique violations, told by driver code.
		for _, nu := range []pasched.NewUser{
			{Email: "alice@example.com", Username: "other", Role: pasched.RolePA},
			{Email: "other@example.com", Username: "alice", Role: pasched.RolePA},
		} {
			err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error { _, err := sqlstore.CreateUser(ctx, tx, nu); return err })
			if !sqlstore.IsUniqueViolation(err) {
				t.Errorf("duplicate %s/%s: %v", nu.Email, nu.Username, err)
			}
		}
		if sqlstore.IsUniqueViolation(errors.New("UNIQUE constraint failed")) || sqlstore.IsUniqueViolation(nil) {
			t.Error("IsUniqueViolation reads message text")
		}

		// Profile: only the given fields change.
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			first := "Alicia"
			return sqlstore.UpdateProfile(ctx, tx, pa.ID, pasched.ProfileUpdate{FirstName: &first})
		})
		got, _ := sqlstore.FindUserByID(ctx, db, pa.ID)
		if got.FirstName != "Alicia" || got.LastName != "Anderson" || got.PhoneNumber != "555-0101" {
			t.Errorf("after UpdateProfile: %+v", got)
		}
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			if err := sqlstore.SetLastLogin(ctx, tx, pa.ID, ""); err != nil {
				return err
			}
			if err := sqlstore.MarkEmailVerified(ctx, tx, pa.ID); err != nil {
				return err
			}
			return sqlstore.SetTokensValidAfter(ctx, tx, pa.ID, fixed)
		})
		got, _ = sqlstore.FindUserByID(ctx, db, pa.ID)
		if got.LastLogin == nil || !got.LastLogin.Equal(fixed.Truncate(time.Microsecond)) || got.PasswordHash != "h" || !got.IsEmailVerified ||
			got.TokensValidAfter == nil || !got.TokensValidAfter.Equal(fixed.Truncate(time.Microsecond)) {
			t.Errorf("after SetLastLogin etc.: %+v", got)
		}
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			if err := sqlstore.SetLastLogin(ctx, tx, pa.ID, "rehashed"); err != nil {
				return err
			}
			return sqlstore.SetPassword(ctx, tx, admin.ID, "new")
		})
		if got, _ := sqlstore.FindUserByID(ctx, db, pa.ID); got.PasswordHash != "rehashed" {
			t.Errorf("rehash not stored: %q", got.PasswordHash)
		}
		if got, _ := sqlstore.FindUserByID(ctx, db, admin.ID); got.PasswordHash != "new" {
			t.Errorf("SetPassword: %q", got.PasswordHash)
		}

		list, err := sqlstore.ListActiveUsers(ctx, db, pasched.RolePA)
		if err != nil || len(list) != 1 || list[0].ID != pa.ID {
			t.Errorf("ListActiveUsers = %v, %v", list, err)
		}
	})
}

func sameUser(a, b pasched.User) bool {
	return a.ID == b.ID && a.Email == b.Email && a.Username == b.Username && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.PhoneNumber == b.PhoneNumber && a.Role == b.Role && a.IsEmailVerified == b.IsEmailVerified && a.IsActive == b.IsActive &&
		a.IsStaff == b.IsStaff && a.IsSuperuser == b.IsSuperuser && a.PasswordHash == b.PasswordHash && a.DateJoined.Equal(b.DateJoined) &&
		(a.LastLogin == nil) == (b.LastLogin == nil) && (a.TokensValidAfter == nil) == (b.TokensValidAfter == nil)
}

// TestUpsertAdmin: createadmin is idempotent; an existing account becomes
// an active, verified admin with the new password, keeping names not given.
func TestUpsertAdmin(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		pa := createUser(t, db, pasched.NewUser{Email: "ada@example.com", Username: "ada", FirstName: "Ada", LastName: "Lovelace",
			PhoneNumber: "1", Role: pasched.RolePA, PasswordHash: "old"})
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET is_active = $1 WHERE id = $2`, false, pa.ID)
			return err
		})
		var got *pasched.User
		var created bool
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			var err error
			got, created, err = sqlstore.UpsertAdmin(ctx, tx, pasched.NewUser{Email: "ada@example.com", LastName: "King", PasswordHash: "new"})
			return err
		})
		if created || got.ID != pa.ID || got.Role != pasched.RoleAdmin || !got.IsActive || !got.IsEmailVerified || !got.IsStaff ||
			!got.IsSuperuser || got.PasswordHash != "new" || got.FirstName != "Ada" || got.LastName != "King" || got.PhoneNumber != "1" {
			t.Fatalf("updated %v %+v", created, got)
		}
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			var err error
			got, created, err = sqlstore.UpsertAdmin(ctx, tx, pasched.NewUser{Email: "new@example.com", Username: "new", Role: pasched.RoleAdmin, PasswordHash: "h"})
			return err
		})
		if !created || got.Email != "new@example.com" {
			t.Fatalf("created %v %+v", created, got)
		}
	})
}

func TestOneTimeTokens(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		u := createUser(t, db, pasched.NewUser{Email: "a@example.com", Username: "a", Role: pasched.RolePA})
		for _, table := range []string{sqlstore.VerificationTokens, sqlstore.PasswordResetTokens} {
			var t1, t2 *sqlstore.OneTimeToken
			write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
				var err error
				if t1, err = sqlstore.CreateOneTimeToken(ctx, tx, table, u.ID, "11111111-1111-4111-8111-111111111111", time.Hour); err != nil {
					return err
				}
				t2, err = sqlstore.CreateOneTimeToken(ctx, tx, table, u.ID, "22222222-2222-4222-8222-222222222222", time.Hour)
				return err
			})
			got, err := sqlstore.FindOneTimeToken(ctx, db, table, t1.Token)
			if err != nil || got.ID != t1.ID || got.UserID != u.ID || got.Used || !got.ExpiresAt.Equal(t1.ExpiresAt) {
				t.Fatalf("%s: Find = %+v, %v", table, got, err)
			}
			now := time.Now()
			if !got.Valid(now) || got.Valid(got.ExpiresAt) || got.Valid(got.ExpiresAt.Add(time.Second)) {
				t.Errorf("%s: Valid around expiry", table)
			}
			if _, err := sqlstore.FindOneTimeToken(ctx, db, table, "33333333-3333-4333-8333-333333333333"); pasched.ErrorCode(err) != pasched.ENOTFOUND {
				t.Errorf("%s: unknown token: %v", table, err)
			}
			// Single use, even under a race: the second use reports false.
			for i, want := range []bool{true, false} {
				write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
					ok, err := sqlstore.UseOneTimeToken(ctx, tx, table, t1.ID)
					if ok != want {
						t.Errorf("%s: use %d = %v", table, i, ok)
					}
					return err
				})
			}
			write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
				return sqlstore.UseAllOneTimeTokens(ctx, tx, table, u.ID)
			})
			if got, _ := sqlstore.FindOneTimeToken(ctx, db, table, t2.Token); !got.Used || got.Valid(now) {
				t.Errorf("%s: UseAll left %+v", table, got)
			}
		}
	})
}

func TestBlacklist(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		u := createUser(t, db, pasched.NewUser{Email: "a@example.com", Username: "a", Role: pasched.RolePA})
		v := createUser(t, db, pasched.NewUser{Email: "b@example.com", Username: "b", Role: pasched.RolePA})
		now := time.Now().UTC()
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			for _, row := range []struct {
				user int64
				jti  string
			}{{u.ID, "j1"}, {u.ID, "j2"}, {v.ID, "k1"}} {
				if err := sqlstore.AddOutstandingToken(ctx, tx, row.user, row.jti, "raw-"+row.jti, now, now.Add(time.Hour)); err != nil {
					return err
				}
			}
			return nil
		})
		black := func(jti string) bool {
			t.Helper()
			b, err := sqlstore.IsBlacklisted(ctx, db, jti)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if black("j1") || black("nope") {
			t.Fatal("blacklisted before")
		}
		for i := range 2 { // idempotent; only the first call blacklists
			write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
				added, err := sqlstore.Blacklist(ctx, tx, u.ID, "j1", "raw-j1", now, now.Add(time.Hour))
				if err == nil && added != (i == 0) {
					t.Errorf("call %d: added = %v", i, added)
				}
				return err
			})
		}
		// A token never recorded (issued elsewhere) is recorded, then blacklisted.
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			added, err := sqlstore.Blacklist(ctx, tx, u.ID, "elsewhere", "raw", now, now.Add(time.Hour))
			if err == nil && !added {
				t.Error("token issued elsewhere: not added")
			}
			return err
		})
		if !black("j1") || black("j2") || !black("elsewhere") || black("k1") {
			t.Fatal("Blacklist")
		}
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error { return sqlstore.BlacklistAllForUser(ctx, tx, u.ID) })
		if !black("j2") || black("k1") {
			t.Fatal("BlacklistAllForUser")
		}
		if n := count(t, db, `SELECT COUNT(*) FROM blacklisted_tokens`); n != 3 {
			t.Fatalf("%d blacklisted rows, want 3", n)
		}
	})
}

func TestSettingsAndTransactions(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, d sqlstore.Dialect) {
		db := sqltest.Open(t, d)
		ctx := context.Background()
		if v, err := sqlstore.Setting(ctx, db, "secret_key"); v != "" || err != nil {
			t.Fatalf("Setting = %q, %v", v, err)
		}
		for _, init := range []string{"first", "second"} {
			write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
				v, err := sqlstore.SettingOrInit(ctx, tx, "secret_key", init)
				if v != "first" {
					t.Errorf("SettingOrInit(%q) = %q", init, v)
				}
				return err
			})
		}
		// One "now" per transaction; AfterCommit hooks run only on commit.
		ran := 0
		boom := errors.New("boom")
		err := db.WriteTx(ctx, func(tx *sqlstore.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if _, err := sqlstore.CreateUser(ctx, tx, pasched.NewUser{Email: "x@example.com", Username: "x", Role: pasched.RolePA}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || ran != 0 || count(t, db, `SELECT COUNT(*) FROM users`) != 0 {
			t.Fatalf("rollback: %v, hooks %d", err, ran)
		}
		q := db.Queries()
		write(t, db, func(ctx context.Context, tx *sqlstore.Tx) error {
			tx.AfterCommit(func() { ran++ })
			if tx.Now.Location() != time.UTC || tx.Now.Nanosecond()%1000 != 0 {
				t.Errorf("tx.Now %v", tx.Now)
			}
			return nil
		})
		if ran != 1 || db.Queries()-q != 2 {
			t.Fatalf("commit: hooks %d, queries %d", ran, db.Queries()-q)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, u := range []string{"sqlite:///rel/x.db", "sqlite:///" + dir + "/abs.db"} {
		db, err := sqlstore.Open(ctx, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if db.Dialect != sqlstore.SQLite {
			t.Errorf("%s: dialect %s", u, db.Dialect)
		}
		db.Close()
	}
	for _, c := range []struct{ url, want string }{
		{"sqlite://:memory:", "in-memory"},
		{"sqlite://", "in-memory"},
		{"mysql://user:secret@host/db", `got "mysql://user@host/db"`},
		{"", "DATABASE_URL must start with"},
	} {
		_, err := sqlstore.Open(ctx, c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) = %v", c.url, err)
		}
	}
}
