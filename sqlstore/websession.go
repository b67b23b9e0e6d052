package sqlstore

import (
	"context"
	"fmt"
	"time"

	"pasched"
)

// WebSession is a signed-in browser (web_sessions). The token itself is
// never stored: TokenHash is its SHA-256, hex.
type WebSession struct {
	ID            int64
	UserID        int64
	TokenHash     string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	UserAgent     string
	IP            string
}

// Live reports whether the session is usable at now.
func (s *WebSession) Live(now time.Time) bool {
	return now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

const webSessionColumns = `s.id, s.user_id, s.token_hash, s.created_at, s.last_seen_at, s.idle_expires_at, s.expires_at, s.user_agent, s.ip`

func webSessionDest(s *WebSession) []any {
	return []any{&s.ID, &s.UserID, &s.TokenHash, timestamp{&s.CreatedAt}, timestamp{&s.LastSeenAt},
		timestamp{&s.IdleExpiresAt}, timestamp{&s.ExpiresAt}, &s.UserAgent, &s.IP}
}

// prefixedUserColumns are userColumns read through the alias u.
const prefixedUserColumns = `u.id, u.email, u.username, u.first_name, u.last_name, u.phone_number, u.role,
	u.is_email_verified, u.is_active, u.is_staff, u.is_superuser, u.password, u.date_joined, u.last_login, u.tokens_valid_after`

// CreateWebSession stores s (its ID is set).
func CreateWebSession(ctx context.Context, tx *Tx, s *WebSession) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO web_sessions (token_hash, user_id, created_at, last_seen_at, idle_expires_at, expires_at, user_agent, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, s.TokenHash, s.UserID, formatTS(s.CreatedAt), formatTS(s.LastSeenAt),
		formatTS(s.IdleExpiresAt), formatTS(s.ExpiresAt), s.UserAgent, s.IP).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("create web session: %w", err)
	}
	return nil
}

// FindWebSession returns the session with this token hash and its user, in
// one query, expired or not (ENOTFOUND when there is none).
func FindWebSession(ctx context.Context, q querier, tokenHash string) (*WebSession, *pasched.User, error) {
	var s WebSession
	u, err := scanUser(rowWith{q.QueryRowContext(ctx, `SELECT `+prefixedUserColumns+`, `+webSessionColumns+`
		FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash), webSessionDest(&s)})
	if err != nil {
		if pasched.ErrorCode(err) == pasched.ENOTFOUND {
			return nil, nil, pasched.Errorf(pasched.ENOTFOUND, "web session not found")
		}
		return nil, nil, fmt.Errorf("find web session: %w", err)
	}
	return &s, u, nil
}

// rowWith scans a row whose leading columns a scanner reads, followed by
// the extra destinations.
type rowWith struct {
	r     rowScanner
	extra []any
}

func (r rowWith) Scan(dest ...any) error { return r.r.Scan(append(dest, r.extra...)...) }

// TouchWebSession records a use of the session at now and moves its idle
// expiry to idleUntil.
func TouchWebSession(ctx context.Context, tx *Tx, id int64, now, idleUntil time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE web_sessions SET last_seen_at = $1, idle_expires_at = $2 WHERE id = $3`,
		formatTS(now), formatTS(idleUntil), id)
	if err != nil {
		return fmt.Errorf("touch web session: %w", err)
	}
	return nil
}

// ListWebSessions returns the user's live sessions at now, latest use first.
func ListWebSessions(ctx context.Context, q querier, userID int64, now time.Time) ([]*WebSession, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webSessionColumns+` FROM web_sessions s
		WHERE s.user_id = $1 AND s.idle_expires_at > $2 AND s.expires_at > $2 ORDER BY s.last_seen_at DESC, s.id DESC`, userID, formatTS(now))
	if err != nil {
		return nil, fmt.Errorf("list web sessions: %w", err)
	}
	defer rows.Close()
	var out []*WebSession
	for rows.Next() {
		var s WebSession
		if err := rows.Scan(webSessionDest(&s)...); err != nil {
			return nil, fmt.Errorf("list web sessions: %w", err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// DeleteWebSession deletes one session by token hash.
func DeleteWebSession(ctx context.Context, tx *Tx, tokenHash string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return fmt.Errorf("delete web session: %w", err)
	}
	return nil
}

// DeleteUserWebSessions deletes every session of a user except the one
// with keepID (0 keeps none) and returns how many went.
func DeleteUserWebSessions(ctx context.Context, tx *Tx, userID, keepID int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2`, userID, keepID)
	if err != nil {
		return 0, fmt.Errorf("delete user web sessions: %w", err)
	}
	return res.RowsAffected()
}

// DeleteExpiredWebSessions deletes the sessions that ended before now.
func DeleteExpiredWebSessions(ctx context.Context, tx *Tx, now time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE idle_expires_at <= $1 OR expires_at <= $1`, formatTS(now))
	if err != nil {
		return 0, fmt.Errorf("delete expired web sessions: %w", err)
	}
	return res.RowsAffected()
}

// AdminExists reports whether any admin account exists (first run is over).
func AdminExists(ctx context.Context, q querier) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = $1`, pasched.RoleAdmin).Scan(&n)
	return n > 0, err
}

// SetSetting stores a value kept with the data, replacing any.
func SetSetting(ctx context.Context, tx *Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO app_settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// TakeSetting deletes key when its value is value, and reports whether it
// did: of concurrent takers exactly one gets true.
func TakeSetting(ctx context.Context, tx *Tx, key, value string) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM app_settings WHERE key = $1 AND value = $2`, key, value)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteSetting removes key.
func DeleteSetting(ctx context.Context, tx *Tx, key string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM app_settings WHERE key = $1`, key)
	return err
}
