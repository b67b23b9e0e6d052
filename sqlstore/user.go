package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"pasched"
)

const userColumns = `id, email, username, first_name, last_name, phone_number, role,
	is_email_verified, is_active, is_staff, is_superuser, password, date_joined, last_login, tokens_valid_after`

type rowScanner interface{ Scan(dest ...any) error }

func scanUser(r rowScanner) (*pasched.User, error) {
	var u pasched.User
	err := r.Scan(&u.ID, &u.Email, &u.Username, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.Role,
		&u.IsEmailVerified, &u.IsActive, &u.IsStaff, &u.IsSuperuser, &u.PasswordHash,
		timestamp{&u.DateJoined}, nullTimestamp{&u.LastLogin}, nullTimestamp{&u.TokensValidAfter})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "user not found")
	}
	if err != nil {
		return nil, fmt.Errorf("scan user: %w", err)
	}
	return &u, nil
}

// querier is a DB or a Tx.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// FindUserByID returns the user or an ENOTFOUND error.
func FindUserByID(ctx context.Context, q querier, id int64) (*pasched.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// FindUserByEmail looks a user up by lower-case email.
func FindUserByEmail(ctx context.Context, q querier, email string) (*pasched.User, error) {
	return scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
}

// EmailExists reports whether a user has exactly this email (case-sensitive,
// as the seed's model UniqueValidator compares).
func EmailExists(ctx context.Context, q querier, email string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = $1`, email).Scan(&n)
	return n > 0, err
}

// UsernameExists reports whether the username is taken.
func UsernameExists(ctx context.Context, q querier, username string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = $1`, username).Scan(&n)
	return n > 0, err
}

// ListActiveUsers returns the active users of a role, by id.
func ListActiveUsers(ctx context.Context, q querier, role string) ([]*pasched.User, error) {
	return queryUsers(ctx, q, `SELECT `+userColumns+` FROM users WHERE role = $1 AND is_active = $2 ORDER BY id`, role, true)
}

// queryUsers runs a query of userColumns and scans every row.
func queryUsers(ctx context.Context, q querier, query string, args ...any) ([]*pasched.User, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*pasched.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUser inserts a user and, for a PA, its profile and stats rows (the
// seed's post_save signal). A duplicate email or username is a unique
// violation the caller maps (IsUniqueViolation).
func CreateUser(ctx context.Context, tx *Tx, nu pasched.NewUser) (*pasched.User, error) {
	now := formatTS(tx.Now)
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO users (password, is_superuser, username, first_name, last_name,
		is_staff, is_active, date_joined, email, phone_number, role, is_email_verified)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		nu.PasswordHash, nu.IsSuperuser, nu.Username, nu.FirstName, nu.LastName,
		nu.IsStaff, true, now, nu.Email, nu.PhoneNumber, nu.Role, nu.IsEmailVerified).Scan(&id)
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	if nu.Role == pasched.RolePA {
		if err := ensurePARows(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return FindUserByID(ctx, tx, id)
}

func ensurePARows(ctx context.Context, tx *Tx, userID int64) error {
	now := formatTS(tx.Now)
	if _, err := tx.ExecContext(ctx, `INSERT INTO pa_profiles (created_at, updated_at, user_id, max_hours_per_week)
		VALUES ($1, $1, $2, $3) ON CONFLICT (user_id) DO NOTHING`, now, userID, pasched.DefaultMaxHoursPerWeek); err != nil {
		return fmt.Errorf("create pa profile: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO pa_schedule_stats (last_calculated, pa_id)
		VALUES ($1, $2) ON CONFLICT (pa_id) DO NOTHING`, now, userID); err != nil {
		return fmt.Errorf("create pa stats: %w", err)
	}
	return nil
}

// UpsertAdmin creates an admin or, when the email exists, makes it an
// active, verified admin with the given password (createadmin is idempotent).
func UpsertAdmin(ctx context.Context, tx *Tx, nu pasched.NewUser) (*pasched.User, bool, error) {
	u, err := FindUserByEmail(ctx, tx, nu.Email)
	if pasched.ErrorCode(err) == pasched.ENOTFOUND {
		u, err = CreateUser(ctx, tx, nu)
		return u, true, err
	}
	if err != nil {
		return nil, false, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET password = $1, role = $2, is_active = $3, is_email_verified = $3,
		is_staff = $3, is_superuser = $3,
		first_name = CASE WHEN $4 = '' THEN first_name ELSE $4 END,
		last_name = CASE WHEN $5 = '' THEN last_name ELSE $5 END,
		phone_number = CASE WHEN $6 = '' THEN phone_number ELSE $6 END
		WHERE id = $7`,
		nu.PasswordHash, pasched.RoleAdmin, true, nu.FirstName, nu.LastName, nu.PhoneNumber, u.ID)
	if err != nil {
		return nil, false, fmt.Errorf("update admin: %w", err)
	}
	u, err = FindUserByID(ctx, tx, u.ID)
	return u, false, err
}

// UpdateProfile changes only the fields a user may change about themselves.
func UpdateProfile(ctx context.Context, tx *Tx, id int64, up pasched.ProfileUpdate) error {
	u, err := FindUserByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if up.FirstName != nil {
		u.FirstName = *up.FirstName
	}
	if up.LastName != nil {
		u.LastName = *up.LastName
	}
	if up.PhoneNumber != nil {
		u.PhoneNumber = *up.PhoneNumber
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET first_name = $1, last_name = $2, phone_number = $3 WHERE id = $4`,
		u.FirstName, u.LastName, u.PhoneNumber, id)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	return nil
}

// SetPassword stores a new hash.
func SetPassword(ctx context.Context, tx *Tx, id int64, hash string) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET password = $1 WHERE id = $2`, hash, id)
	return err
}

// SetLastLogin stamps last_login (and a rehashed password when not empty).
func SetLastLogin(ctx context.Context, tx *Tx, id int64, rehash string) error {
	if rehash != "" {
		_, err := tx.ExecContext(ctx, `UPDATE users SET last_login = $1, password = $2 WHERE id = $3`, formatTS(tx.Now), rehash, id)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE users SET last_login = $1 WHERE id = $2`, formatTS(tx.Now), id)
	return err
}

// SetTokensValidAfter refuses every JWT of the user issued before t.
func SetTokensValidAfter(ctx context.Context, tx *Tx, id int64, t time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET tokens_valid_after = $1 WHERE id = $2`, formatTS(t), id)
	return err
}

// MarkEmailVerified sets is_email_verified.
func MarkEmailVerified(ctx context.Context, tx *Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE users SET is_email_verified = $1 WHERE id = $2`, true, id)
	return err
}

// ListUsers returns every user, admins first, then by name (the console's
// People page: a household has a handful of people, so no paging).
func ListUsers(ctx context.Context, q querier) ([]*pasched.User, error) {
	return queryUsers(ctx, q, `SELECT `+userColumns+` FROM users
		ORDER BY CASE WHEN role = 'ADMIN' THEN 0 ELSE 1 END, first_name, last_name, email`)
}

// SetUserActive sets is_active.
func SetUserActive(ctx context.Context, tx *Tx, id int64, active bool) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET is_active = $1 WHERE id = $2`, active, id); err != nil {
		return fmt.Errorf("set user %d active=%v: %w", id, active, err)
	}
	return nil
}
