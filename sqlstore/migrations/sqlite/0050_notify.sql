-- Issue 14: calendar feeds, reminders and notification settings.

-- One row per user who changed a default (no row: every kind on, no quiet
-- hours, reminders 12 hours before, feeds without pending requests).
CREATE TABLE notification_settings (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- the kinds of email switched off, comma-separated ("shift_approved,reminder")
    disabled_kinds TEXT NOT NULL DEFAULT '',
    -- quiet hours as minutes after midnight in TIME_ZONE; NULL: none
    quiet_start INTEGER NULL,
    quiet_end INTEGER NULL,
    -- hours before a shift its reminder is sent; 0: no reminders
    reminder_lead_hours INTEGER NOT NULL DEFAULT 12,
    feed_include_pending INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- A user's private feed token is HMAC(SECRET_KEY, user, salt): the salt lets
-- the URL be shown again, the hash finds the user, and a new salt (rotation)
-- makes the old URL unknown at once.
CREATE TABLE feed_tokens (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    salt TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- revision is a shift's iCalendar SEQUENCE: a trigger raises it on every
-- update, whichever code path makes it.
ALTER TABLE shift_requests ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER shift_requests_revision AFTER UPDATE ON shift_requests
FOR EACH ROW WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE shift_requests SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;

-- Deleted shifts stay 30 days as tombstones so that subscribed calendars
-- see them cancelled. A trigger catches every delete, cascades included.
-- (deleted_at with milliseconds: SQLite's clock has no finer steps.)
CREATE TABLE shift_tombstones (
    shift_id INTEGER PRIMARY KEY,
    requested_by_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    revision INTEGER NOT NULL,
    deleted_at TEXT NOT NULL
);
CREATE INDEX shift_tombstones_deleted ON shift_tombstones(deleted_at);
CREATE INDEX shift_tombstones_pa ON shift_tombstones(requested_by_id, deleted_at);
CREATE TRIGGER shift_requests_tombstone AFTER DELETE ON shift_requests
FOR EACH ROW
BEGIN
    INSERT OR REPLACE INTO shift_tombstones (shift_id, requested_by_id, status, date, start_time, end_time, revision, deleted_at)
    VALUES (OLD.id, OLD.requested_by_id, OLD.status, OLD.date, OLD.start_time, OLD.end_time, OLD.revision + 1,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    DELETE FROM shift_tombstones WHERE deleted_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days');
END;

-- A reminder sent for a shift starting at starts_at (UTC): one per start, so a
-- moved shift gets one for its new time and a retried job none twice.
CREATE TABLE shift_reminders (
    shift_id INTEGER NOT NULL REFERENCES shift_requests(id) ON DELETE CASCADE,
    starts_at TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (shift_id, starts_at)
);
