package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"pasched"
)

// Token kinds: the two single-use UUID token tables.
const (
	VerificationTokens  = "email_verification_tokens"
	PasswordResetTokens = "password_reset_tokens"
)

// OneTimeToken is an email-verification or password-reset token.
type OneTimeToken struct {
	ID        int64
	UserID    int64
	Token     string
	CreatedAt time.Time
	ExpiresAt time.Time
	Used      bool
}

// Valid is the seed's is_valid: unused and not expired.
func (t *OneTimeToken) Valid(now time.Time) bool { return !t.Used && now.Before(t.ExpiresAt) }

func checkTable(table string) {
	if table != VerificationTokens && table != PasswordResetTokens {
		panic("sqlstore: unknown token table " + table)
	}
}

// CreateOneTimeToken stores a token that lives for life.
func CreateOneTimeToken(ctx context.Context, tx *Tx, table string, userID int64, tok string, life time.Duration) (*OneTimeToken, error) {
	checkTable(table)
	t := &OneTimeToken{UserID: userID, Token: tok, CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(life)}
	err := tx.QueryRowContext(ctx, `INSERT INTO `+table+` (token, created_at, expires_at, used, user_id)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, tok, formatTS(t.CreatedAt), formatTS(t.ExpiresAt), false, userID).Scan(&t.ID)
	if err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

// FindOneTimeToken finds a token by its canonical UUID text (ENOTFOUND).
func FindOneTimeToken(ctx context.Context, q querier, table, tok string) (*OneTimeToken, error) {
	checkTable(table)
	var t OneTimeToken
	err := q.QueryRowContext(ctx, `SELECT id, user_id, token, created_at, expires_at, used FROM `+table+` WHERE token = $1`, tok).
		Scan(&t.ID, &t.UserID, &t.Token, timestamp{&t.CreatedAt}, timestamp{&t.ExpiresAt}, &t.Used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "token not found")
	}
	if err != nil {
		return nil, fmt.Errorf("find token: %w", err)
	}
	return &t, nil
}

// UseOneTimeToken marks one token used; it reports false when another
// request used it first (so a token works once even under races).
func UseOneTimeToken(ctx context.Context, tx *Tx, table string, id int64) (bool, error) {
	checkTable(table)
	res, err := tx.ExecContext(ctx, `UPDATE `+table+` SET used = $1 WHERE id = $2 AND used = $3`, true, id, false)
	if err != nil {
		return false, fmt.Errorf("use token: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseAllOneTimeTokens marks every token of a user used.
func UseAllOneTimeTokens(ctx context.Context, tx *Tx, table string, userID int64) error {
	checkTable(table)
	_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET used = $1 WHERE user_id = $2 AND used = $3`, true, userID, false)
	return err
}

// AddOutstandingToken records an issued refresh token (simplejwt's
// OutstandingToken) so it can be blacklisted later.
func AddOutstandingToken(ctx context.Context, tx *Tx, userID int64, jti, raw string, createdAt, expiresAt time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outstanding_tokens (jti, token, created_at, expires_at, user_id)
		VALUES ($1, $2, $3, $4, $5)`, jti, raw, formatTS(createdAt), formatTS(expiresAt), userID)
	if err != nil {
		return fmt.Errorf("record token: %w", err)
	}
	return nil
}

// IsBlacklisted reports whether the refresh token with this jti is blacklisted.
func IsBlacklisted(ctx context.Context, q querier, jti string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM blacklisted_tokens b JOIN outstanding_tokens o ON o.id = b.token_id WHERE o.jti = $1`, jti).Scan(&n)
	return n > 0, err
}

// Blacklist blacklists one refresh token, recording it as outstanding first
// when it isn't (simplejwt does the same for tokens issued elsewhere). It
// reports whether this call blacklisted it: false when it already was,
// by an earlier transaction or by a concurrent one that committed first
// (PostgreSQL's unique index makes the second INSERT wait for the first and
// then do nothing), so of concurrent logouts exactly one succeeds.
func Blacklist(ctx context.Context, tx *Tx, userID int64, jti, raw string, createdAt, expiresAt time.Time) (bool, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outstanding_tokens (jti, token, created_at, expires_at, user_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (jti) DO NOTHING`, jti, raw, formatTS(createdAt), formatTS(expiresAt), userID); err != nil {
		return false, fmt.Errorf("blacklist: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO blacklisted_tokens (blacklisted_at, token_id)
		SELECT $1, id FROM outstanding_tokens WHERE jti = $2 ON CONFLICT (token_id) DO NOTHING`, formatTS(tx.Now), jti)
	if err != nil {
		return false, fmt.Errorf("blacklist: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("blacklist: %w", err)
	}
	return n == 1, nil
}

// BlacklistAllForUser blacklists every outstanding refresh token of a user.
func BlacklistAllForUser(ctx context.Context, tx *Tx, userID int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO blacklisted_tokens (blacklisted_at, token_id)
		SELECT $1, id FROM outstanding_tokens WHERE user_id = $2 ON CONFLICT (token_id) DO NOTHING`, formatTS(tx.Now), userID)
	if err != nil {
		return fmt.Errorf("blacklist all: %w", err)
	}
	return nil
}

// Setting reads a value kept with the data ("" when absent).
func Setting(ctx context.Context, q querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM app_settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SettingOrInit returns the stored value of key, storing init first when
// there is none: concurrent starts all get the first stored value.
func SettingOrInit(ctx context.Context, tx *Tx, key, init string) (string, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, init); err != nil {
		return "", fmt.Errorf("setting %s: %w", key, err)
	}
	return Setting(ctx, tx, key)
}
