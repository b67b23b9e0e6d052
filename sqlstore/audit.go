package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"pasched"
)

// execer is a transaction (or a change's view of one) that runs statements.
type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// InsertAudit records e in the caller's transaction, so the entry exists
// exactly when the change it describes commits.
func InsertAudit(ctx context.Context, tx execer, e *pasched.AuditEntry) error {
	err := execAtCommit(ctx, tx, `INSERT INTO audit_log (at, actor_id, actor_name, kind, summary, period_id, shift_id, subject_user_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		formatTS(e.At), nullID(e.ActorID), e.ActorName, e.Kind, e.Summary,
		nullID(e.PeriodID), nullID(e.ShiftID), nullID(e.SubjectUserID), nullText(e.Before), nullText(e.After))
	if err != nil {
		return fmt.Errorf("record audit entry %s: %w", e.Kind, err)
	}
	return nil
}

// execAtCommit runs q through tx's ExecAtCommit when it has one (a *Tx,
// or a change's view of one), else at once.
func execAtCommit(ctx context.Context, tx execer, q string, args ...any) error {
	if l, ok := tx.(interface {
		ExecAtCommit(ctx context.Context, q string, args ...any) error
	}); ok {
		return l.ExecAtCommit(ctx, q, args...)
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func auditWhere(f pasched.AuditFilter, a *sqlArgs) string {
	var conds []string
	if f.ActorID != 0 {
		conds = append(conds, "actor_id = "+a.add(f.ActorID))
	}
	if f.PeriodID != 0 {
		conds = append(conds, "period_id = "+a.add(f.PeriodID))
	}
	if f.SubjectUserID != 0 {
		conds = append(conds, "subject_user_id = "+a.add(f.SubjectUserID))
	}
	if f.ShiftID != 0 {
		conds = append(conds, "shift_id = "+a.add(f.ShiftID))
	}
	if f.Kind != "" {
		conds = append(conds, "kind = "+a.add(f.Kind))
	}
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// CountAudit counts the entries f selects (ignoring its paging).
func CountAudit(ctx context.Context, q querier, f pasched.AuditFilter) (int, error) {
	var a sqlArgs
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`+auditWhere(f, &a), a.vals...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count audit entries: %w", err)
	}
	return n, nil
}

// FindAudit returns the entries f selects, newest first.
func FindAudit(ctx context.Context, q querier, f pasched.AuditFilter) ([]*pasched.AuditEntry, error) {
	var a sqlArgs
	query := `SELECT id, at, actor_id, actor_name, kind, summary, period_id, shift_id, subject_user_id, before, after
		FROM audit_log` + auditWhere(f, &a) + ` ORDER BY at DESC, id DESC`
	if f.Limit > 0 {
		query += " LIMIT " + a.add(f.Limit) + " OFFSET " + a.add(f.Offset)
	}
	rows, err := q.QueryContext(ctx, query, a.vals...)
	if err != nil {
		return nil, fmt.Errorf("find audit entries: %w", err)
	}
	defer rows.Close()
	var out []*pasched.AuditEntry
	for rows.Next() {
		var (
			e                             pasched.AuditEntry
			actor, period, shift, subject sql.NullInt64
			before, after                 sql.NullString
		)
		if err := rows.Scan(&e.ID, timestamp{&e.At}, &actor, &e.ActorName, &e.Kind, &e.Summary, &period, &shift, &subject, &before, &after); err != nil {
			return nil, fmt.Errorf("scan audit entry: %w", err)
		}
		e.ActorID, e.PeriodID, e.ShiftID, e.SubjectUserID = idPtr(actor), idPtr(period), idPtr(shift), idPtr(subject)
		e.Before, e.After = before.String, after.String
		out = append(out, &e)
	}
	return out, rows.Err()
}

func idPtr(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	id := v.Int64
	return &id
}
