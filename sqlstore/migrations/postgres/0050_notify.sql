-- Issue 14: calendar feeds, reminders and notification settings.

-- One row per user who changed a default (no row: every kind on, no quiet
-- hours, reminders 12 hours before, feeds without pending requests).
CREATE TABLE notification_settings (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- the kinds of email switched off, comma-separated ("shift_approved,reminder")
    disabled_kinds TEXT NOT NULL DEFAULT '',
    -- quiet hours as minutes after midnight in TIME_ZONE; NULL: none
    quiet_start INTEGER NULL,
    quiet_end INTEGER NULL,
    -- hours before a shift its reminder is sent; 0: no reminders
    reminder_lead_hours INTEGER NOT NULL DEFAULT 12,
    feed_include_pending BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL
);

-- A user's private feed token is HMAC(SECRET_KEY, user, salt): the salt lets
-- the URL be shown again, the hash finds the user, and a new salt (rotation)
-- makes the old URL unknown at once.
CREATE TABLE feed_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    salt TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- revision is a shift's iCalendar SEQUENCE: a trigger raises it on every
-- update, whichever code path makes it.
ALTER TABLE shift_requests ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE FUNCTION shift_requests_revision() RETURNS trigger AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER shift_requests_revision BEFORE UPDATE ON shift_requests
FOR EACH ROW EXECUTE FUNCTION shift_requests_revision();

-- Deleted shifts stay 30 days as tombstones so that subscribed calendars
-- see them cancelled. A trigger catches every delete, cascades included.
CREATE TABLE shift_tombstones (
    shift_id BIGINT PRIMARY KEY,
    requested_by_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    date DATE NOT NULL,
    start_time TIME NOT NULL,
    end_time TIME NOT NULL,
    revision INTEGER NOT NULL,
    deleted_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX shift_tombstones_deleted ON shift_tombstones(deleted_at);
CREATE INDEX shift_tombstones_pa ON shift_tombstones(requested_by_id, deleted_at);
CREATE FUNCTION shift_requests_tombstone() RETURNS trigger AS $$
BEGIN
    INSERT INTO shift_tombstones (shift_id, requested_by_id, status, date, start_time, end_time, revision, deleted_at)
    VALUES (OLD.id, OLD.requested_by_id, OLD.status, OLD.date, OLD.start_time, OLD.end_time, OLD.revision + 1, clock_timestamp())
    ON CONFLICT (shift_id) DO UPDATE SET revision = EXCLUDED.revision, deleted_at = EXCLUDED.deleted_at;
    DELETE FROM shift_tombstones WHERE deleted_at < clock_timestamp() - interval '30 days';
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER shift_requests_tombstone AFTER DELETE ON shift_requests
FOR EACH ROW EXECUTE FUNCTION shift_requests_tombstone();

-- A reminder sent for a shift starting at starts_at: one per start, so a
-- moved shift gets one for its new time and a retried job none twice.
CREATE TABLE shift_reminders (
    shift_id BIGINT NOT NULL REFERENCES shift_requests(id) ON DELETE CASCADE,
    starts_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shift_id, starts_at)
);
