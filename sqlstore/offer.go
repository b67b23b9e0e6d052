package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"pasched"
	"pasched/schedule"
)

// PACandidate is an active PA with what the cover suggestions weigh: their
// profile's limit and preferences and their stored reliability.
type PACandidate struct {
	ID                    int64
	Name, Email           string
	MaxHours              int
	PreferredDays         []string
	PreferredStart        *schedule.TimeOfDay
	PreferredEnd          *schedule.TimeOfDay
	ReliabilityHundredths int64
}

// FindPACandidates returns every active PA with profile and reliability, by
// id, in one query (a PA without those rows gets the defaults).
func FindPACandidates(ctx context.Context, q querier) ([]PACandidate, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.first_name, u.last_name, u.email,
		COALESCE(p.max_hours_per_week, $1), COALESCE(CAST(p.preferred_days AS TEXT), '[]'),
		p.preferred_start_time, p.preferred_end_time,
		COALESCE(CAST(ROUND(st.reliability_score * 100) AS INTEGER), 10000)
		FROM users u LEFT JOIN pa_profiles p ON p.user_id = u.id LEFT JOIN pa_schedule_stats st ON st.pa_id = u.id
		WHERE u.role = $2 AND u.is_active = $3 ORDER BY u.id`, pasched.DefaultMaxHoursPerWeek, pasched.RolePA, true)
	if err != nil {
		return nil, fmt.Errorf("find PA candidates: %w", err)
	}
	defer rows.Close()
	var out []PACandidate
	for rows.Next() {
		var (
			c           PACandidate
			first, last string
			days        string
			start, end  optTime
		)
		if err := rows.Scan(&c.ID, &first, &last, &c.Email, &c.MaxHours, &days, &start, &end, &c.ReliabilityHundredths); err != nil {
			return nil, fmt.Errorf("find PA candidates: %w", err)
		}
		c.Name = pasched.FullName(first, last)
		if c.Name == "" {
			c.Name = c.Email
		}
		// A malformed list reads as no preference rather than failing the
		// whole suggestion list.
		_ = json.Unmarshal([]byte(days), &c.PreferredDays)
		if start.valid {
			c.PreferredStart = &start.t
		}
		if end.valid {
			c.PreferredEnd = &end.t
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindOccupyingShifts returns the approved and pending shifts dated from
// through to (rules fields only), by id, in one query.
func FindOccupyingShifts(ctx context.Context, q querier, from, to schedule.Date) ([]*pasched.Shift, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.schedule_period_id, s.requested_by_id, s.date, s.start_time,
		s.end_time, s.status FROM shift_requests s
		WHERE s.date >= $1 AND s.date <= $2 AND s.status IN ($3, $4) ORDER BY s.id`,
		schedDateArg(from), schedDateArg(to), pasched.ShiftApproved, pasched.ShiftPending)
	if err != nil {
		return nil, fmt.Errorf("find shifts %s..%s: %w", from, to, err)
	}
	defer rows.Close()
	var out []*pasched.Shift
	for rows.Next() {
		var s pasched.Shift
		if err := rows.Scan(&s.ID, &s.PeriodID, &s.RequestedByID, schedDate{&s.Date}, schedTime{&s.Start},
			schedTime{&s.End}, &s.Status); err != nil {
			return nil, fmt.Errorf("find shifts %s..%s: %w", from, to, err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// CountRecentOffers counts, per PA, the cover offers sent to them since.
func CountRecentOffers(ctx context.Context, q querier, since time.Time) (map[int64]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT pa_id, COUNT(*) FROM cover_offer_recipients WHERE created_at >= $1 GROUP BY pa_id`,
		formatTS(since))
	if err != nil {
		return nil, fmt.Errorf("count recent offers: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("count recent offers: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// FindPeriodFor returns the period a shift dated d belongs to: of the
// periods containing d, the one starting latest (then the newest). ENOTFOUND
// when none does.
func FindPeriodFor(ctx context.Context, q querier, d schedule.Date) (*pasched.Period, error) {
	return scanPeriod(q.QueryRowContext(ctx, periodSelect+` WHERE p.start_date <= $1 AND p.end_date >= $1
		ORDER BY p.start_date DESC, p.id DESC LIMIT 1`, schedDateArg(d)))
}

// CreateOffer inserts an offer and its recipients (in o's order), setting
// o.ID, o.Status and o.CreatedAt.
func CreateOffer(ctx context.Context, tx *Tx, o *pasched.CoverOffer) error {
	o.Status, o.CreatedAt = pasched.OfferOpen, tx.Now
	err := tx.QueryRowContext(ctx, `INSERT INTO cover_offers (schedule_period_id, date, start_time, end_time, status,
		created_by_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		o.PeriodID, o.Date.String(), o.Start.String(), o.End.String(), o.Status, o.CreatedBy,
		formatTS(o.CreatedAt), formatTS(o.ExpiresAt)).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	for i, r := range o.Recipients {
		if _, err := tx.ExecContext(ctx, `INSERT INTO cover_offer_recipients (offer_id, pa_id, position, created_at)
			VALUES ($1, $2, $3, $4)`, o.ID, r.PAID, i, formatTS(o.CreatedAt)); err != nil {
			return fmt.Errorf("create offer: recipient %d: %w", r.PAID, err)
		}
	}
	return nil
}

const offerSelect = `SELECT o.id, o.schedule_period_id, o.date, o.start_time, o.end_time, o.status,
	COALESCE(o.created_by_id, 0), o.created_at, o.expires_at, o.filled_by_id, o.shift_id, o.filled_at
	FROM cover_offers o`

func scanOffer(r rowScanner) (*pasched.CoverOffer, error) {
	var (
		o             pasched.CoverOffer
		filled, shift sql.NullInt64
		filledAt      *time.Time
	)
	err := r.Scan(&o.ID, &o.PeriodID, schedDate{&o.Date}, schedTime{&o.Start}, schedTime{&o.End}, &o.Status,
		&o.CreatedBy, timestamp{&o.CreatedAt}, timestamp{&o.ExpiresAt}, &filled, &shift, nullTimestamp{&filledAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, pasched.Errorf(pasched.ENOTFOUND, "Not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("scan offer: %w", err)
	}
	if filled.Valid {
		o.FilledBy = &filled.Int64
	}
	if shift.Valid {
		o.ShiftID = &shift.Int64
	}
	o.FilledAt = filledAt
	return &o, nil
}

// FindOffer returns an offer with its recipients (ENOTFOUND when absent).
func FindOffer(ctx context.Context, q querier, id int64) (*pasched.CoverOffer, error) {
	o, err := scanOffer(q.QueryRowContext(ctx, offerSelect+` WHERE o.id = $1`, id))
	if err != nil {
		return nil, err
	}
	if err := loadRecipients(ctx, q, []*pasched.CoverOffer{o}); err != nil {
		return nil, err
	}
	return o, nil
}

// OfferFilter selects offers: all of them, or those sent to one PA.
type OfferFilter struct {
	PAID  int64
	Limit int // 0: 100
}

// FindOffers returns offers, newest first, with their recipients.
func FindOffers(ctx context.Context, q querier, f OfferFilter) ([]*pasched.CoverOffer, error) {
	var a sqlArgs
	query := offerSelect
	if f.PAID != 0 {
		query += ` WHERE o.id IN (SELECT offer_id FROM cover_offer_recipients WHERE pa_id = ` + a.add(f.PAID) + `)`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	query += ` ORDER BY o.id DESC LIMIT ` + a.add(limit)
	rows, err := q.QueryContext(ctx, query, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("find offers: %w", err)
	}
	var out []*pasched.CoverOffer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find offers: %w", err)
	}
	return out, loadRecipients(ctx, q, out)
}

func loadRecipients(ctx context.Context, q querier, offers []*pasched.CoverOffer) error {
	if len(offers) == 0 {
		return nil
	}
	var a sqlArgs
	ids := a.list(len(offers), func(i int) any { return offers[i].ID })
	rows, err := q.QueryContext(ctx, `SELECT r.offer_id, r.pa_id, u.first_name, u.last_name, u.email
		FROM cover_offer_recipients r JOIN users u ON u.id = r.pa_id
		WHERE r.offer_id IN (`+ids+`) ORDER BY r.offer_id, r.position`, a.vals...)
	if err != nil {
		return fmt.Errorf("find offer recipients: %w", err)
	}
	defer rows.Close()
	byID := map[int64]*pasched.CoverOffer{}
	for _, o := range offers {
		byID[o.ID] = o
	}
	for rows.Next() {
		var (
			id          int64
			r           pasched.OfferRecipient
			first, last string
		)
		if err := rows.Scan(&id, &r.PAID, &first, &last, &r.Email); err != nil {
			return fmt.Errorf("find offer recipients: %w", err)
		}
		r.Name = pasched.FullName(first, last)
		if o := byID[id]; o != nil {
			o.Recipients = append(o.Recipients, r)
		}
	}
	return rows.Err()
}

// FillOffer marks an OPEN offer filled by paID with shiftID, and reports
// whether it did: the conditional update lets exactly one of any number of
// concurrent acceptances through (on PostgreSQL a second update waits for
// the first's row lock, then finds the status changed).
func FillOffer(ctx context.Context, tx *Tx, id, paID, shiftID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE cover_offers SET status = $1, filled_by_id = $2, shift_id = $3, filled_at = $4
		WHERE id = $5 AND status = $6`, pasched.OfferFilled, paID, shiftID, formatTS(tx.Now), id, pasched.OfferOpen)
	if err != nil {
		return false, fmt.Errorf("fill offer %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("fill offer %d: %w", id, err)
	}
	return n == 1, nil
}

// RecordDigest notes that the coverage digest of a local date is being
// sent, and reports false when it already was (the caller then sends
// nothing).
func RecordDigest(ctx context.Context, tx *Tx, localDate schedule.Date, gaps int) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO coverage_digests (local_date, gaps, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (local_date) DO NOTHING`, localDate.String(), gaps, formatTS(tx.Now))
	if err != nil {
		return false, fmt.Errorf("record digest %s: %w", localDate, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record digest %s: %w", localDate, err)
	}
	return n == 1, nil
}

// DigestRecorded reports whether the coverage digest of a local date was
// already sent.
func DigestRecorded(ctx context.Context, q querier, localDate schedule.Date) (bool, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM coverage_digests WHERE local_date = $1`, localDate.String()).Scan(&n); err != nil {
		return false, fmt.Errorf("find digest %s: %w", localDate, err)
	}
	return n > 0, nil
}
