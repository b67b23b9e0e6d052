-- The audit trail: one row per admin action (and per cover-offer
-- acceptance), written in the same transaction as the change it records.
-- The subjects are plain ids, not foreign keys: the trail outlives what it
-- describes. before/after are JSON snapshots (text, read back as written).
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id BIGINT NULL REFERENCES users(id) ON DELETE SET NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    summary TEXT NOT NULL,
    period_id BIGINT NULL,
    shift_id BIGINT NULL,
    subject_user_id BIGINT NULL,
    before TEXT NULL,
    after TEXT NULL
);
CREATE INDEX audit_log_at ON audit_log(at, id);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE INDEX audit_log_period ON audit_log(period_id, at);
CREATE INDEX audit_log_subject ON audit_log(subject_user_id, at);
CREATE INDEX audit_log_shift ON audit_log(shift_id);
