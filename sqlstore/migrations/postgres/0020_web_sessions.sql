-- Web app sessions (web/): the cookie carries a random token, only its
-- SHA-256 is stored, so a read of this table signs nobody in. A session ends
-- at idle_expires_at (moved forward as it is used) or at expires_at
-- (absolute), whichever comes first.
CREATE TABLE web_sessions (
    id BIGSERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    idle_expires_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
CREATE INDEX web_sessions_idle ON web_sessions(idle_expires_at);
CREATE INDEX web_sessions_expires ON web_sessions(expires_at);
