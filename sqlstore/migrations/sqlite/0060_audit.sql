-- The audit trail: one row per admin action (and per cover-offer
-- acceptance), written in the same transaction as the change it records, so
-- a change that rolled back leaves no row and a change that committed always
-- has one. The subjects (period, shift, user) are plain ids, not foreign
-- keys: the trail outlives what it describes (a deleted shift keeps its
-- history). before/after are JSON snapshots of what changed.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_id INTEGER NULL REFERENCES users(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    period_id INTEGER NULL,
    shift_id INTEGER NULL,
    subject_user_id INTEGER NULL,
    before TEXT NULL,
    after TEXT NULL
);
CREATE INDEX audit_log_at ON audit_log(at, id);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE INDEX audit_log_period ON audit_log(period_id, at);
CREATE INDEX audit_log_subject ON audit_log(subject_user_id, at);
CREATE INDEX audit_log_shift ON audit_log(shift_id);
