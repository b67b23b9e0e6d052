-- One row per email job whose message a sender has accepted, written just
-- after delivery: a job run again after a crash (rescued or reclaimed)
-- finds it and completes without sending twice. Keyed by River's job id,
-- which is never reused (River's SQLite table is AUTOINCREMENT, PostgreSQL's
-- a sequence). sent_ms is Unix milliseconds (old rows are pruned).
CREATE TABLE email_sent (
    job_id BIGINT PRIMARY KEY,
    message_id TEXT NOT NULL,
    sent_ms BIGINT NOT NULL
);
CREATE INDEX email_sent_sent_ms ON email_sent(sent_ms);

-- Processes running job workers, each with its River client id and the
-- last time it said it was alive (Unix milliseconds). A running job whose
-- worker has stopped heartbeating is handed back to the queue at once
-- instead of waiting for River's rescuer.
CREATE TABLE job_workers (
    client_id TEXT PRIMARY KEY,
    heartbeat_ms BIGINT NOT NULL
);
