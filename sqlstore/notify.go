package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"pasched"
	"pasched/schedule"
)

// ReminderLeadQuery reads, as a Query, how many hours before a shift each
// of ids wants its reminder (the default for those who changed nothing)
// into out: an approval reads it with the shift's other data in one round
// trip instead of a statement of its own.
func ReminderLeadQuery(ids []int64, out map[int64]int) Query {
	return userIntQuery(`SELECT user_id, reminder_lead_hours FROM notification_settings WHERE user_id IN (`,
		"reminder lead times", ids, pasched.DefaultReminderLead, out)
}

// FindNotificationSettings returns a user's settings, the defaults when the
// user never changed them.
func FindNotificationSettings(ctx context.Context, q querier, userID int64) (*pasched.NotificationSettings, error) {
	s, err := scanNotificationSettings(q.QueryRowContext(ctx, `SELECT `+notificationSettingsColumns+`
		FROM notification_settings WHERE user_id = $1`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return pasched.DefaultNotificationSettings(userID), nil
	}
	if err != nil {
		return nil, fmt.Errorf("find notification settings of user %d: %w", userID, err)
	}
	return s, nil
}

// FindNotificationSettingsOf returns the settings of each of userIDs (the
// defaults for a user who never changed them) in one statement: the email
// workers read those of the sends that start together at once.
func FindNotificationSettingsOf(ctx context.Context, db *DB, userIDs []int64) (map[int64]*pasched.NotificationSettings, error) {
	var (
		q    = `SELECT ` + notificationSettingsColumns + ` FROM notification_settings WHERE user_id `
		args []any
	)
	if db.Dialect == Postgres {
		// One text for any number of users: the connection's prepared
		// statement is reused.
		q += `= ANY($1)`
		args = []any{userIDs}
	} else {
		var in strings.Builder
		for i, id := range userIDs {
			if i > 0 {
				in.WriteByte(',')
			}
			fmt.Fprintf(&in, "$%d", i+1)
			args = append(args, id)
		}
		q += `IN (` + in.String() + `)`
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find notification settings of %d users: %w", len(userIDs), err)
	}
	defer rows.Close()
	got := make(map[int64]*pasched.NotificationSettings, len(userIDs))
	for rows.Next() {
		s, err := scanNotificationSettings(rows)
		if err != nil {
			return nil, fmt.Errorf("find notification settings of %d users: %w", len(userIDs), err)
		}
		got[s.UserID] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find notification settings of %d users: %w", len(userIDs), err)
	}
	for _, id := range userIDs {
		if got[id] == nil {
			got[id] = pasched.DefaultNotificationSettings(id)
		}
	}
	return got, nil
}

const notificationSettingsColumns = `user_id, disabled_kinds, quiet_start, quiet_end, reminder_lead_hours, feed_include_pending, updated_at`

// scanNotificationSettings reads a row of notificationSettingsColumns.
func scanNotificationSettings(row interface{ Scan(...any) error }) (*pasched.NotificationSettings, error) {
	var (
		userID       int64
		disabled     string
		qStart, qEnd sql.NullInt64
		lead         int
		pending      bool
		updated      time.Time
	)
	if err := row.Scan(&userID, &disabled, &qStart, &qEnd, &lead, &pending, timestamp{&updated}); err != nil {
		return nil, err
	}
	s := pasched.DefaultNotificationSettings(userID)
	if disabled != "" {
		s.Disabled = strings.Split(disabled, ",")
	}
	if qStart.Valid && qEnd.Valid {
		s.Quiet = &pasched.QuietHours{Start: int(qStart.Int64), End: int(qEnd.Int64)}
	}
	s.ReminderLeadHours, s.FeedIncludePending, s.UpdatedAt = lead, pending, updated
	return s, nil
}

// SaveNotificationSettings writes a user's settings and stamps UpdatedAt.
func SaveNotificationSettings(ctx context.Context, tx *Tx, s *pasched.NotificationSettings) error {
	s.UpdatedAt = tx.Now
	var qs, qe any
	if s.Quiet != nil {
		qs, qe = s.Quiet.Start, s.Quiet.End
	}
	disabled := slices.Clone(s.Disabled)
	slices.Sort(disabled)
	_, err := tx.ExecContext(ctx, `INSERT INTO notification_settings
		(user_id, disabled_kinds, quiet_start, quiet_end, reminder_lead_hours, feed_include_pending, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (user_id) DO UPDATE SET disabled_kinds = EXCLUDED.disabled_kinds, quiet_start = EXCLUDED.quiet_start,
		quiet_end = EXCLUDED.quiet_end, reminder_lead_hours = EXCLUDED.reminder_lead_hours,
		feed_include_pending = EXCLUDED.feed_include_pending, updated_at = EXCLUDED.updated_at`,
		s.UserID, strings.Join(slices.Compact(disabled), ","), qs, qe, s.ReminderLeadHours, s.FeedIncludePending, formatTS(tx.Now))
	if err != nil {
		return fmt.Errorf("save notification settings of user %d: %w", s.UserID, err)
	}
	return nil
}

// Recipient is a user an email goes to.
type Recipient struct {
	ID    int64
	Email string
}

// ActiveRecipients returns the active users of role, by id.
func ActiveRecipients(ctx context.Context, q querier, role string) ([]Recipient, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, email FROM users WHERE role = $1 AND is_active = $2 ORDER BY id`, role, true)
	if err != nil {
		return nil, fmt.Errorf("find %s recipients: %w", role, err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.ID, &r.Email); err != nil {
			return nil, fmt.Errorf("find %s recipients: %w", role, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FeedToken is the stored half of a user's calendar feed token.
type FeedToken struct {
	UserID    int64
	Salt      string
	Hash      string
	CreatedAt time.Time
}

// FindFeedToken returns a user's feed token row, or ENOTFOUND.
func FindFeedToken(ctx context.Context, q querier, userID int64) (*FeedToken, error) {
	t := FeedToken{UserID: userID}
	err := q.QueryRowContext(ctx, `SELECT salt, token_hash, created_at FROM feed_tokens WHERE user_id = $1`, userID).
		Scan(&t.Salt, &t.Hash, timestamp{&t.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "no feed token")
	}
	if err != nil {
		return nil, fmt.Errorf("find feed token of user %d: %w", userID, err)
	}
	return &t, nil
}

// FindFeedTokenByHash returns the feed token row whose hash is hash, or
// ENOTFOUND.
func FindFeedTokenByHash(ctx context.Context, q querier, hash string) (*FeedToken, error) {
	var t FeedToken
	err := q.QueryRowContext(ctx, `SELECT user_id, salt, token_hash, created_at FROM feed_tokens WHERE token_hash = $1`, hash).
		Scan(&t.UserID, &t.Salt, &t.Hash, timestamp{&t.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "no feed token")
	}
	if err != nil {
		return nil, fmt.Errorf("find feed token: %w", err)
	}
	return &t, nil
}

// SaveFeedToken creates or replaces a user's feed token (a rotation).
func SaveFeedToken(ctx context.Context, tx *Tx, t *FeedToken) error {
	t.CreatedAt = tx.Now
	_, err := tx.ExecContext(ctx, `INSERT INTO feed_tokens (user_id, salt, token_hash, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET salt = EXCLUDED.salt, token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at`,
		t.UserID, t.Salt, t.Hash, formatTS(tx.Now))
	if err != nil {
		return fmt.Errorf("save feed token of user %d: %w", t.UserID, err)
	}
	return nil
}

// MarkReminderSent records the reminder of shiftID for its start at start;
// false when one was already recorded (the reminder went out before).
func MarkReminderSent(ctx context.Context, tx *Tx, shiftID int64, start time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO shift_reminders (shift_id, starts_at, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT (shift_id, starts_at) DO NOTHING`, shiftID, formatTS(start), formatTS(tx.Now))
	if err != nil {
		return false, fmt.Errorf("mark reminder of shift %d: %w", shiftID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FutureApprovedShifts returns the approved shifts of a PA dated from on,
// by date (for rescheduling their reminders when the lead time changes).
func FutureApprovedShifts(ctx context.Context, q querier, paID int64, from schedule.Date) ([]*pasched.Shift, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, date, start_time, end_time FROM shift_requests
		WHERE requested_by_id = $1 AND status = $2 AND date >= $3 ORDER BY date, start_time, id`,
		paID, pasched.ShiftApproved, schedDateArg(from))
	if err != nil {
		return nil, fmt.Errorf("find future shifts of user %d: %w", paID, err)
	}
	defer rows.Close()
	var out []*pasched.Shift
	for rows.Next() {
		s := &pasched.Shift{RequestedByID: paID, Status: pasched.ShiftApproved}
		if err := rows.Scan(&s.ID, schedDate{&s.Date}, schedTime{&s.Start}, schedTime{&s.End}); err != nil {
			return nil, fmt.Errorf("find future shifts of user %d: %w", paID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
